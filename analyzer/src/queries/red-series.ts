import type { ClickHouseClient } from '@clickhouse/client';

/** One step bucket of a RED series as ClickHouse returns it. */
export interface RedBucketRow {
  /** Bucket start, unix seconds. */
  t: number;
  calls: number;
  errors: number;
  /** Duration p50, p95, p99 in ns; [] for a bucket WITH FILL made up. */
  q: number[];
}

export interface RedSeriesQuery {
  service: string;
  /** Restricts to one operation (SpanName); the service's entry spans when absent. */
  operation?: string | undefined;
  /** Restricts an operation to one SpanKind ('Server', 'Client', ...); all kinds when absent. */
  spanKind?: string | undefined;
  /** Unix seconds, a whole minute (the rollups' resolution). */
  fromS: number;
  /** Unix seconds, exclusive, a whole minute. */
  toS: number;
  stepS: number;
}

// Buckets start at `from` and are `step` wide. Per-minute states are merged
// per bucket (-Merge combinators, sums of the SimpleAggregateFunction columns);
// GROUP BY also collapses rows that background merges have not merged yet, so
// no FINAL is needed. WITH FILL adds the empty buckets so a chart is continuous.
const BUCKETS = `
SELECT
  {from:Int64} + intDiv(toInt64(toUnixTimestamp(Minute)) - {from:Int64}, {step:Int64}) * {step:Int64} AS t,
  sum(Calls) AS calls,
  sum(Errors) AS errors,
  quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS q
FROM %TABLE%
WHERE %FILTER%
  AND Minute >= toDateTime({from:Int64}) AND Minute < toDateTime({to:Int64})
GROUP BY t
ORDER BY t WITH FILL FROM {from:Int64} TO {to:Int64} STEP {step:Int64}
`;

const SERVICE_SQL = BUCKETS.replace('%TABLE%', 'ppo_red_1m_service').replace('%FILTER%', 'ServiceName = {service:String}');
const OPERATION_SQL = BUCKETS.replace('%TABLE%', 'ppo_red_1m_operation').replace(
  '%FILTER%',
  'ServiceName = {service:String} AND SpanName = {operation:String}',
);
const OPERATION_KIND_SQL = BUCKETS.replace('%TABLE%', 'ppo_red_1m_operation').replace(
  '%FILTER%',
  'ServiceName = {service:String} AND SpanName = {operation:String} AND SpanKind = {spanKind:String}',
);

/** RED buckets from the per-minute rollups (never raw spans), every bucket present, oldest first. */
export async function fetchRedSeries(client: ClickHouseClient, q: RedSeriesQuery): Promise<RedBucketRow[]> {
  const query = q.operation === undefined ? SERVICE_SQL : q.spanKind === undefined ? OPERATION_SQL : OPERATION_KIND_SQL;
  const rs = await client.query({
    query,
    query_params: {
      service: q.service,
      operation: q.operation ?? '',
      spanKind: q.spanKind ?? '',
      from: q.fromS,
      to: q.toS,
      step: q.stepS,
    },
    format: 'JSONEachRow',
    // Counts per bucket stay far below 2^53: plain JSON numbers.
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<RedBucketRow>();
}

/** Per-service RED totals over a window (service-map nodes). */
export interface RedTotalsRow {
  service: string;
  calls: number;
  errors: number;
  p95Ns: number;
}

const SERVICE_TOTALS_SQL = `
SELECT
  ServiceName AS service,
  sum(Calls) AS calls,
  sum(Errors) AS errors,
  -- The merge must name the same levels as the state's type; take p95 out of it.
  quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles)[2] AS p95Ns
FROM ppo_red_1m_service
WHERE Minute >= toDateTime({from:Int64}) AND Minute < toDateTime({to:Int64})
GROUP BY ServiceName
ORDER BY ServiceName
`;

export async function fetchServiceRedTotals(client: ClickHouseClient, fromS: number, toS: number): Promise<RedTotalsRow[]> {
  const rs = await client.query({
    query: SERVICE_TOTALS_SQL,
    query_params: { from: fromS, to: toS },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<RedTotalsRow>();
}
