import type { ChdbConnection } from 'chdb/connection';
import { queryRows, queryText } from './raw-insert.ts';
import type { EncodedRequest, RequestPool } from './request-pool.ts';
import { readVarint } from './otlp-offsets.ts';

/**
 * Exact accounting of which spans the overload benchmark had acknowledged and
 * which ClickHouse holds, without a set of millions of span ids.
 *
 * The request pool re-sends its pre-encoded requests with bytes 8..11 of every
 * trace id XORed with a per-generation key (see otlp-offsets.ts), so a stored
 * span is identified by its SpanId (unique within the pool: it says which
 * request it came from) and by TraceId bytes 8..11 XOR the original bytes (the
 * key, which says which sending of that request). The benchmark records the
 * (request, key) of every acknowledged request; after the run a table mapping
 * each pool SpanId to its request and original bytes lets one SQL pass count,
 * per (request, key), the distinct spans stored and the duplicates.
 */

/** Length-delimited fields `field` of the message in [start, end), as [from, to) ranges. */
function lenFields(buf: Uint8Array, start: number, end: number, field: number): [number, number][] {
  const out: [number, number][] = [];
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = readVarint(buf, pos);
    switch (tag & 7) {
      case 0:
        pos = readVarint(buf, afterTag)[1];
        break;
      case 1:
        pos = afterTag + 8;
        break;
      case 5:
        pos = afterTag + 4;
        break;
      case 2: {
        const [len, from] = readVarint(buf, afterTag);
        if (Math.floor(tag / 8) === field) out.push([from, from + len]);
        pos = from + len;
        break;
      }
      default:
        throw new Error(`unsupported wire type ${tag & 7}`);
    }
  }
  return out;
}

/** (trace_id, span_id) of every span of an ExportTraceServiceRequest, in order. */
export function spanIdentities(body: Buffer): { traceId: Buffer; spanId: Buffer }[] {
  const out: { traceId: Buffer; spanId: Buffer }[] = [];
  for (const [rs0, rs1] of lenFields(body, 0, body.length, 1)) {
    for (const [ss0, ss1] of lenFields(body, rs0, rs1, 2)) {
      for (const [sp0, sp1] of lenFields(body, ss0, ss1, 2)) {
        const [t] = lenFields(body, sp0, sp1, 1);
        const [s] = lenFields(body, sp0, sp1, 2);
        if (!t || !s) throw new Error('span without trace_id or span_id');
        out.push({ traceId: body.subarray(t[0], t[1]), spanId: body.subarray(s[0], s[1]) });
      }
    }
  }
  return out;
}

/** What the pool's requests contain before any patching: span ids and the original trace-id bytes 8..11. */
export class PoolCatalog {
  private constructor(
    /** Per request index: little-endian bytes 8..11 of the first patched trace id, unpatched. */
    private readonly firstKeyBase: Uint32Array,
    /** Per request index: the patched trace-id offset those bytes were read at. */
    private readonly firstKeyOffset: Uint32Array,
    /** TSV rows `SpanId \t request+1 \t original bytes 8..11 (UInt32 LE)`. */
    readonly mapTsv: Buffer,
    readonly spans: number,
    /** Span ids that occur more than once in the pool (should be 0: they would blur the accounting). */
    readonly repeatedSpanIds: number,
  ) {}

