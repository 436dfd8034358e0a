import type { ClickHouseClient } from '@clickhouse/client';

/** One span as the API returns it (ids lowercase hex, times unix-nano strings). */
export interface ApiSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: string;
  serviceName: string;
  startTime: string;
  endTime: string;
  durationNs: string;
  status: { code: string; message: string };
  attributes: Record<string, string>;
  resource: Record<string, string>;
  scope: { name: string; version: string };
  events: { time: string; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[];
}

interface SpanRow {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  start: string;
  end: string;
  duration: string;
  StatusCode: string;
  StatusMessage: string;
  SpanAttributes: Record<string, string>;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  eventTimes: string[];
  eventNames: string[];
  eventAttributes: Record<string, string>[];
  linkTraceIds: string[];
  linkSpanIds: string[];
  linkTraceStates: string[];
  linkAttributes: Record<string, string>[];
}

// The lookup table narrows the scan to the trace's time range (and so its
// partitions), as the contrib exporter's Grafana queries do.
const TRACE_SQL = `
WITH bounds AS (
  SELECT min(Start) AS lo, max(End) AS hi FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}
)
SELECT
  TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
  toString(toUnixTimestamp64Nano(Timestamp)) AS start,
  toString(toUnixTimestamp64Nano(Timestamp) + Duration) AS end,
  toString(Duration) AS duration,
  StatusCode, StatusMessage, SpanAttributes, ResourceAttributes, ScopeName, ScopeVersion,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes,
  Events.Name AS eventNames, Events.Attributes AS eventAttributes,
  Links.TraceId AS linkTraceIds, Links.SpanId AS linkSpanIds, Links.TraceState AS linkTraceStates,
  Links.Attributes AS linkAttributes
FROM otel_traces
WHERE TraceId = {traceId:String}
  AND Timestamp >= (SELECT lo FROM bounds) - INTERVAL 1 HOUR
  AND Timestamp <= (SELECT hi FROM bounds) + INTERVAL 1 HOUR
ORDER BY Timestamp, SpanId
LIMIT 1 BY SpanId
`;

function toApiSpan(r: SpanRow): ApiSpan {
  return {
    traceId: r.TraceId,
    spanId: r.SpanId,
    parentSpanId: r.ParentSpanId,
    traceState: r.TraceState,
    name: r.SpanName,
    kind: r.SpanKind,
    serviceName: r.ServiceName,
    startTime: r.start,
    endTime: r.end,
    durationNs: r.duration,
    status: { code: r.StatusCode, message: r.StatusMessage },
    attributes: r.SpanAttributes,
    resource: r.ResourceAttributes,
    scope: { name: r.ScopeName, version: r.ScopeVersion },
    events: r.eventNames.map((name, i) => ({ time: r.eventTimes[i] ?? '', name, attributes: r.eventAttributes[i] ?? {} })),
    links: r.linkTraceIds.map((traceId, i) => ({
      traceId,
      spanId: r.linkSpanIds[i] ?? '',
      traceState: r.linkTraceStates[i] ?? '',
      attributes: r.linkAttributes[i] ?? {},
    })),
  };
}

export async function fetchTrace(client: ClickHouseClient, traceId: string): Promise<ApiSpan[]> {
  const rs = await client.query({ query: TRACE_SQL, query_params: { traceId }, format: 'JSONEachRow' });
  const rows = await rs.json<SpanRow>();
  return rows.map(toApiSpan);
}
