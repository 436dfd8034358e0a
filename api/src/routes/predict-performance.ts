import { Hono } from 'hono';
import { z } from 'zod';
import { backtestForecast, fetchServiceSeries, forecastSeries, isRedMetric, MIN_FORECAST_POINTS, RED_METRICS, type BacktestResult } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import { parseDurationNanos } from '../duration.ts';
import type { RouteDoc } from '../openapi.ts';
import { fieldProblem, ProblemError, validationProblem } from '../problem.ts';
import { nowNanos, parseTimeToNanos, timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';

/** Longest history a forecast reads or accepts, in points: 7 days at 1 minute. */
export const MAX_SERIES_POINTS = 10_080;
export const MAX_HORIZON = 10_080;
/** Rolling origins of the backtest that comes with every forecast (3 keeps the answer under a second at 10k points). */
const BACKTEST_ORIGINS = 3;
/** Training window of each backtest origin: enough for two weeks of 5-minute data or a week's daily seasons at 1 min. */
const BACKTEST_MAX_TRAIN = 4032;
const DEFAULT_STEP_S = 60;
const DAY_S = 86_400;

const time = z.union([z.number(), z.string()]).describe('unix ms (numbers ≥ 1e14 read as µs, ≥ 1e17 as ns), RFC 3339, or a unix-ns digit string');
const horizon = z.number().int().min(1).max(MAX_HORIZON).describe('steps ahead to forecast');

export const predictSeriesBody = z
  .object({
    series: z.array(z.tuple([time, z.number().describe('finite value')])).describe('[t, value] pairs; sorted and placed on a regular grid of the median spacing, missing steps are gaps'),
    horizon,
    seasonal_periods: z.array(z.number().int().min(2)).max(4).optional().describe('season lengths in steps to consider beside the daily/weekly ones'),
  })
  .strict();

const stepField = z
  .union([z.number().int().min(1), z.string()])
  .describe('step: seconds or a duration (`5m`); default 60 s. RED metrics: a whole number of minutes')
  .transform((s, ctx) => {
    const nanos = typeof s === 'number' ? BigInt(s) * 1_000_000_000n : /^\d+$/.test(s) ? BigInt(s) * 1_000_000_000n : parseDurationNanos(s);
    if (nanos === undefined || nanos < 1_000_000_000n || nanos % 1_000_000_000n !== 0n) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of seconds ≥ 1 (a number or a duration like 5m)' });
      return z.NEVER;
    }
    return Number(nanos / 1_000_000_000n);
  });

export const predictServiceBody = z
  .object({
    service: z.string().min(1).describe('service.name'),
    metric: z.string().min(1).describe(`${RED_METRICS.join(', ')} (RED rollups), or any stored OTLP metric name`),
    attributes: z.record(z.string(), z.string()).optional().describe('OTLP metric: data point attributes that must match'),
    horizon,
    from: timeParam.optional().describe('RFC 3339 or unix ns; default: 7 days (or 10,080 steps) before `to`'),
    to: timeParam.optional().describe('RFC 3339 or unix ns, exclusive; default: now, rounded down to the step'),
    step: stepField.optional(),
  })
  .strict();

export const predictPerformanceBody = z.union([predictSeriesBody, predictServiceBody]);

const point = z.object({
  t: z.string().describe('RFC 3339'),
  value: z.number(),
  lower80: z.number(),
  upper80: z.number(),
  lower95: z.number(),
  upper95: z.number(),
});

export const predictPerformanceResponse = z.object({
  model: z.string().describe('chosen model, e.g. ETS(A,Ad,N), ETS(A,N,A)[288], naive, seasonal naive[1440]'),
  step_ms: z.number(),
  training_points: z.number().int().describe('grid points the model was fitted on (gaps included)'),
  seasonal_period: z.number().int().nullable().describe('season length in steps of the chosen model'),
  points: z.array(point),
  backtest: z
    .object({
      mase: z.number().nullable().describe('mean absolute error / in-sample one-step naive MAE'),
      smape: z.number().nullable().describe('symmetric MAPE, 0..2'),
      coverage80: z.number().nullable().describe('share of actual values inside the 80 % interval'),
      origins: z.number().int(),
    })
    .describe(`rolling-origin backtest (${BACKTEST_ORIGINS} origins over the last 20 % of the series, same horizon capped at 20 % of the series); nulls when the series is too short`),
  service: z.string().optional(),
  metric: z.string().optional(),
  unit: z.string().optional(),
});
export type PredictPerformanceResponse = z.infer<typeof predictPerformanceResponse>;

