import { mkdirSync } from 'node:fs';
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

export interface InsertTsvOptions {
  /** Explicit column list, in the order of the TSV fields. */
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
export interface Storage {
  readonly kind: 'embedded' | 'server';
  readonly client: ClickHouseClient;
  /** `body` may come in pieces (a batch of spooled requests): they are sent in order, never joined in memory. */
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
  return {
    kind: 'server',
    client,
    async insertTsv(table, body, { columns, dedupToken }) {
      await client.insert({
        table: assertIdentifier(table),
        values: Readable.from(Buffer.isBuffer(body) ? [body] : body),
        format: 'TabSeparated',
        columns: columns.map(assertIdentifier) as [string, ...string[]],
        clickhouse_settings: insertSettings(dedupToken),
      });
    },
    async ping() {
      const r = await client.ping();
      return r.success;
    },
    close: () => client.close(),
  };
}

function openEmbedded(dataDir: string, maxMemoryBytes: number): Storage {
  mkdirSync(dataDir, { recursive: true });
  // Engine (server) settings can only be given by the first connection to a
  // data dir, as arguments; createChdbConnection takes none, so a session
  // opened first with them starts the engine, and the connection shares it.
  const engine = maxMemoryBytes > 0 ? new Session(dataDir, { connectionArgs: [`--max_server_memory_usage=${Math.floor(maxMemoryBytes)}`] }) : undefined;
  const connection: ChdbConnection = createChdbConnection({ path: dataDir });
  // @clickhouse/client accepts a pluggable Connection; the published typings
  // of the two packages come from different client-common builds, hence the cast.
  const client = createClient({ connection } as unknown as Parameters<typeof createClient>[0]);
  let closed = false;
  return {
    kind: 'embedded',
    client,
    // chDB's raw passthrough: the engine parses the bytes as they are. (Staging
    // the batch as a file the engine reads — INSERT ... SELECT FROM file() —
    // parses the same TSV 1.5-2x faster in isolation, see bench:ingest's raw
    // baseline, but under PPO's own ingest load its INSERTs took 40-70 % longer,
    // so it is not used; see the README, Performance.)
    async insertTsv(table, body, { columns, dedupToken }) {
      await connection.chdb.rawInsert({
        table: assertIdentifier(table),
        values: Buffer.isBuffer(body) ? body : Buffer.concat(body as readonly Buffer[]),
        format: 'TabSeparated',
        columns: columns.map(assertIdentifier),
        settings: insertSettings(dedupToken),
      });
    },
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
