import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Any stored OTLP metric as one regular series: the bridge between the
 * exporter-schema metric tables and the models (forecast, anomaly, capacity,
 * RCA), which want `value per step`, not points per time series.
 *
 * How points become a value per bucket, by point type:
 * - gauge, and non-monotonic cumulative sums (up-down counters): the mean of
 *   each time series' points in the bucket, then combined across series;
 * - monotonic sums: a rate per second. Delta points add up; cumulative points
 *   count their increase (a drop is a counter reset: the new value is the
 *   increase since the reset), and each series' first bucket counts only the
 *   increase seen inside it;
 * - histograms: the mean observation (increase of Sum / increase of Count).
 * A time series is one (ResourceAttributes, Attributes) combination.
 */

export type MetricKind = 'gauge' | 'sum' | 'histogram';
export type SeriesAggregate = 'avg' | 'sum' | 'max';

export interface MetricSeriesQuery {
  readonly metric: string;
  /** ServiceName; every service when absent. */
  readonly service?: string | undefined;
  /** Data point attributes that must match exactly. */
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  /** Unix seconds, inclusive; aligned down to the step. */
  readonly fromS: number;
  /** Unix seconds, exclusive. */
  readonly toS: number;
  readonly stepS: number;
  /**
   * How time series combine into one value per bucket. Default: `sum` for
   * rates (monotonic sums) — total requests, total CPU seconds — and `avg`
   * for levels (gauges, up-down counters, histogram means).
   */
  readonly aggregate?: SeriesAggregate | undefined;
}

export interface MetricSeriesPoint {
  /** Bucket start, unix seconds. */
  readonly t: number;
  /** null when no series had a point in the bucket. */
  readonly value: number | null;
}

export interface MetricSeries {
  readonly metric: string;
  readonly kind: MetricKind;
  /** 'rate' for monotonic sums (per second), 'level' for the rest. */
  readonly semantics: 'rate' | 'level' | 'mean';
  readonly unit: string;
  /** Distinct time series that contributed. */
  readonly seriesCount: number;
  readonly stepS: number;
  readonly points: readonly MetricSeriesPoint[];
}

export interface MetricInfo {
  readonly service: string;
  readonly metric: string;
  readonly kind: MetricKind;
  readonly unit: string;
  readonly monotonic: boolean;
  readonly points: number;
}

const KIND_TABLE: Record<MetricKind, string> = {
  gauge: 'otel_metrics_gauge',
  sum: 'otel_metrics_sum',
  histogram: 'otel_metrics_histogram',
};

const JSON_NUMBERS = { output_format_json_quote_64bit_integers: 0 } as const;

