import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChdbConnection } from 'chdb/connection';

/**
 * The baseline PPO is compared against: the same rows, already serialized,
 * handed to the engine with nothing else in the way — no network, no
 * decoding, no batching — as TabSeparated by chDB's raw passthrough insert
 * (zero-copy Buffer) or as a file the engine reads (INSERT ... SELECT FROM
 * file(), default threads), or as Native blocks in such a file (what PPO's
 * protobuf span decoder writes); the fastest is the limit.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`unexpected identifier ${name}`);
  return name;
}

export async function queryText(conn: ChdbConnection, sql: string): Promise<string> {
  return (await conn.chdb.queryAsync(sql, { format: 'TabSeparated' })).text();
}

export async function queryRows<T>(conn: ChdbConnection, sql: string): Promise<T[]> {
  const text = (await conn.chdb.queryAsync(sql, { format: 'JSONEachRow' })).text();
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

/** Reads `rows` rows of `table` as TabSeparated (all stored columns, table order). */
export async function exportTsv(conn: ChdbConnection, table: string, rows: number): Promise<Buffer> {
  const result = await conn.chdb.queryAsync(`SELECT * FROM ${ident(table)} LIMIT ${Math.floor(rows)}`, { format: 'TabSeparated' });
  const bytes = result.bytes();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `count` chunks of `chunkRows` rows of `table` (all stored columns, table order), each one Native block. */
export async function exportNativeChunks(conn: ChdbConnection, table: string, chunkRows: number, count: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const result = await conn.chdb.queryAsync(`SELECT * FROM ${ident(table)} LIMIT ${Math.floor(chunkRows)} OFFSET ${i * Math.floor(chunkRows)}`, { format: 'Native' });
    const bytes = result.bytes();
    chunks.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return chunks;
}

/** Cuts TSV into chunks of `chunkRows` rows (views into `all`, no copies). */
export function splitTsv(all: Buffer, chunkRows: number): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  let pos = 0;
  let n = 0;
  // TSV escapes newlines inside values, so every raw '\n' ends a row.
  while (pos < all.length) {
    const nl = all.indexOf(0x0a, pos);
    if (nl === -1) break;
    pos = nl + 1;
    if (++n === chunkRows) {
      chunks.push(all.subarray(start, pos));
      start = pos;
      n = 0;
    }
  }
  if (pos > start) chunks.push(all.subarray(start, pos));
  return chunks;
}

export function countLines(buf: Buffer): number {
  let n = 0;
  let pos = buf.indexOf(0x0a);
  while (pos !== -1) {
    n++;
    pos = buf.indexOf(0x0a, pos + 1);
  }
  return n;
}

/**
 * Creates an empty copy of `source` named `copy`; with `withViews`, also a
 * copy of every materialized view reading from `source` (and of the tables
 * they write to), so inserting into the copy costs what inserting into the
 * original costs. Returns the names of the view copies.
 */
export async function createCopyTable(conn: ChdbConnection, source: string, copy: string, withViews: boolean): Promise<string[]> {
  await queryText(conn, `DROP TABLE IF EXISTS ${ident(copy)} SYNC`);
  await queryText(conn, `CREATE TABLE ${ident(copy)} AS ${ident(source)}`);
  if (!withViews) return [];
  const deps = await queryRows<{ dependencies_table: string[] }>(
    conn,
    `SELECT dependencies_table FROM system.tables WHERE database = currentDatabase() AND name = '${ident(source)}'`,
  );
  const views = deps[0]?.dependencies_table ?? [];
  const created: string[] = [];
  for (const view of views) {
    const rows = await queryRows<{ create_table_query: string; engine: string }>(
      conn,
      `SELECT create_table_query, engine FROM system.tables WHERE database = currentDatabase() AND name = '${ident(view)}'`,
    );
    const row = rows[0];
    if (!row || row.engine !== 'MaterializedView') continue;
    let sql = row.create_table_query;
    const viewCopy = `${copy}__${view}`;
    const word = (name: string): RegExp => new RegExp(`(?:\\b[A-Za-z_][A-Za-z0-9_]*\\.)?\\b${name}\\b`, 'g');
    const to = /\bTO\s+(?:[A-Za-z_][A-Za-z0-9_]*\.)?([A-Za-z_][A-Za-z0-9_]*)/.exec(sql)?.[1];
    sql = sql.replace(word(view), viewCopy);
    if (to) {
      const targetCopy = `${copy}__${to}`;
      await queryText(conn, `DROP TABLE IF EXISTS ${ident(targetCopy)} SYNC`);
      await queryText(conn, `CREATE TABLE ${ident(targetCopy)} AS ${ident(to)}`);
      sql = sql.replace(word(to), targetCopy);
    }
    sql = sql.replace(word(source), copy);
    await queryText(conn, `DROP VIEW IF EXISTS ${ident(viewCopy)} SYNC`);
    await queryText(conn, sql);
    created.push(viewCopy);
  }
  return created;
}