export const predictPerformanceRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/predict-performance',
    tag: 'analysis',
    summary: 'Forecast a series, given or read from a service (RED rollups or an OTLP metric), with 80/95 % intervals and a backtest',
    description:
      'Exponential smoothing (ETS: trend none/additive/damped × season none/additive/multiplicative, daily/weekly seasons detected ' +
      'from the data) plus naive and seasonal naive, fitted by likelihood and chosen by AICc and recent horizon error. ' +
      `Body: {series: [[t, v], ...], horizon} or {service, metric, horizon, from?, to?, step?}. At least ${MIN_FORECAST_POINTS} points.`,
    body: predictPerformanceBody,
    response: { description: 'the forecast, one point per step after the last observation', schema: predictPerformanceResponse },
    errors: { 404: 'no such metric for the service in the window', 422: `fewer than ${MIN_FORECAST_POINTS} points, or timestamps that do not form a series` },
  },
];

function tooFew(got: number): ProblemError {
  return new ProblemError(422, 'Unprocessable Entity', `a forecast needs at least ${MIN_FORECAST_POINTS} points, got ${got}`);
}

/** A timestamp in unix ms: numbers and digit strings by magnitude, other strings as RFC 3339. */
function toMs(t: number | string): number | undefined {
  let x: number;
  if (typeof t === 'number') x = t;
  else if (/^\d{1,20}$/.test(t)) x = Number(t);
  else {
    const ns = parseTimeToNanos(t);
    return ns === undefined ? undefined : Number(ns / 1_000_000n);
  }
  if (!Number.isFinite(x)) return undefined;
  return x >= 1e17 ? x / 1e6 : x >= 1e14 ? x / 1e3 : x;
}

interface Grid {
  startMs: number;
  stepMs: number;
  values: (number | null)[];
}

/** Sorts the pairs and puts them on a regular grid of their median spacing; several values in one step average. */
function toGrid(series: readonly (readonly [number | string, number])[]): Grid {
  const pts: [number, number][] = [];
  for (const [i, [t, v]] of series.entries()) {
    const ms = toMs(t);
    if (ms === undefined) throw new ProblemError(400, 'Validation Failed', `invalid request body: series.${i}.0: not a time`, [{ path: `series.${i}.0`, message: 'must be unix ms, RFC 3339 or unix ns' }]);
    pts.push([ms, v]);
  }
  if (pts.length < MIN_FORECAST_POINTS) throw tooFew(pts.length);
  pts.sort((a, b) => a[0] - b[0]);
  const diffs = pts
    .slice(1)
    .map(([t], i) => t - (pts[i] as [number, number])[0])
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  if (diffs.length === 0) throw new ProblemError(422, 'Unprocessable Entity', 'every point has the same timestamp: no spacing to forecast at');
  const mid = diffs.length >> 1;
  const stepMs = diffs.length % 2 === 1 ? (diffs[mid] as number) : ((diffs[mid - 1] as number) + (diffs[mid] as number)) / 2;
  const startMs = (pts[0] as [number, number])[0];
  const len = Math.round(((pts[pts.length - 1] as [number, number])[0] - startMs) / stepMs) + 1;
  if (len > MAX_SERIES_POINTS) {
    // The tail is what matters for a forecast; keep the last MAX_SERIES_POINTS steps.
    const cut = startMs + (len - MAX_SERIES_POINTS) * stepMs;
    return toGrid(pts.filter(([t]) => t >= cut - stepMs / 2));
  }
  const sums = new Array<number>(len).fill(0);
  const counts = new Array<number>(len).fill(0);
  for (const [t, v] of pts) {
    const i = Math.round((t - startMs) / stepMs);
    sums[i] = (sums[i] as number) + v;
    counts[i] = (counts[i] as number) + 1;
  }
  return { startMs, stepMs, values: sums.map((s, i) => ((counts[i] as number) > 0 ? s / (counts[i] as number) : null)) };
}

