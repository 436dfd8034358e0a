import type { ClickHouseClient } from '@clickhouse/client';
import { INSTANCE_EXPR, JSON_NUMBERS, periodParams, type RcaPeriods } from './root-cause-window.ts';

/**
 * Per (service, instance, metric, attribute set, period) distribution of a
 * resource metric: gauge and up-down-counter values as they are, monotonic
 * sums as per-second rates between consecutive points (a drop is a reset:
 * the new value is the increase since it; delta points are divided by their
 * own interval). Quartiles come back, the distribution test runs in TS.
 */
export interface MetricStatRow {
  service: string;
  instance: string;
  metric: string;
  /** The data point attributes, `k=v,k=v` ('' when none). */
  attributes: string;
  inWindow: number;
  n: number;
  /** p25, p50, p75 */
  q: number[];
}

const ATTRS = `arrayStringConcat(arrayMap(k -> concat(k, '=', Attributes[k]), arraySort(mapKeys(Attributes))), ',')`;
const IN_PERIODS = `((TimeUnix >= toDateTime({bFromS:Int64}) AND TimeUnix < toDateTime({bToS:Int64}))
    OR (TimeUnix >= toDateTime({fromS:Int64}) AND TimeUnix < toDateTime({toS:Int64})))`;

const LEVELS_SQL = `
SELECT ServiceName AS service, ${INSTANCE_EXPR} AS instance, MetricName AS metric, ${ATTRS} AS attributes,
  toUInt8(TimeUnix >= toDateTime({fromS:Int64})) AS inWindow, count() AS n, quantiles(0.25, 0.5, 0.75)(Value) AS q
FROM %TABLE%
WHERE MetricName IN {names:Array(String)} AND ${IN_PERIODS} %EXTRA%
GROUP BY service, instance, metric, attributes, inWindow
`;

const RATES_SQL = `
SELECT service, instance, metric, attributes, toUInt8(TimeUnix >= toDateTime({fromS:Int64})) AS inWindow, count() AS n,
  quantiles(0.25, 0.5, 0.75)(rate) AS q
FROM (
  SELECT service, instance, metric, attributes, TimeUnix,
    multiIf(
      AggregationTemporality = 1, Value / greatest(toInt64(TimeUnix) - toInt64(StartTimeUnix), 1),
      rn = 1, nan,
      Value >= prevV, (Value - prevV) / greatest(toInt64(TimeUnix) - toInt64(prevT), 1),
      Value / greatest(toInt64(TimeUnix) - toInt64(prevT), 1)) AS rate
  FROM (
    SELECT ServiceName AS service, ${INSTANCE_EXPR} AS instance, MetricName AS metric, ${ATTRS} AS attributes,
      TimeUnix, StartTimeUnix, AggregationTemporality, Value,
      lagInFrame(Value) OVER w AS prevV, lagInFrame(TimeUnix) OVER w AS prevT, row_number() OVER w AS rn
    FROM otel_metrics_sum
    WHERE IsMonotonic AND MetricName IN {names:Array(String)} AND ${IN_PERIODS}
    WINDOW w AS (PARTITION BY ServiceName, instance, MetricName, attributes ORDER BY TimeUnix ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
  )
)
WHERE NOT isNaN(rate)
GROUP BY service, instance, metric, attributes, inWindow
`;

export async function fetchMetricStats(client: ClickHouseClient, p: RcaPeriods, names: readonly string[]): Promise<MetricStatRow[]> {
  if (names.length === 0) return [];
  const params = { ...periodParams(p), names: [...names] };
  const run = async (query: string): Promise<MetricStatRow[]> => {
    const rs = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS });
    return rs.json<MetricStatRow>();
  };
  const gauges = await run(LEVELS_SQL.replace('%TABLE%', 'otel_metrics_gauge').replace('%EXTRA%', ''));
  const levels = await run(LEVELS_SQL.replace('%TABLE%', 'otel_metrics_sum').replace('%EXTRA%', 'AND NOT IsMonotonic'));
  const rates = await run(RATES_SQL);
  return [...gauges, ...levels, ...rates];
}