/** Waits (up to `maxMs`) until no background merge is running, so phases do not pay for each other's merges. */
export async function waitForMerges(conn: ChdbConnection, maxMs = 30_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const running = Number((await queryText(conn, 'SELECT count() FROM system.merges')).trim());
    if (running === 0 || performance.now() - started > maxMs) return performance.now() - started;
    await sleep(250);
  }
}

export type RawVia = 'rawInsert' | 'file' | 'native';

export interface RawInsertOptions {
  table: string;
  chunks: readonly Buffer[];
  chunkRowCounts: readonly number[];
  /** Inserts running at once (each worker inserts one chunk at a time). */
  concurrency: number;
  /** Stop after this long... */
  maxSeconds: number;
  /** ...or once this many rows are in, if at least `minSeconds` passed. */
  targetRows: number;
  minSeconds: number;
  /**
   * `rawInsert`: chDB's in-memory passthrough insert of the TSV bytes;
   * `file`: the bytes written to a file in `stagingDir` and read by the engine
   * (INSERT ... SELECT FROM file()), as PPO's storage does; the write is timed too;
   * `native`: as `file`, with chunks that are Native blocks.
   */
  via: RawVia;
  stagingDir: string;
}

export interface RawInsertResult {
  concurrency: number;
  rows: number;
  inserts: number;
  bytes: number;
  seconds: number;
  rowsPerS: number;
  avgInsertMs: number;
}

/** Column declarations of `table` in its own order, for file(). */
async function tableStructure(conn: ChdbConnection, table: string): Promise<string> {
  const rows = await queryRows<{ name: string; type: string }>(
    conn,
    `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '${table}' AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL') ORDER BY position`,
  );
  return rows.map((r) => `\`${r.name}\` ${r.type}`).join(', ');
}

/** Inserts the chunks round-robin (see `via`) and measures rows per second. */
export async function timeRawInserts(conn: ChdbConnection, opts: RawInsertOptions): Promise<RawInsertResult> {
  const structure = opts.via === 'rawInsert' ? '' : (await tableStructure(conn, opts.table)).replace(/'/g, "\\'");
  const format = opts.via === 'native' ? 'Native' : 'TabSeparated';
  let files = 0;
  let next = 0;
  let rows = 0;
  let inserts = 0;
  let bytes = 0;
  let insertMs = 0;
  const started = performance.now();
  const done = (): boolean => {
    const s = (performance.now() - started) / 1000;
    return s >= opts.maxSeconds || (rows >= opts.targetRows && s >= opts.minSeconds);
  };
  const worker = async (): Promise<void> => {
    while (!done()) {
      const i = next++ % opts.chunks.length;
      const chunk = opts.chunks[i] as Buffer;
      const t = performance.now();
      const expected = opts.chunkRowCounts[i] ?? 0;
      if (opts.via !== 'rawInsert') {
        const file = join(opts.stagingDir, `raw-${++files}.${opts.via === 'native' ? 'native' : 'tsv'}`);
        await writeFile(file, chunk);
        await conn.chdb.queryAsync(`INSERT INTO ${ident(opts.table)} SELECT * FROM file('${file}', '${format}', '${structure}')`);
        await rm(file, { force: true });
      } else {
        const summary = await conn.chdb.rawInsert({ table: opts.table, values: chunk, format: 'TabSeparated' });
        if (summary.rowsSent !== undefined && summary.rowsSent !== expected) {
          throw new Error(`raw insert sent ${summary.rowsSent} rows, expected ${expected}`);
        }
      }
      insertMs += performance.now() - t;
      rows += expected;
      bytes += chunk.length;
      inserts++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  return {
    concurrency: opts.concurrency,
    rows,
    inserts,
    bytes,
    seconds,
    rowsPerS: rows / seconds,
    avgInsertMs: insertMs / Math.max(1, inserts),
  };
}
