import type { ClickHouseClient } from '@clickhouse/client';
import { backtestForecast } from '../models/forecast/backtest.ts';
import { forecastSeries, MIN_FORECAST_POINTS } from '../models/forecast/forecast.ts';
import { redValues, type RedMetric } from '../queries/service-series.ts';
import { fetchRedSeries, fetchServiceRedTotals } from '../queries/red-series.ts';
import type { Job, JobContext, JobResult } from './job.ts';

export interface ForecastJobOptions {
  /** Steps ahead (default 60: one hour at the default step). */
  readonly horizonSteps?: number;
  /** Step of the series, seconds, a multiple of 60 (default 60: the rollups' resolution). */
  readonly stepS?: number;
  /** History a forecast is fitted on, seconds (default 7 days: a weekly cycle, and daily seasons with room to spare). */
  readonly historyS?: number;
  /** A service is forecast when it had calls in this window before now, seconds (default 1 h). */
  readonly activeWindowS?: number;
  /** Rolling origins of the backtest stored with each forecast (default 3; 0 skips it). */
  readonly backtestOrigins?: number;
  readonly metrics?: readonly RedMetric[];
  /**
   * Least time between two issues, seconds (default 15 min): a forecast an hour
   * ahead stays useful for a while, and refitting every service's week of
   * history each analysis round would cost more CPU than the rest of the analyzer.
   */
  readonly refreshS?: number;
}

export const FORECAST_JOB_DEFAULTS = {
  horizonSteps: 60,
  stepS: 60,
  historyS: 7 * 86_400,
  activeWindowS: 3_600,
  backtestOrigins: 3,
  metrics: ['rate', 'error_rate', 'latency_p95'] as readonly RedMetric[],
  refreshS: 900,
} as const;

/** Training window per backtest origin: the backtest checks the model settings, it need not refit a whole week 3 times. */
const BACKTEST_MAX_TRAIN = 4032;

/** A row of ppo_forecasts as the job writes it (and, with T in unix seconds, as it reads back). */
export interface ForecastRow {
  IssuedAt: string;
  ServiceName: string;
  Metric: string;
  T: number;
  StepSeconds: number;
  Model: string;
  Value: number;
  Lower80: number;
  Upper80: number;
  Lower95: number;
  Upper95: number;
  TrainingPoints: number;
  BacktestMase: number | null;
  BacktestSmape: number | null;
  BacktestCoverage80: number | null;
}

async function insertForecasts(client: ClickHouseClient, rows: ForecastRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.insert({ table: 'ppo_forecasts', values: rows, format: 'JSONEachRow' });
}

/** Unix seconds with milliseconds as ClickHouse reads a DateTime64(3) from text, free of any time zone. */
const dateTime64 = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * Every round: for each service with recent traffic, forecasts its RED series
 * (by default rate, error rate, p95 latency) from the per-minute rollups, and
 * stores each forecast with the time it was issued in `ppo_forecasts`, so what
 * was predicted can later be compared with what happened. Each stored forecast
 * carries a rolling-origin backtest of the same model settings on the same
 * history. Series without enough data are skipped, not failed.
 */
export function createForecastJob(options: ForecastJobOptions = {}): Job {
  const o = { ...FORECAST_JOB_DEFAULTS, ...options };
  if (!(o.stepS >= 60 && o.stepS % 60 === 0)) throw new RangeError('forecast job stepS must be a whole number of minutes');
  let lastIssuedAt: number | undefined;
  return {
    name: 'forecast',
    async run(ctx: JobContext): Promise<JobResult> {
      if (lastIssuedAt !== undefined && ctx.now >= lastIssuedAt && ctx.now - lastIssuedAt < o.refreshS * 1000) {
        return { findings: 0, detail: { fresh_until: new Date(lastIssuedAt + o.refreshS * 1000).toISOString() } };
      }
      lastIssuedAt = ctx.now;
      const toS = Math.floor(ctx.now / 1000 / o.stepS) * o.stepS;
      const fromS = toS - Math.floor(o.historyS / o.stepS) * o.stepS;
      const active = (await fetchServiceRedTotals(ctx.client, toS - o.activeWindowS, toS)).filter((s) => s.calls > 0);
      let written = 0;
      let skipped = 0;
      let failed = 0;
      for (const { service } of active) {
        if (ctx.signal.aborted) break;
        const buckets = await fetchRedSeries(ctx.client, { service, fromS, toS, stepS: o.stepS });
        // Buckets before the service's first call are "not running yet", not a rate of 0.
        const first = buckets.findIndex((b) => b.calls > 0);
        if (first === -1) continue;
        const rows: ForecastRow[] = [];
        const lastT = (buckets[buckets.length - 1]?.t ?? toS - o.stepS) as number;
        for (const metric of o.metrics) {
          const values = redValues(buckets.slice(first), metric, o.stepS);
          if (values.filter((v) => v !== null).length < MIN_FORECAST_POINTS) {
            skipped++;
            continue;
          }
          try {
            const fc = forecastSeries({ values, stepMs: o.stepS * 1000, horizon: o.horizonSteps });
            const btH = Math.min(o.horizonSteps, Math.floor(0.2 * values.length));
            const bt = o.backtestOrigins > 0 && btH >= 1 ? backtestForecast(values, o.stepS * 1000, { horizon: btH, origins: o.backtestOrigins, maxTrain: BACKTEST_MAX_TRAIN }) : null;
            fc.points.forEach((p, i) => {
              rows.push({
                IssuedAt: dateTime64(ctx.now),
                ServiceName: service,
                Metric: metric,
                T: lastT + (i + 1) * o.stepS,
                StepSeconds: o.stepS,
                Model: fc.model,
                Value: p.value,
                Lower80: p.lower80,
                Upper80: p.upper80,
                Lower95: p.lower95,
                Upper95: p.upper95,
                TrainingPoints: values.length,
                BacktestMase: bt?.mase ?? null,
                BacktestSmape: bt?.smape ?? null,
                BacktestCoverage80: bt?.coverage80 ?? null,
              });
            });
            written++;
          } catch (err) {
            // One odd series must not cost the other services their forecasts.
            failed++;
            ctx.log.warn({ service, metric, err: err instanceof Error ? err.message : String(err) }, 'forecast failed');
          }
        }
        await insertForecasts(ctx.client, rows);
      }
      return { findings: written, detail: { services: active.length, forecasts: written, skipped, failed } };
    },
  };
}
