import type { ClickHouseClient } from '@clickhouse/client';
import type { FlowInput, FlowLog, FlowSpan } from '../models/root-cause/flows.ts';
import { IS_ERROR, TEMPLATE_EXPR } from './root-cause-logs.ts';
import { JSON_NUMBERS, periodParams, type RcaPeriods } from './root-cause-window.ts';

/**
 * Whole traces for flow-shape evidence (analyzer/src/models/root-cause/flows.ts):
 * up to MAX_FLOW_TRACES traces per period (fewer when traces are deep: about
 * FLOW_SPAN_BUDGET spans, so the answer stays interactive), picked by the smallest
 * cityHash64(TraceId) among the traces whose root span starts in the period
 * (a deterministic uniform sample: busy operations keep most of the sample,
 * every operation keeps its share), then every span of those traces and the
 * log records written under them, masked to templates in ClickHouse.
 * Shares of truncated invocations need hundreds of invocations, not
 * millions, so the cost stays flat however busy the fleet is.
 */
export const MAX_FLOW_TRACES = 2000;
/** Spans per period the flow model reads at most (deep traces → fewer of them), and the fewest traces it takes. */
export const FLOW_SPAN_BUDGET = 60_000;
export const MIN_FLOW_TRACES = 200;

const IN_PERIODS = `((Timestamp >= fromUnixTimestamp64Nano({bFrom:Int64}) AND Timestamp < fromUnixTimestamp64Nano({bTo:Int64}))
    OR (Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})))`;

// Roots only (PREWHERE on the parent id: one narrow column), LIMIT n BY period.
const PICKED = `
  SELECT TraceId FROM otel_traces
  PREWHERE ParentSpanId = ''
  WHERE ${IN_PERIODS}
  ORDER BY cityHash64(TraceId)
  LIMIT {perPeriod:UInt32} BY toUInt8(Timestamp >= fromUnixTimestamp64Nano({from:Int64}))`;

// Times in µs (ns since the epoch do not fit a double exactly; µs do, and order steps well enough).
const SPANS_SQL = `
SELECT TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentId, ServiceName AS service, SpanName AS operation,
  SpanKind AS kind, toUInt8(StatusCode = 'Error') AS error, toUInt8(Timestamp >= fromUnixTimestamp64Nano({from:Int64})) AS inWindow,
  intDiv(toUnixTimestamp64Nano(Timestamp), 1000) AS startUs, startUs + intDiv(toInt64(Duration), 1000) AS endUs
FROM otel_traces
PREWHERE TraceId IN (${PICKED})
WHERE Timestamp >= fromUnixTimestamp64Nano({bFrom:Int64}) AND Timestamp < fromUnixTimestamp64Nano({childTo:Int64})`;

const LOGS_SQL = `
SELECT TraceId AS traceId, SpanId AS spanId, ${TEMPLATE_EXPR} AS template, toUInt8(${IS_ERROR}) AS error,
  intDiv(toUnixTimestamp64Nano(Timestamp), 1000) AS timeUs
FROM otel_logs
PREWHERE TraceId IN (${PICKED})
WHERE Timestamp >= fromUnixTimestamp64Nano({bFrom:Int64}) AND Timestamp < fromUnixTimestamp64Nano({childTo:Int64}) AND SpanId != ''`;

// Root spans and all spans per period: how deep the traces are, so the sample fits the span budget.
const SHAPE_SQL = `
SELECT countIf(ParentSpanId = '') AS roots, count() AS spans
FROM otel_traces
WHERE ${IN_PERIODS}`;

/** Traces per period to read: MAX_FLOW_TRACES, fewer when traces are deep (at least MIN_FLOW_TRACES). */
export function flowTraceCap(roots: number, spans: number): number {
  const perTrace = roots > 0 ? spans / roots : 1;
  return Math.max(MIN_FLOW_TRACES, Math.min(MAX_FLOW_TRACES, Math.floor(FLOW_SPAN_BUDGET / Math.max(1, perTrace))));
}

export async function fetchFlows(client: ClickHouseClient, p: RcaPeriods, perPeriod?: number): Promise<FlowInput> {
  if (perPeriod === undefined) {
    const rs = await client.query({ query: SHAPE_SQL, query_params: periodParams(p), format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS });
    const [shape] = await rs.json<{ roots: number; spans: number }>();
    perPeriod = flowTraceCap(shape?.roots ?? 0, shape?.spans ?? 0);
  }
  const params = { ...periodParams(p), childTo: (p.toNs + 60_000_000_000n).toString(), perPeriod };
  const [spans, logs] = await Promise.all([
    client.query({ query: SPANS_SQL, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS }),
    client.query({ query: LOGS_SQL, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS }),
  ]);
  return { spans: await spans.json<FlowSpan>(), logs: await logs.json<FlowLog>() };
}
