import type { ClickHouseClient } from '@clickhouse/client';
import { peerColumns } from './peer-columns.ts';
import { INSTANCE_EXPR, JSON_NUMBERS, periodParams, type RcaPeriods } from './root-cause-window.ts';

/**
 * Per (service, instance, operation, kind, call target, period) span
 * statistics for root-cause analysis, reduced in ClickHouse:
 * - self time = duration − the union of the children's intervals (the time
 *   the span itself worked, not waited on callees); for a client span whose
 *   child is the callee's server span that is the network + queueing gap, and
 *   for a call into an un-instrumented dependency (no child span) the whole
 *   call, which is why client rows carry their `target`;
 * - originErrors: error spans with no erroring child — where an error starts,
 *   not the callers that propagate it.
 */
export interface SpanStatRow {
  service: string;
  instance: string;
  operation: string;
  kind: string;
  /** Callee service (instrumented) or dependency name (peer.service, db.system/server.address, ...), '' when none. */
  target: string;
  /** 'service' | 'database' | 'messaging' | 'external' | ''. */
  targetKind: string;
  /** 1: the analysis window, 0: the baseline. */
  inWindow: number;
  calls: number;
  errors: number;
  originErrors: number;
  /** Self time quartiles (p25, p50, p75), ns. */
  selfQ: number[];
  /** Duration p50, ns. */
  durP50: number;
}

// Dependencies without spans of their own are named as on the service map;
// this query reads client/producer spans only.
const PEER_COLUMNS = peerColumns({ externalOnClientSpansOnly: false });

const IN_PERIODS = `((Timestamp >= fromUnixTimestamp64Nano({bFrom:Int64}) AND Timestamp < fromUnixTimestamp64Nano({bTo:Int64}))
    OR (Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})))`;

/** Target of outbound spans that reached no instrumented service: named afterwards from the dependency query. */
const UNRESOLVED = '\u0000dependency';

// Children are grouped per parent (a 64-bit hash of trace + parent id, so the
// join's hash table holds ~40 bytes per parent). The union of the children's
// intervals is a fold over them sorted by start. Children may start up to a
// minute after a period ends (a parent near the edge still gets its children).
// No span attribute is read here: the attribute map is the widest column, and
// only outbound spans need it (to name a dependency), which the separate
// dependency query does over client/producer spans alone. The trace-sample
// condition is only there when sampling (hashing every trace id costs too).
const spanStatsSql = (sampled: boolean): string => `
SELECT
  s.ServiceName AS service,
  s.instance AS instance,
  s.SpanName AS operation,
  s.SpanKind AS kind,
  multiIf(c.calleeService != '' AND c.calleeService != s.ServiceName, c.calleeService,
          c.calleeService = '' AND s.SpanKind IN ('Client', 'Producer'), '${UNRESOLVED}', '') AS target,
  if(c.calleeService != '' AND c.calleeService != s.ServiceName, 'service', '') AS targetKind,
  toUInt8(s.Timestamp >= fromUnixTimestamp64Nano({from:Int64})) AS inWindow,
  count() AS calls,
  countIf(s.StatusCode = 'Error') AS errors,
  countIf(s.StatusCode = 'Error' AND c.childErrors = 0) AS originErrors,
  quantilesTDigest(0.25, 0.5, 0.75)(greatest(toInt64(s.Duration) - c.coveredNs, 0)) AS selfQ,
  quantileTDigest(0.5)(s.Duration) AS durP50
FROM (
  SELECT cityHash64(TraceId, SpanId) AS key, ServiceName, ${INSTANCE_EXPR} AS instance, SpanName, SpanKind, StatusCode, Duration, Timestamp
  FROM otel_traces
  WHERE ${IN_PERIODS}${sampled ? ' AND cityHash64(TraceId) % {mod:UInt64} = 0' : ''}
) AS s
LEFT JOIN (
  SELECT
    cityHash64(TraceId, ParentSpanId) AS pk,
    arraySort(groupArray((toUnixTimestamp64Nano(Timestamp), toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)))) AS iv,
    arrayFold((acc, x) -> if(x.1 > acc.3, (acc.1 + acc.3 - acc.2, x.1, x.2), (acc.1, acc.2, greatest(acc.3, x.2))),
      iv, (toInt64(0), iv[1].1, iv[1].1)) AS folded,
    folded.1 + folded.3 - folded.2 AS coveredNs,
    countIf(StatusCode = 'Error') AS childErrors,
    anyIf(ServiceName, SpanKind IN ('Server', 'Consumer', 'Unspecified')) AS calleeService
  FROM otel_traces
  WHERE Timestamp >= fromUnixTimestamp64Nano({bFrom:Int64}) AND Timestamp < fromUnixTimestamp64Nano({childTo:Int64})
    AND ParentSpanId != ''${sampled ? ' AND cityHash64(TraceId) % {mod:UInt64} = 0' : ''}
  GROUP BY pk
) AS c ON s.key = c.pk
GROUP BY service, instance, operation, kind, target, targetKind, inWindow
`;

