import { mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';

export interface StorageOptions {
  /** `http://user:pass@host:8123/db` selects a ClickHouse server; absent → embedded chDB. */
  clickhouseUrl?: string | undefined;
  /** Data directory of the embedded chDB engine. */
  dataDir: string;
  /** Memory cap of the embedded engine in bytes (its `max_server_memory_usage`); 0 = the engine's default (90 % of RAM). */
  engineMaxMemoryBytes?: number | undefined;
}

/** Input formats PPO writes rows in: TabSeparated lines, or Native blocks (columnar, read without text parsing). */
export type InsertFormat = 'TabSeparated' | 'Native';

export interface InsertTsvOptions {
  /** Explicit column list, in the order of the TSV fields (or of a Native block's columns). */
  columns: readonly string[];
  /**
   * Makes a retried insert of the same batch a no-op (ClickHouse block
   * deduplication). Ignored where the table engine cannot deduplicate.
   */
  dedupToken?: string | undefined;
}

/**
 * The one place that knows whether ClickHouse is embedded or a server. The
 * rest of PPO queries through `client` (same SQL on both) and writes
 * pre-serialized rows through `insertTsv`, which takes the fastest path the
 * backend offers: chDB's zero-copy raw insert, or a streamed HTTP body.
 */
export interface InsertRowsOptions extends InsertTsvOptions {
  format: InsertFormat;
}

export interface Storage {
  readonly kind: 'embedded' | 'server';
  readonly client: ClickHouseClient;
  /**
   * `body` may come in pieces (a batch of spooled requests): they are sent in
   * order, never joined in memory. In Native, each piece is whole blocks.
   */
  insertRows(table: string, body: Buffer | readonly Buffer[], opts: InsertRowsOptions): Promise<void>;
  /** `insertRows` with TabSeparated rows. */
  insertTsv(table: string, body: Buffer | readonly Buffer[], opts: InsertTsvOptions): Promise<void>;
  /** Resolves true when a trivial query succeeds. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid ClickHouse identifier: ${name}`);
  return name;
}

/**
 * Settings of every INSERT. The OTel tables partition by day and a batch may
 * hold rows of any number of days (a replayed backlog, skewed clocks, a
 * request with timestamps from 1970 to 2262): ClickHouse's default cap of 100
 * partitions per insert block would fail such a batch on every retry and
 * wedge ingestion of the table, so the cap is lifted.
 */
function insertSettings(token: string | undefined): Record<string, string | number> {
  const settings: Record<string, string | number> = { max_partitions_per_insert_block: 0 };
  if (token !== undefined) Object.assign(settings, { insert_deduplication_token: token, insert_deduplicate: 1 });
  return settings;
}

export function openStorage(opts: StorageOptions): Storage {
  if (opts.clickhouseUrl) return openServer(opts.clickhouseUrl);
  return openEmbedded(opts.dataDir, opts.engineMaxMemoryBytes ?? 0);
}

function openServer(url: string): Storage {
  const client = createClient({
    url,
    clickhouse_settings: { date_time_input_format: 'best_effort' },
    compression: { request: false, response: true },
  });
  const insertRows: Storage['insertRows'] = async (table, body, { columns, dedupToken, format }) => {
    const values = Readable.from(Buffer.isBuffer(body) ? [body] : body);
    if (format === 'TabSeparated') {
      await client.insert({
        table: assertIdentifier(table),
        values,
        format: 'TabSeparated',
        columns: columns.map(assertIdentifier) as [string, ...string[]],
        clickhouse_settings: insertSettings(dedupToken),
      });
      return;
    }
    // client.insert takes only the formats it can encode; exec streams any body.
    const result = await client.exec({
      query: `INSERT INTO ${assertIdentifier(table)} (${columns.map((c) => `\`${assertIdentifier(c)}\``).join(', ')}) FORMAT ${format}`,
      values,
      clickhouse_settings: insertSettings(dedupToken),
    });
    result.stream.resume();
    await new Promise<void>((resolve, reject) => {
      result.stream.once('end', resolve);
      result.stream.once('error', reject);
    });
  };
  return {
    kind: 'server',
    client,
    insertRows,
    insertTsv: (table, body, opts) => insertRows(table, body, { ...opts, format: 'TabSeparated' }),
    async ping() {
      const r = await client.ping();
      return r.success;
    },
    close: () => client.close(),
  };
}

/** A single-quoted ClickHouse string literal. */
function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Subdirectory of the data dir where an INSERT's rows wait as a file while
 * the engine reads them (see insertTsv below); emptied on open, since a file
 * left there by a crash belongs to an INSERT the spool will redo.
 */
export const INSERT_STAGING_DIR = 'insert-staging';

function openEmbedded(dataDir: string, maxMemoryBytes: number): Storage {
  mkdirSync(dataDir, { recursive: true });
  const staging = join(dataDir, INSERT_STAGING_DIR);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // Engine (server) settings can only be given by the first connection to a
  // data dir, as arguments; createChdbConnection takes none, so a session
  // opened first with them starts the engine, and the connection shares it.
  const engine = maxMemoryBytes > 0 ? new Session(dataDir, { connectionArgs: [`--max_server_memory_usage=${Math.floor(maxMemoryBytes)}`] }) : undefined;
  const connection: ChdbConnection = createChdbConnection({ path: dataDir });
  // @clickhouse/client accepts a pluggable Connection; the published typings
  // of the two packages come from different client-common builds, hence the cast.
  const client = createClient({ connection } as unknown as Parameters<typeof createClient>[0]);
  // Column declarations for file(): the table's own types, in the order of the TSV fields.
  const structures = new Map<string, Promise<string>>();
  const structureOf = (table: string, columns: readonly string[]): Promise<string> => {
    const key = `${table}(${columns.join(',')})`;
    let s = structures.get(key);
    if (s === undefined) {
      s = client
        .query({
          query: 'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String}',
          query_params: { table },
          format: 'JSONEachRow',
        })
        .then((r) => r.json<{ name: string; type: string }>())
        .then((rows) => {
          const types = new Map(rows.map((r) => [r.name, r.type]));
          return columns
            .map((c) => {
              const type = types.get(c);
              if (type === undefined) throw new Error(`table ${table} has no column ${c}`);
              return `\`${c}\` ${type}`;
            })
            .join(', ');
        });
      s.catch(() => structures.delete(key));
      structures.set(key, s);
    }
    return s;
  };
  let closed = false;
  let seq = 0;
  // The rows go to a file the engine then reads (INSERT ... SELECT FROM
  // file()), not through chDB's in-memory rawInsert: the same TSV parsed
  // 1.7-2x faster that way on a quiet machine (bench:ingest's raw baseline
  // times both), and the batch is not copied into one buffer first (RSS 798
  // vs 1,254 MiB at 64 MiB batches); under PPO's own ingest load the speed
  // gain is smaller and noisy (README, Benchmarks). The file is written to
  // the page cache and gone before the INSERT returns. Native blocks take the
  // same path (chDB's rawInsert takes only text formats).
  // max_threads = 1 keeps one source stream, so the batch forms the same
  // insert blocks on a retry and insert_deduplication_token matches.
  const insertRows: Storage['insertRows'] = async (table, body, { columns, dedupToken, format }) => {
    const cols = columns.map(assertIdentifier);
    const structure = await structureOf(assertIdentifier(table), cols);
    const file = join(staging, `${++seq}.${format === 'Native' ? 'native' : 'tsv'}`);
    await writeFile(file, Buffer.isBuffer(body) ? body : (body as readonly Buffer[]));
    try {
      await client.command({
        query: `INSERT INTO ${table} (${cols.map((c) => `\`${c}\``).join(', ')}) SELECT * FROM file(${sqlString(file)}, '${format}', ${sqlString(structure)})`,
        clickhouse_settings: { ...insertSettings(dedupToken), max_threads: 1 },
      });
    } finally {
      await rm(file, { force: true });
    }
  };
  return {
    kind: 'embedded',
    client,
    insertRows,
    insertTsv: (table, body, opts) => insertRows(table, body, { ...opts, format: 'TabSeparated' }),
    async ping() {
      try {
        await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.close();
      engine?.close();
    },
  };
}
