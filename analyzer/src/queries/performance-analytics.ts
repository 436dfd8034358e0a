/**
 * The SQL behind the dashboard summary (`GET /api/ppo/performance-analytics`)
 * and PPO's measured figures (`GET /api/ppo/metrics`). Every query reads
 * reduced data — the per-minute RED rollups and PPO's own ppo_* tables — never
 * raw spans, so the summary stays fast however much telemetry there is.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ForecastOutcomePoint } from '../models/analytics/forecast-accuracy.ts';
import { redValues, isRedMetric } from './service-series.ts';
import type { RedBucketRow } from './red-series.ts';

const JSON_NUMBERS = { output_format_json_quote_64bit_integers: 0 } as const;

async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS });
  return rs.json<T>();
}

/** A service's entry-span RED over the period and the equally long period before it. */
export interface ServiceRedComparison {
  readonly service: string;
  readonly calls: number;
  readonly errors: number;
  /** p50, p95, p99 of entry-span durations, ns; [] without calls. */
  readonly q: number[];
  readonly prevCalls: number;
  readonly prevErrors: number;
  readonly prevQ: number[];
}

// One pass over the rollup rows of both periods: -If combinators split them.
const RED_COMPARISON_SQL = `
SELECT
  ServiceName AS service,
  sumIf(Calls, Minute >= toDateTime({from:Int64})) AS calls,
  sumIf(Errors, Minute >= toDateTime({from:Int64})) AS errors,
  quantilesTDigestMergeIf(0.5, 0.95, 0.99)(DurationQuantiles, Minute >= toDateTime({from:Int64})) AS q,
  sumIf(Calls, Minute < toDateTime({from:Int64})) AS prevCalls,
  sumIf(Errors, Minute < toDateTime({from:Int64})) AS prevErrors,
  quantilesTDigestMergeIf(0.5, 0.95, 0.99)(DurationQuantiles, Minute < toDateTime({from:Int64})) AS prevQ
FROM ppo_red_1m_service
WHERE Minute >= toDateTime({prevFrom:Int64}) AND Minute < toDateTime({to:Int64})
GROUP BY ServiceName
ORDER BY ServiceName`;

/** Per service: RED over [fromS, toS) and over [2·fromS − toS, fromS). Whole minutes. */
export async function fetchServiceRedComparison(client: ClickHouseClient, q: { fromS: number; toS: number }): Promise<ServiceRedComparison[]> {
  const prevFrom = q.fromS - (q.toS - q.fromS);
  const out = await rows<ServiceRedComparison>(client, RED_COMPARISON_SQL, { from: q.fromS, to: q.toS, prevFrom });
  // An empty -If state yields NaN quantiles; callers tell "no calls" by the counts.
  return out.map((r) => ({ ...r, q: r.calls > 0 ? r.q : [], prevQ: r.prevCalls > 0 ? r.prevQ : [] }));
}

/** The latest forecast of each (service, metric), summarized: where it ends and its peak. */
export interface LatestForecast {
  readonly service: string;
  readonly metric: string;
  readonly issuedAtMs: number;
  readonly model: string;
  readonly stepS: number;
  readonly points: number;
  /** First and last forecast time, unix s. */
  readonly firstT: number;
  readonly lastT: number;
  readonly endValue: number;
  readonly endUpper80: number;
  readonly peakValue: number;
  readonly peakUpper80: number;
  /** When the upper 80 % bound peaks, unix s. */
  readonly peakUpper80T: number;
  readonly backtestMase: number | null;
  readonly backtestSmape: number | null;
  readonly backtestCoverage80: number | null;
}

const LATEST_FORECASTS_SQL = `
SELECT
  ServiceName AS service, Metric AS metric,
  toUnixTimestamp64Milli(IssuedAt) AS issuedAtMs,
  any(Model) AS model, any(StepSeconds) AS stepS, toUInt32(count()) AS points,
  toUnixTimestamp(min(T)) AS firstT, toUnixTimestamp(max(T)) AS lastT,
  argMax(Value, T) AS endValue, argMax(Upper80, T) AS endUpper80,
  max(Value) AS peakValue, max(Upper80) AS peakUpper80, toUnixTimestamp(argMax(T, Upper80)) AS peakUpper80T,
  any(BacktestMase) AS backtestMase, any(BacktestSmape) AS backtestSmape, any(BacktestCoverage80) AS backtestCoverage80
FROM ppo_forecasts
WHERE IssuedAt >= fromUnixTimestamp64Milli({since:Int64})
  AND (ServiceName, Metric, IssuedAt) IN (
    SELECT ServiceName, Metric, max(IssuedAt) FROM ppo_forecasts
    WHERE IssuedAt >= fromUnixTimestamp64Milli({since:Int64}) GROUP BY ServiceName, Metric)
GROUP BY ServiceName, Metric, IssuedAt
ORDER BY ServiceName, Metric`;

export async function fetchLatestForecasts(client: ClickHouseClient, q: { sinceMs: number }): Promise<LatestForecast[]> {
  return rows<LatestForecast>(client, LATEST_FORECASTS_SQL, { since: Math.floor(q.sinceMs) });
}