// The dependencies outbound spans name, per (service, operation, kind). The
// table is sorted by (ServiceName, SpanName, ...), and outbound spans have
// their own names ("SELECT orders", "HTTP GET"), so PREWHERE on the kind
// skips most granules and the attribute map is read for few of them.
const DEPENDENCY_SQL = `
SELECT ServiceName AS service, SpanName AS operation, SpanKind AS kind, ${PEER_COLUMNS}, count() AS n
FROM otel_traces
PREWHERE SpanKind IN ('Client', 'Producer')
WHERE ${IN_PERIODS}
GROUP BY service, operation, kind, dbSystem, msgSystem, host, peerKind, peer
HAVING peerKind != '' AND peer != ''`;

export interface DependencyRow {
  service: string;
  operation: string;
  kind: string;
  peerKind: string;
  peer: string;
  n: number;
}

const JOIN_MEMORY_BYTES = String(768 * 1024 * 1024);

/**
 * Names the dependency of outbound rows that reached no instrumented service:
 * the dependency their (service, operation, kind) calls most often. An
 * operation name nearly always means one dependency ("SELECT orders" on one
 * database, "publish order-events" on one topic); when it calls several,
 * their calls are counted under the most frequent one. Rows whose operation
 * names no dependency lose the target (as before: a call into nothing known).
 */
export function resolveDependencies(rows: readonly SpanStatRow[], deps: readonly DependencyRow[]): SpanStatRow[] {
  const best = new Map<string, DependencyRow>();
  for (const d of deps) {
    const k = JSON.stringify([d.service, d.operation, d.kind]);
    const prev = best.get(k);
    if (!prev || prev.n < d.n) best.set(k, d);
  }
  return rows.map((r) => {
    if (r.target !== UNRESOLVED) return r;
    const d = best.get(JSON.stringify([r.service, r.operation, r.kind]));
    return { ...r, target: d?.peer ?? '', targetKind: d?.peerKind ?? '' };
  });
}

/** A span of a trace that holds two or more error spans (where an error may have propagated). */
export interface ErrorTraceSpan {
  traceId: string;
  spanId: string;
  parentId: string;
  service: string;
  operation: string;
  kind: string;
  error: number;
  inWindow: number;
}

/** Traces examined for propagated errors per analysis (the rest keep the direct-child rule). */
export const MAX_ERROR_TRACES = 2000;

// Every span of the traces (in either period) with two or more error spans. No resource
// attribute (instance) is read: the matching spans are spread over most granules, and the map is wide.
const errorTracesSql = (sampled: boolean): string => `
SELECT TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentId, ServiceName AS service,
  SpanName AS operation, SpanKind AS kind, toUInt8(StatusCode = 'Error') AS error,
  toUInt8(Timestamp >= fromUnixTimestamp64Nano({from:Int64})) AS inWindow
FROM otel_traces
PREWHERE TraceId IN (
    SELECT TraceId FROM otel_traces
    PREWHERE StatusCode = 'Error'
    WHERE ${IN_PERIODS}${sampled ? ' AND cityHash64(TraceId) % {mod:UInt64} = 0' : ''}
    GROUP BY TraceId HAVING count() >= 2
    ORDER BY TraceId LIMIT ${MAX_ERROR_TRACES})
WHERE Timestamp >= fromUnixTimestamp64Nano({bFrom:Int64}) AND Timestamp < fromUnixTimestamp64Nano({childTo:Int64})`;

/**
 * The span-statistics query counts an error span as an origin when none of
 * its *direct* children errs. Errors do not always mark every span on the way
 * up: a client span may end OK while the service that called it fails, or only
 * the span that logged the error carries the status (status from logs). Then a
 * caller whose own children look fine would be named as an origin although an
 * error started deeper in the same trace. Here every error span with an
 * erroring *descendant* is taken out of the origin counts (of its rows: same
 * service, operation, kind and period; across instances, the rows with the
 * most origins first), so only the deepest errors of each trace remain origins.
 */
