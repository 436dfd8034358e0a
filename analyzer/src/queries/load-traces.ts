import type { ClickHouseClient } from '@clickhouse/client';
import type { SpanKindName, StatusCodeName, Trace, TraceSpan } from '../model/trace.ts';

/**
 * Traces out of otel_traces as the analyzer's plain `Trace` shape: only the
 * columns the models read, one row per trace (ClickHouse groups the spans),
 * times relative to the trace's earliest span so JS works on exact numbers.
 */

/** Which span attributes to bring along; the models that need none ask for none. */
export type AttributeSelection = { readonly keys: readonly string[] } | { readonly prefixes: readonly string[] };

export interface LoadOptions {
  /** Default: no attributes. */
  readonly attributes?: AttributeSelection;
}

/** Root spans of a window, optionally only one entry point's. */
export interface EntrySelection {
  /** Unix ns, inclusive. */
  readonly from: bigint;
  /** Unix ns, exclusive. */
  readonly to: bigint;
  readonly service?: string | undefined;
  readonly operation?: string | undefined;
}

export interface EntryCount {
  /** Distinct traces with a matching root span in the window. */
  readonly traces: number;
  /** Latest end of those roots (unix ns), or undefined when there are none. */
  readonly maxRootEndNs: bigint | undefined;
}

/**
 * How far outside the roots' window a trace's other spans may start (clock
 * skew between hosts, a child that outlives its root). Spans farther out
 * would be clipped away by the critical path anyway; the margin only bounds
 * the partitions scanned.
 */
export const SPAN_WINDOW_MARGIN_NS = 10n * 60n * 1_000_000_000n;

const KINDS: Readonly<Record<string, SpanKindName>> = {
  Unspecified: 'Unspecified',
  Internal: 'Internal',
  Server: 'Server',
  Client: 'Client',
  Producer: 'Producer',
  Consumer: 'Consumer',
  // The contrib exporter writes `SPAN_KIND_*` names in some versions.
  SPAN_KIND_UNSPECIFIED: 'Unspecified',
  SPAN_KIND_INTERNAL: 'Internal',
  SPAN_KIND_SERVER: 'Server',
  SPAN_KIND_CLIENT: 'Client',
  SPAN_KIND_PRODUCER: 'Producer',
  SPAN_KIND_CONSUMER: 'Consumer',
};

const STATUSES: Readonly<Record<string, StatusCodeName>> = {
  Unset: 'Unset',
  Ok: 'Ok',
  Error: 'Error',
  STATUS_CODE_UNSET: 'Unset',
  STATUS_CODE_OK: 'Ok',
  STATUS_CODE_ERROR: 'Error',
};

// ---- SQL builders: fixed fragments, every value a bound parameter. ----

function attributesColumn(sel: AttributeSelection | undefined): string {
  if (sel === undefined) return 'map() AS attrs';
  if ('keys' in sel) return 'mapFilter((k, v) -> has({attrKeys:Array(String)}, k), SpanAttributes) AS attrs';
  // One regular expression per key beats arrayExists(startsWith) over the prefixes.
  return 'mapFilter((k, v) -> match(k, {attrPattern:String}), SpanAttributes) AS attrs';
}