/** Metric names stored in a window, per service (what RCA and capacity look for). */
export async function listMetrics(
  client: ClickHouseClient,
  q: { fromS: number; toS: number; service?: string | undefined },
): Promise<MetricInfo[]> {
  const filter = `TimeUnix >= toDateTime({from:Int64}) AND TimeUnix < toDateTime({to:Int64})${q.service === undefined ? '' : ' AND ServiceName = {service:String}'}`;
  const query = `
SELECT ServiceName AS service, MetricName AS metric, 'gauge' AS kind, any(MetricUnit) AS unit, false AS monotonic, count() AS points
FROM otel_metrics_gauge WHERE ${filter} GROUP BY ServiceName, MetricName
UNION ALL
SELECT ServiceName, MetricName, 'sum', any(MetricUnit), max(IsMonotonic), count()
FROM otel_metrics_sum WHERE ${filter} GROUP BY ServiceName, MetricName
UNION ALL
SELECT ServiceName, MetricName, 'histogram', any(MetricUnit), false, count()
FROM otel_metrics_histogram WHERE ${filter} GROUP BY ServiceName, MetricName`;
  const rs = await client.query({
    query,
    query_params: { from: q.fromS, to: q.toS, service: q.service ?? '' },
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  const rows = await rs.json<{ service: string; metric: string; kind: MetricKind; unit: string; monotonic: boolean | number; points: number }>();
  return rows
    .map((r) => ({ ...r, monotonic: Boolean(r.monotonic) }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.metric.localeCompare(b.metric));
}

/** Which table holds the metric (the first of gauge, sum, histogram that has it), or undefined. */
async function findKind(client: ClickHouseClient, q: MetricSeriesQuery): Promise<{ kind: MetricKind; unit: string; monotonic: boolean } | undefined> {
  const serviceFilter = q.service === undefined ? '' : ' AND ServiceName = {service:String}';
  const range = 'TimeUnix >= toDateTime({from:Int64}) AND TimeUnix < toDateTime({to:Int64})';
  const query = (Object.keys(KIND_TABLE) as MetricKind[])
    .map(
      (kind) =>
        `SELECT '${kind}' AS kind, any(MetricUnit) AS unit, ${kind === 'sum' ? 'max(IsMonotonic)' : 'false'} AS monotonic, count() AS n
         FROM ${KIND_TABLE[kind]} WHERE MetricName = {metric:String}${serviceFilter} AND ${range}`,
    )
    .join(' UNION ALL ');
  const rs = await client.query({
    query,
    query_params: { metric: q.metric, service: q.service ?? '', from: q.fromS, to: q.toS },
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  const rows = await rs.json<{ kind: MetricKind; unit: string; monotonic: boolean | number; n: number }>();
  const found = rows.filter((r) => r.n > 0).sort((a, b) => b.n - a.n)[0];
  return found ? { kind: found.kind, unit: found.unit, monotonic: Boolean(found.monotonic) } : undefined;
}

interface BucketRow {
  /** Time series key. */
  s: string;
  /** Bucket start, unix s. */
  t: number;
  /** AggregationTemporality: 1 delta, 2 cumulative (0 for gauges). */
  temporality: number;
  first: number;
  last: number;
  lo: number;
  hi: number;
  total: number;
  mean: number;
  /** Histograms: Count and Sum, first/last/total like the value. */
  cFirst: number;
  cLast: number;
  cTotal: number;
}

function attributeFilter(attributes: Readonly<Record<string, string>> | undefined, params: Record<string, unknown>): string {
  if (!attributes) return '';
  return Object.entries(attributes)
    .map(([key, value], i) => {
      params[`ak${i}`] = key;
      params[`av${i}`] = value;
      return ` AND Attributes[{ak${i}:String}] = {av${i}:String}`;
    })
    .join('');
}

/**
 * The metric as one series over [from, to) at `step`, every bucket present
 * (null where nothing was reported); undefined when the metric has no points
 * in the window.
 */
export async function fetchMetricSeries(client: ClickHouseClient, q: MetricSeriesQuery): Promise<MetricSeries | undefined> {
  if (!(q.stepS > 0) || !(q.toS > q.fromS)) throw new RangeError('fetchMetricSeries needs stepS > 0 and toS > fromS');
  const fromS = Math.floor(q.fromS / q.stepS) * q.stepS;
  const found = await findKind(client, { ...q, fromS });
  if (!found) return undefined;
  const params: Record<string, unknown> = { metric: q.metric, service: q.service ?? '', from: fromS, to: q.toS, step: q.stepS };
  const filters =
    'MetricName = {metric:String}' +
    (q.service === undefined ? '' : ' AND ServiceName = {service:String}') +
    attributeFilter(q.attributes, params) +
    ' AND TimeUnix >= toDateTime({from:Int64}) AND TimeUnix < toDateTime({to:Int64})';
  const histogram = found.kind === 'histogram';
  const value = histogram ? 'Sum' : 'Value';
  const query = `
SELECT
  toString(cityHash64(ResourceAttributes, Attributes)) AS s,
  {from:Int64} + intDiv(toInt64(toUnixTimestamp(TimeUnix)) - {from:Int64}, {step:Int64}) * {step:Int64} AS t,
  ${found.kind === 'gauge' ? '0' : 'any(AggregationTemporality)'} AS temporality,
  argMin(${value}, TimeUnix) AS first,
  argMax(${value}, TimeUnix) AS last,
  min(${value}) AS lo,
  max(${value}) AS hi,
  sum(${value}) AS total,
  avg(${value}) AS mean,
  ${histogram ? 'toFloat64(argMin(Count, TimeUnix))' : '0'} AS cFirst,
  ${histogram ? 'toFloat64(argMax(Count, TimeUnix))' : '0'} AS cLast,
  ${histogram ? 'toFloat64(sum(Count))' : '0'} AS cTotal
FROM ${KIND_TABLE[found.kind]}
WHERE ${filters}
GROUP BY s, t
ORDER BY s, t`;
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS });
  const rows = await rs.json<BucketRow>();

  const semantics: MetricSeries['semantics'] = histogram ? 'mean' : found.kind === 'sum' && found.monotonic ? 'rate' : 'level';
  const aggregate = q.aggregate ?? (semantics === 'rate' ? 'sum' : 'avg');
  const buckets = Math.ceil((q.toS - fromS) / q.stepS);
  // Per bucket: the per-series values to combine (histograms: sum and count increases).
  const perBucket: number[][] = Array.from({ length: buckets }, () => []);
  const histSums = new Float64Array(buckets);
  const histCounts = new Float64Array(buckets);
  const series = new Set<string>();

  let prev: BucketRow | undefined;
  for (const row of rows) {
    const index = Math.floor((row.t - fromS) / q.stepS);
    if (index < 0 || index >= buckets) continue;
    series.add(row.s);
    const sameSeries = prev !== undefined && prev.s === row.s;
    const cumulative = row.temporality === 2;
    if (semantics === 'level') {
      perBucket[index]!.push(row.mean);
    } else if (semantics === 'rate') {
      const increase = cumulative ? cumulativeIncrease(sameSeries ? prev!.last : undefined, row.first, row.last, row.lo) : row.total;
      perBucket[index]!.push(increase / q.stepS);
    } else {
      const sumIncrease = cumulative ? cumulativeIncrease(sameSeries ? prev!.last : undefined, row.first, row.last, row.lo) : row.total;
      const countIncrease = cumulative ? cumulativeIncrease(sameSeries ? prev!.cLast : undefined, row.cFirst, row.cLast, row.cFirst) : row.cTotal;
      histSums[index]! += sumIncrease;
      histCounts[index]! += countIncrease;
    }
    prev = row;
  }

  const points: MetricSeriesPoint[] = [];
  for (let i = 0; i < buckets; i++) {
    const t = fromS + i * q.stepS;
    if (semantics === 'mean') {
      points.push({ t, value: histCounts[i]! > 0 ? histSums[i]! / histCounts[i]! : null });
      continue;
    }
    const values = perBucket[i]!;
    points.push({ t, value: values.length === 0 ? null : combine(values, aggregate) });
  }
  return { metric: q.metric, kind: found.kind, semantics, unit: found.unit, seriesCount: series.size, stepS: q.stepS, points };
}

/**
 * Increase of a cumulative counter inside one bucket: from the series'
 * previous reported value when there is one, else from its first point here.
 * A value below an earlier one is a reset (the counter restarted from 0):
 * the increase is then what it counted since the restart.
 */
function cumulativeIncrease(previous: number | undefined, first: number, last: number, lo: number): number {
  if (previous !== undefined && first < previous) return last;
  if (lo < first || last < first) return last;
  return last - (previous ?? first);
}

function combine(values: readonly number[], aggregate: SeriesAggregate): number {
  let acc = aggregate === 'max' ? -Infinity : 0;
  for (const v of values) acc = aggregate === 'max' ? Math.max(acc, v) : acc + v;
  return aggregate === 'avg' ? acc / values.length : acc;
}