export function demotePropagatedErrors(rows: readonly SpanStatRow[], spans: readonly ErrorTraceSpan[]): SpanStatRow[] {
  const byTrace = new Map<string, ErrorTraceSpan[]>();
  for (const s of spans) {
    const t = byTrace.get(s.traceId);
    if (t) t.push(s);
    else byTrace.set(s.traceId, [s]);
  }
  const demote = new Map<string, number>();
  for (const trace of byTrace.values()) {
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const erroringChild = new Set<string>();
    for (const s of trace) if (s.error && s.parentId) erroringChild.add(s.parentId);
    const hasErroringDescendant = new Set<string>();
    for (const s of trace) {
      if (!s.error) continue;
      // Walk up from each error span; a cycle or a missing parent ends the walk.
      const seen = new Set<string>([s.spanId]);
      for (let p = byId.get(s.parentId); p && !seen.has(p.spanId); p = byId.get(p.parentId)) {
        seen.add(p.spanId);
        if (p.error) hasErroringDescendant.add(p.spanId);
      }
    }
    for (const id of hasErroringDescendant) {
      // Counted as an origin by the statistics query only when no direct child errs.
      if (erroringChild.has(id)) continue;
      const s = byId.get(id)!;
      const k = JSON.stringify([s.service, s.operation, s.kind, s.inWindow]);
      demote.set(k, (demote.get(k) ?? 0) + 1);
    }
  }
  const out = [...rows];
  if (demote.size === 0) return out;
  const order = out.map((_, i) => i).sort((a, b) => out[b]!.originErrors - out[a]!.originErrors);
  for (const i of order) {
    const r = out[i]!;
    const k = JSON.stringify([r.service, r.operation, r.kind, r.inWindow]);
    const d = demote.get(k) ?? 0;
    if (d === 0 || r.originErrors === 0) continue;
    const taken = Math.min(d, r.originErrors);
    demote.set(k, d - taken);
    out[i] = { ...r, originErrors: r.originErrors - taken };
  }
  return out;
}

/**
 * `sampleModulus` > 1 keeps whole traces where cityHash64(TraceId) % modulus = 0
 * (parents and children together, so self times and error origins stay exact
 * within the sample); medians and proportions are estimated from the sample.
 */
export async function fetchSpanStats(client: ClickHouseClient, p: RcaPeriods, sampleModulus = 1): Promise<SpanStatRow[]> {
  const mod = Math.max(1, Math.floor(sampleModulus));
  const params = { ...periodParams(p), childTo: (p.toNs + 60_000_000_000n).toString(), ...(mod > 1 ? { mod } : {}) };
  const [stats, deps, errorTraces] = await Promise.all([
    client.query({
      query: spanStatsSql(mod > 1),
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: { ...JSON_NUMBERS, join_algorithm: 'auto', max_bytes_in_join: JOIN_MEMORY_BYTES },
    }),
    client.query({ query: DEPENDENCY_SQL, query_params: periodParams(p), format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS }),
    client.query({ query: errorTracesSql(mod > 1), query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS }),
  ]);
  const rows = demotePropagatedErrors(await stats.json<SpanStatRow>(), await errorTraces.json<ErrorTraceSpan>());
  return resolveDependencies(rows, await deps.json<DependencyRow>());
}

/** Spans, metric points and log records in a period (is there anything to analyze?). */
export async function countTelemetry(client: ClickHouseClient, fromNs: bigint, toNs: bigint): Promise<{ spans: number; points: number; logs: number }> {
  const rs = await client.query({
    query: `
SELECT
  (SELECT count() FROM otel_traces WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})) AS spans,
  (SELECT count() FROM otel_metrics_gauge WHERE TimeUnix >= toDateTime({fromS:Int64}) AND TimeUnix < toDateTime({toS:Int64}))
    + (SELECT count() FROM otel_metrics_sum WHERE TimeUnix >= toDateTime({fromS:Int64}) AND TimeUnix < toDateTime({toS:Int64})) AS points,
  (SELECT count() FROM otel_logs WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})) AS logs`,
    query_params: {
      from: fromNs.toString(),
      to: toNs.toString(),
      fromS: Number(fromNs / 1_000_000_000n),
      toS: Number((toNs + 999_999_999n) / 1_000_000_000n),
    },
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  const [row] = await rs.json<{ spans: number; points: number; logs: number }>();
  return row ?? { spans: 0, points: 0, logs: 0 };
}

/** Days of retention of the span table (its TTL), 0 when it keeps data forever. */
export async function spanRetentionDays(client: ClickHouseClient): Promise<number> {
  const rs = await client.query({
    query: `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'otel_traces'`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ engine_full: string }>();
  const m = /TTL\s+toDateTime\(Timestamp\)\s*\+\s*toIntervalDay\((\d+)\)/i.exec(row?.engine_full ?? '');
  return m?.[1] === undefined ? 0 : Number(m[1]);
}