function attributeParams(sel: AttributeSelection | undefined): Record<string, string | readonly string[]> {
  if (sel === undefined) return {};
  if ('keys' in sel) return { attrKeys: sel.keys };
  const escaped = sel.prefixes.map((p) => p.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  return { attrPattern: `^(${escaped.join('|')})` };
}

/** Root spans of the selection, as a WHERE body. */
function entryFilter(sel: EntrySelection): string {
  let sql = `Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})
      AND ParentSpanId = ''`;
  if (sel.service !== undefined) sql += ' AND ServiceName = {service:String}';
  if (sel.operation !== undefined) sql += ' AND SpanName = {operation:String}';
  return sql;
}

function entryParams(sel: EntrySelection): Record<string, string> {
  const p: Record<string, string> = { from: sel.from.toString(), to: sel.to.toString() };
  if (sel.service !== undefined) p['service'] = sel.service;
  if (sel.operation !== undefined) p['operation'] = sel.operation;
  return p;
}

/** One row per trace; `spansWhere` narrows the scan (time range + trace ids). */
function traceRowsSql(spansWhere: string, attrs: AttributeSelection | undefined): string {
  return `
WITH min(ts) AS baseTs
SELECT
  TraceId,
  toString(baseTs) AS base,
  groupArray(SpanId),
  groupArray(ParentSpanId),
  groupArray(ServiceName),
  groupArray(SpanName),
  groupArray(SpanKind),
  groupArray(StatusCode),
  arrayMap(t -> t - baseTs, groupArray(ts)),
  groupArray(Duration),
  groupArray(attrs)
FROM (
  SELECT TraceId, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind, StatusCode, Duration,
    toInt64(toUnixTimestamp64Nano(Timestamp)) AS ts, ${attributesColumn(attrs)}
  FROM otel_traces
  WHERE ${spansWhere}
)
GROUP BY TraceId`;
}

type TraceRow = [
  traceId: string,
  base: string,
  spanIds: string[],
  parentIds: string[],
  services: string[],
  names: string[],
  kinds: string[],
  statuses: string[],
  starts: number[],
  durations: number[],
  attrs: Record<string, string>[],
];

const SETTINGS = {
  // Relative times and durations as JSON numbers: exact below 2^53 ns (104 days).
  output_format_json_quote_64bit_integers: 0,
} as const;

/**
 * A row → `Trace`. Spans sorted by start then id, so ties are broken the same
 * way on every run (the critical path keeps the earliest-starting child, and
 * input order among equal starts); repeated span ids (a re-inserted batch)
 * keep their first copy.
 */
export function traceFromRow(row: TraceRow): Trace {
  const [traceId, base, spanIds, parentIds, services, names, kinds, statuses, starts, durations, attrs] = row;
  const order = spanIds.map((_, i) => i);
  order.sort((a, b) => (starts[a] as number) - (starts[b] as number) || ((spanIds[a] as string) < (spanIds[b] as string) ? -1 : 1));
  const seen = new Set<string>();
  const spans: TraceSpan[] = [];
  for (const i of order) {
    const spanId = spanIds[i] as string;
    if (seen.has(spanId)) continue;
    seen.add(spanId);
    const start = starts[i] as number;
    spans.push({
      spanId,
      parentSpanId: parentIds[i] as string,
      service: services[i] as string,
      name: names[i] as string,
      kind: KINDS[kinds[i] as string] ?? 'Unspecified',
      start,
      end: start + (durations[i] as number),
      status: STATUSES[statuses[i] as string] ?? 'Unset',
      attributes: attrs[i] ?? {},
    });
  }
  return { traceId, baseNs: BigInt(base), spans };
}

/**
 * One trace by id. The id → time lookup table narrows the scan to the
 * trace's days, as the contrib exporter's own trace-by-id query does.
 */
export async function loadTrace(client: ClickHouseClient, traceId: string, opts: LoadOptions = {}): Promise<Trace | undefined> {
  const where = `TraceId = {traceId:String}
    AND Timestamp >= (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}) - INTERVAL 1 HOUR
    AND Timestamp <= (SELECT max(End) FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}) + INTERVAL 1 HOUR`;
  const rs = await client.query({
    query: traceRowsSql(where, opts.attributes),
    query_params: { traceId, ...attributeParams(opts.attributes) },
    format: 'JSONCompactEachRow',
    clickhouse_settings: SETTINGS,
  });
  const rows = await rs.json<TraceRow>();
  const row = rows[0];
  return row === undefined ? undefined : traceFromRow(row);
}

/** How many traces start at a matching root in the window; decides the sample. */
export async function countEntryTraces(client: ClickHouseClient, sel: EntrySelection): Promise<EntryCount> {
  const rs = await client.query({
    query: `
SELECT uniqExact(TraceId) AS traces, toString(max(toUnixTimestamp64Nano(Timestamp) + Duration)) AS maxEnd
FROM otel_traces
WHERE ${entryFilter(sel)}`,
    query_params: entryParams(sel),
    format: 'JSONEachRow',
    clickhouse_settings: SETTINGS,
  });
  const [row] = await rs.json<{ traces: number; maxEnd: string }>();
  const traces = Number(row?.traces ?? 0);
  return { traces, maxRootEndNs: traces > 0 && row !== undefined ? BigInt(row.maxEnd) : undefined };
}

export interface StreamOptions extends LoadOptions {
  /**
   * Keep the traces with cityHash64(TraceId) % sampleModulus = 0: a
   * deterministic sample (the same traces on every run and replica) of about
   * 1 / sampleModulus. 1 = all.
   */
  readonly sampleModulus: number;
  /** From `countEntryTraces`: bounds the scan for the traces' other spans. */
  readonly maxRootEndNs: bigint;
}

/**
 * Calls `onTrace` for every (sampled) trace with a matching root, all its
 * spans loaded. Rows are parsed one at a time, so only the current trace is
 * held as objects.
 */
export async function streamEntryTraces(
  client: ClickHouseClient,
  sel: EntrySelection,
  opts: StreamOptions,
  onTrace: (trace: Trace) => void,
): Promise<number> {
  // The sample condition is repeated outside the IN: a hash is cheaper than a
  // set lookup and drops the unsampled spans first.
  const where = `Timestamp >= fromUnixTimestamp64Nano({lo:Int64}) AND Timestamp <= fromUnixTimestamp64Nano({hi:Int64})
    AND cityHash64(TraceId) % {modulus:UInt64} = 0
    AND TraceId IN (
      SELECT TraceId FROM otel_traces
      WHERE ${entryFilter(sel)} AND cityHash64(TraceId) % {modulus:UInt64} = 0
    )`;
  const rs = await client.query({
    query: traceRowsSql(where, opts.attributes),
    query_params: {
      ...entryParams(sel),
      ...attributeParams(opts.attributes),
      lo: (sel.from - SPAN_WINDOW_MARGIN_NS).toString(),
      hi: (opts.maxRootEndNs + SPAN_WINDOW_MARGIN_NS).toString(),
      modulus: String(Math.max(1, Math.floor(opts.sampleModulus))),
    },
    format: 'JSONCompactEachRow',
    clickhouse_settings: SETTINGS,
  });
  let n = 0;
  for await (const rows of rs.stream<TraceRow>()) {
    for (const row of rows) {
      onTrace(traceFromRow(row.json<TraceRow>()));
      n++;
    }
  }
  return n;
}