function backtestOf(values: readonly (number | null)[], stepMs: number, h: number, seasonalPeriods: readonly number[] | undefined): BacktestResult | null {
  const btH = Math.min(h, Math.floor(0.2 * values.length));
  if (btH < 1) return null;
  try {
    return backtestForecast(values, stepMs, { horizon: btH, origins: BACKTEST_ORIGINS, maxTrain: BACKTEST_MAX_TRAIN, ...(seasonalPeriods ? { seasonalPeriods } : {}) });
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}

function answer(grid: Grid, h: number, seasonalPeriods?: readonly number[]): PredictPerformanceResponse {
  let known = 0;
  for (const v of grid.values) if (v !== null) known++;
  if (known < MIN_FORECAST_POINTS) throw tooFew(known);
  const fc = forecastSeries({ values: grid.values, stepMs: grid.stepMs, horizon: h, seasonalPeriods });
  const bt = backtestOf(grid.values, grid.stepMs, h, seasonalPeriods);
  const lastMs = grid.startMs + (grid.values.length - 1) * grid.stepMs;
  return {
    model: fc.model,
    step_ms: grid.stepMs,
    training_points: grid.values.length,
    seasonal_period: fc.seasonalPeriod,
    points: fc.points.map((p, i) => ({ t: new Date(lastMs + (i + 1) * grid.stepMs).toISOString(), ...p })),
    backtest: { mase: bt?.mase ?? null, smape: bt?.smape ?? null, coverage80: bt?.coverage80 ?? null, origins: bt?.origins.length ?? 0 },
  };
}

export function predictPerformanceRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const raw = await parseJsonBody(c, z.record(z.string(), z.unknown()));
    if ('series' in raw) {
      const r = predictSeriesBody.safeParse(raw);
      if (!r.success) throw validationProblem(r.error, 'request body');
      return c.json(answer(toGrid(r.data.series), r.data.horizon, r.data.seasonal_periods));
    }
    const r = predictServiceBody.safeParse(raw);
    if (!r.success) throw validationProblem(r.error, 'request body');
    const q = r.data;
    const stepS = q.step ?? DEFAULT_STEP_S;
    if (isRedMetric(q.metric) && stepS % 60 !== 0) throw fieldProblem('step', 'must be a whole number of minutes for RED metrics (the rollups are per minute)');
    const stepNs = BigInt(stepS) * 1_000_000_000n;
    const to = ((q.to ?? nowNanos()) / stepNs) * stepNs;
    const from = q.from ?? to - BigInt(Math.min(7 * DAY_S, MAX_SERIES_POINTS * stepS)) * 1_000_000_000n;
    if (from >= to) throw fieldProblem('from', 'must be before `to`');
    const fromS = Number(((from + stepNs - 1n) / stepNs) * stepNs / 1_000_000_000n);
    const toS = Number(to / 1_000_000_000n);
    const steps = Math.ceil((toS - fromS) / stepS);
    if (steps > MAX_SERIES_POINTS) throw fieldProblem('from', `gives ${steps} steps; at most ${MAX_SERIES_POINTS} (shorten the range or use a longer step)`);
    if (steps < 1) throw tooFew(0);
    const s = await fetchServiceSeries(deps.storage.client, { service: q.service, metric: q.metric, attributes: q.attributes, fromS, toS, stepS });
    if (s === undefined) throw new ProblemError(404, 'Not Found', `no metric "${q.metric}" for service "${q.service}" in the window`);
    // Before the service's first data there is nothing to learn from (a rate of 0 there is "not yet running").
    const first = s.values.findIndex((v) => v !== null && (q.metric !== 'rate' || v > 0));
    if (first === -1) throw tooFew(0);
    const grid: Grid = { startMs: ((s.t[first] as number) ?? fromS) * 1000, stepMs: stepS * 1000, values: s.values.slice(first) };
    return c.json({ ...answer(grid, q.horizon), service: q.service, metric: q.metric, unit: s.unit });
  });
  return app;
}
