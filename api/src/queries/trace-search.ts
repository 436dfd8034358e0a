import type { ClickHouseClient } from '@clickhouse/client';

export interface TraceSearch {
  service?: string | undefined;
  operation?: string | undefined;
  /** Inclusive span-duration bounds, ns. */
  minDurationNanos?: bigint | undefined;
  maxDurationNanos?: bigint | undefined;
  /** Every pair must match on one span (in any of the places a tag can live). */
  tags: readonly (readonly [string, string])[];
  /** Span start window, inclusive at both ends (as Jaeger's StartTimeMin/Max). */
  fromNanos: bigint;
  toNanos: bigint;
  limit: number;
}

export interface TraceSummaryRow {
  traceId: string;
  rootService: string;
  rootOperation: string;
  startNanos: string;
  durationNanos: string;
  spans: number;
  services: string[];
  errors: number;
}

/**
 * Where a tag may live on a span, as Jaeger's search looks: span attributes,
 * resource attributes (Jaeger "process tags"), event attributes (Jaeger
 * "logs"), link attributes and scope attributes (a PPO column, migration 0007).
 * mapContains keeps `k=` (an empty value) from matching spans without `k`.
 * Keys and values are bound parameters `{kN:String}`/`{vN:String}`, never SQL text.
 */
function tagCondition(i: number): string {
  const k = `{k${i}:String}`;
  const v = `{v${i}:String}`;
  const inMap = (m: string): string => `(mapContains(${m}, ${k}) AND ${m}[${k}] = ${v})`;
  return `(${[
    inMap('SpanAttributes'),
    inMap('ResourceAttributes'),
    inMap('ScopeAttributes'),
    `arrayExists(a -> mapContains(a, ${k}) AND a[${k}] = ${v}, Events.Attributes)`,
    `arrayExists(a -> mapContains(a, ${k}) AND a[${k}] = ${v}, Links.Attributes)`,
    // Span fields Jaeger and the OTel→Jaeger translation expose as tags.
    `(${k} = 'error' AND ${v} = 'true' AND StatusCode = 'Error')`,
    `(${k} = 'span.kind' AND lower(SpanKind) = lower(${v}))`,
    `(${k} = 'otel.status_code' AND upper(StatusCode) = upper(${v}))`,
    `(${k} = 'otel.status_description' AND StatusMessage = ${v})`,
    `(${k} = 'otel.scope.name' AND ScopeName = ${v})`,
    `(${k} = 'otel.scope.version' AND ScopeVersion = ${v})`,
  ].join(' OR ')})`;
}

/**
 * The conditions compose from fixed fragments chosen by which filters are
 * present; user input only ever reaches ClickHouse as bound parameters.
 */
function matchingTracesSql(s: TraceSearch): string {
  const where = ['Timestamp >= fromUnixTimestamp64Nano({from:Int64})', 'Timestamp <= fromUnixTimestamp64Nano({to:Int64})'];
  if (s.service !== undefined) where.push('ServiceName = {service:String}');
  if (s.operation !== undefined) where.push('SpanName = {operation:String}');
  if (s.minDurationNanos !== undefined) where.push('Duration >= {minDuration:UInt64}');
  if (s.maxDurationNanos !== undefined) where.push('Duration <= {maxDuration:UInt64}');
  s.tags.forEach((_, i) => where.push(tagCondition(i)));
  // Newest first by the latest matching span; a trace is one row.
  return `
SELECT TraceId
FROM otel_traces
WHERE ${where.join('\n  AND ')}
GROUP BY TraceId
ORDER BY max(Timestamp) DESC, TraceId
LIMIT {limit:UInt32}`;
}

// Whole traces, not just their matching spans: the lookup table gives each
// trace's time span, so the scan reads those days only. The root is the span
// without a parent (the earliest one if the trace has none, e.g. a partial trace).
// Spans stored twice (an insert retried) count once.
const SUMMARIES_SQL = `
WITH bounds AS (
  SELECT min(Start) AS lo, max(End) AS hi FROM otel_traces_trace_id_ts WHERE TraceId IN {ids:Array(String)}
)
SELECT
  TraceId AS traceId,
  if(countIf(ParentSpanId = '') > 0, argMinIf(ServiceName, Timestamp, ParentSpanId = ''), argMin(ServiceName, Timestamp)) AS rootService,
  if(countIf(ParentSpanId = '') > 0, argMinIf(SpanName, Timestamp, ParentSpanId = ''), argMin(SpanName, Timestamp)) AS rootOperation,
  toString(min(toUnixTimestamp64Nano(Timestamp))) AS startNanos,
  toString(max(toUnixTimestamp64Nano(Timestamp) + Duration) - min(toUnixTimestamp64Nano(Timestamp))) AS durationNanos,
  uniqExact(SpanId) AS spans,
  arraySort(groupUniqArray(ServiceName)) AS services,
  uniqExactIf(SpanId, StatusCode = 'Error') AS errors
FROM otel_traces
WHERE TraceId IN {ids:Array(String)}
  AND Timestamp >= (SELECT lo FROM bounds) - INTERVAL 1 HOUR
  AND Timestamp <= (SELECT hi FROM bounds) + INTERVAL 1 HOUR
GROUP BY TraceId
`;

/** Traces with at least one span matching every filter, newest first, at most `limit`. */
export async function searchTraces(client: ClickHouseClient, s: TraceSearch): Promise<TraceSummaryRow[]> {
  const params: Record<string, unknown> = {
    from: s.fromNanos.toString(),
    to: s.toNanos.toString(),
    service: s.service ?? '',
    operation: s.operation ?? '',
    minDuration: (s.minDurationNanos ?? 0n).toString(),
    maxDuration: (s.maxDurationNanos ?? 0n).toString(),
    limit: s.limit,
  };
  s.tags.forEach(([k, v], i) => {
    params[`k${i}`] = k;
    params[`v${i}`] = v;
  });
  const ids = await client
    .query({ query: matchingTracesSql(s), query_params: params, format: 'JSONEachRow' })
    .then((r) => r.json<{ TraceId: string }>());
  if (ids.length === 0) return [];
  const rows = await client
    .query({
      query: SUMMARIES_SQL,
      query_params: { ids: ids.map((r) => r.TraceId) },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    })
    .then((r) => r.json<TraceSummaryRow>());
  return rows.sort((a, b) => {
    const d = BigInt(b.startNanos) - BigInt(a.startNanos);
    return d > 0n ? 1 : d < 0n ? -1 : a.traceId.localeCompare(b.traceId);
  });
}