  /**
   * Reads every request of a fresh pool (each `take` at generation 0 changes
   * nothing) and gives them back. Call before the load starts.
   */
  static snapshot(pool: RequestPool): PoolCatalog {
    const n = pool.stats.requests;
    const taken: EncodedRequest[] = [];
    for (let i = 0; i < n; i++) taken.push(pool.take());
    const firstKeyBase = new Uint32Array(n);
    const firstKeyOffset = new Uint32Array(n);
    const lines: string[] = [];
    const seen = new Set<string>();
    let repeated = 0;
    let spans = 0;
    for (const req of taken) {
      if (req.generation !== 0) throw new Error('PoolCatalog.snapshot needs a pool that has not been used yet');
      const first = req.offsets.traceIds[0];
      if (first === undefined) throw new Error(`request ${req.index} has no trace ids`);
      firstKeyOffset[req.index] = first + 8;
      firstKeyBase[req.index] = req.body.readUInt32LE(first + 8);
      for (const { traceId, spanId } of spanIdentities(req.body)) {
        const hex = spanId.toString('hex');
        if (seen.has(hex)) repeated++;
        seen.add(hex);
        lines.push(`${hex}\t${req.index + 1}\t${traceId.readUInt32LE(8)}`);
        spans++;
      }
    }
    for (const req of taken) pool.release(req);
    return new PoolCatalog(firstKeyBase, firstKeyOffset, Buffer.from(lines.join('\n') + '\n'), spans, repeated);
  }

  /** The identity of a request as currently patched (call between `take` and `release`). */
  instanceId(req: EncodedRequest): string {
    const key = (req.body.readUInt32LE(this.firstKeyOffset[req.index] ?? 0) ^ (this.firstKeyBase[req.index] ?? 0)) >>> 0;
    return `${req.index}:${key}`;
  }
}

export interface StoredTally {
  /** Rows in otel_traces. */
  rows: number;
  /** Acknowledged spans not in otel_traces. */
  lost: number;
  /** Distinct spans stored more than once, and the extra rows they take. */
  duplicated: number;
  duplicateRows: number;
  /** Distinct spans stored although their request was never acknowledged (e.g. its answer timed out). */
  storedNotAcked: number;
  /** Rows whose SpanId is not from the pool at all. */
  foreignRows: number;
}

/**
 * Counts, in a chDB data dir PPO has left (PPO stopped), what was lost and
 * what duplicated. `acked` maps an instance id (`PoolCatalog.instanceId`) to
 * the spans acknowledged for it.
 */
export async function tallyStored(conn: ChdbConnection, catalog: PoolCatalog, acked: ReadonlyMap<string, number>): Promise<StoredTally> {
  await queryText(conn, 'DROP TABLE IF EXISTS bench_span_map SYNC');
  await queryText(conn, 'CREATE TABLE bench_span_map (SpanId String, req UInt32, orig UInt32) ENGINE = Memory');
  await conn.chdb.rawInsert({ table: 'bench_span_map', values: catalog.mapTsv, format: 'TabSeparated', columns: ['SpanId', 'req', 'orig'] });
  const groups = await queryRows<{ req: number; key: number; spans: string; rows: string; dup_spans: string }>(
    conn,
    `SELECT req, key, count() AS spans, sum(c) AS rows, countIf(c > 1) AS dup_spans
     FROM (
       SELECT t.TraceId, t.SpanId, count() AS c, any(m.req) AS req,
              any(bitXor(reinterpretAsUInt32(unhex(substring(t.TraceId, 17, 8))), m.orig)) AS key
       FROM otel_traces AS t LEFT JOIN bench_span_map AS m ON t.SpanId = m.SpanId
       GROUP BY t.TraceId, t.SpanId
     )
     GROUP BY req, key
     SETTINGS output_format_json_quote_64bit_integers = 1`,
  );
  await queryText(conn, 'DROP TABLE bench_span_map SYNC');
  const stored = new Map<string, number>();
  const tally: StoredTally = { rows: 0, lost: 0, duplicated: 0, duplicateRows: 0, storedNotAcked: 0, foreignRows: 0 };
  for (const g of groups) {
    const spans = Number(g.spans);
    const rows = Number(g.rows);
    tally.rows += rows;
    tally.duplicated += Number(g.dup_spans);
    tally.duplicateRows += rows - spans;
    if (Number(g.req) === 0) {
      tally.foreignRows += rows;
      continue;
    }
    const id = `${Number(g.req) - 1}:${Number(g.key)}`;
    stored.set(id, spans);
    if (!acked.has(id)) tally.storedNotAcked += spans;
  }
  for (const [id, spans] of acked) tally.lost += Math.max(0, spans - (stored.get(id) ?? 0));
  return tally;
}