/** Counts of the stored anomalies overlapping a window, by severity and status. */
export interface AnomalyCountRow {
  readonly severity: string;
  readonly status: string;
  readonly kind: string;
  readonly n: number;
}

export async function fetchAnomalyCounts(client: ClickHouseClient, q: { fromMs: number; toMs: number }): Promise<AnomalyCountRow[]> {
  return rows<AnomalyCountRow>(
    client,
    `SELECT Severity AS severity, Status AS status, Kind AS kind, toUInt32(count()) AS n FROM ppo_anomalies FINAL
     WHERE Start < fromUnixTimestamp64Milli({to:Int64}) AND End >= fromUnixTimestamp64Milli({from:Int64})
     GROUP BY severity, status, kind ORDER BY severity, status, kind`,
    { from: Math.floor(q.fromMs), to: Math.floor(q.toMs) },
  );
}

/** SLO alert transitions recorded in a window, by severity and state (firing | resolved). */
export interface SloAlertCountRow {
  readonly severity: string;
  readonly state: string;
  readonly n: number;
}

export async function fetchSloAlertCounts(client: ClickHouseClient, q: { fromMs: number; toMs: number }): Promise<SloAlertCountRow[]> {
  return rows<SloAlertCountRow>(
    client,
    `SELECT Severity AS severity, State AS state, toUInt32(count()) AS n FROM ppo_slo_alerts
     WHERE At >= fromUnixTimestamp64Milli({from:Int64}) AND At < fromUnixTimestamp64Milli({to:Int64})
     GROUP BY severity, state ORDER BY severity, state`,
    { from: Math.floor(q.fromMs), to: Math.floor(q.toMs) },
  );
}

interface ForecastRow {
  service: string;
  metric: string;
  issuedAtMs: number;
  t: number;
  step: number;
  value: number;
  lower80: number;
  upper80: number;
}

/**
 * Stored RED forecast points whose time is now complete (T + step ≤ nowS and
 * issued within `sinceMs`), each with the value that actually happened from
 * the rollups — what `forecastAccuracy` scores. Points whose bucket saw no
 * calls have no latency or error-rate actual and are left out (rate keeps 0).
 * Bounded by `limit` points, newest issues first.
 */
export async function fetchForecastOutcomes(client: ClickHouseClient, q: { sinceMs: number; nowS: number; limit?: number }): Promise<ForecastOutcomePoint[]> {
  const forecasts = await rows<ForecastRow>(
    client,
    `SELECT ServiceName AS service, Metric AS metric, toUnixTimestamp64Milli(IssuedAt) AS issuedAtMs, toUnixTimestamp(T) AS t,
            StepSeconds AS step, Value AS value, Lower80 AS lower80, Upper80 AS upper80
     FROM ppo_forecasts
     WHERE IssuedAt >= fromUnixTimestamp64Milli({since:Int64}) AND toUnixTimestamp(T) + StepSeconds <= {now:Int64}
     ORDER BY IssuedAt DESC LIMIT {limit:UInt32}`,
    { since: Math.floor(q.sinceMs), now: Math.floor(q.nowS), limit: q.limit ?? 200_000 },
  );
  const red = forecasts.filter((f) => isRedMetric(f.metric));
  if (red.length === 0) return [];
  // One rollup read per forecast step (normally one): buckets of that width aligned like the forecast job's.
  const out: ForecastOutcomePoint[] = [];
  for (const step of new Set(red.map((f) => f.step))) {
    const ofStep = red.filter((f) => f.step === step);
    const services = [...new Set(ofStep.map((f) => f.service))];
    const fromS = Math.min(...ofStep.map((f) => f.t));
    const toS = Math.max(...ofStep.map((f) => f.t)) + step;
    const buckets = await rows<RedBucketRow & { service: string }>(
      client,
      `SELECT ServiceName AS service, intDiv(toInt64(toUnixTimestamp(Minute)), {step:Int64}) * {step:Int64} AS t,
              sum(Calls) AS calls, sum(Errors) AS errors, quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS q
       FROM ppo_red_1m_service
       WHERE ServiceName IN {services:Array(String)} AND Minute >= toDateTime({from:Int64}) AND Minute < toDateTime({to:Int64})
       GROUP BY service, t`,
      { step, services, from: fromS, to: toS },
    );
    const byKey = new Map(buckets.map((b) => [`${b.service}\0${b.t}`, b]));
    for (const f of ofStep) {
      const bucket = byKey.get(`${f.service}\0${f.t}`) ?? { t: f.t, calls: 0, errors: 0, q: [] };
      if (!isRedMetric(f.metric)) continue;
      const [actual] = redValues([bucket], f.metric, step);
      if (actual === null || actual === undefined) continue;
      out.push({ service: f.service, metric: f.metric, issuedAtMs: f.issuedAtMs, t: f.t, value: f.value, lower80: f.lower80, upper80: f.upper80, actual });
    }
  }
  return out;
}
