import { forecastSeries, MIN_FORECAST_POINTS, type ForecastPoint } from './forecast.ts';

/**
 * Rolling-origin evaluation: the model is refitted at several origins in the
 * last part of the series and scored on the values that followed each origin,
 * so the figures measure forecasts the model could really have made.
 * Placement and metrics follow the NAB forecast protocol PPO is measured by
 * (../shared/datasets/nab/README.md): origins evenly spaced from floor(0.8 n)
 * to n − H; MASE scaled by the training window's one-step naive MAE; sMAPE in
 * [0, 2]; coverage of the 80 % interval.
 */

export interface BacktestOptions {
  readonly horizon: number;
  /** Number of origins (default 10). */
  readonly origins?: number;
  /** Training values before each origin, at most (default: all). */
  readonly maxTrain?: number;
  readonly seasonalPeriods?: readonly number[];
}

export interface OriginScore {
  readonly origin: number;
  /** null when the training window's naive MAE is 0 (MASE undefined). */
  readonly mase: number | null;
  readonly smape: number;
  readonly coverage80: number;
  readonly model: string;
}

export interface BacktestResult {
  /** Means over origins; null when no origin could be scored. */
  readonly mase: number | null;
  readonly smape: number | null;
  readonly coverage80: number | null;
  readonly origins: readonly OriginScore[];
}

/** Origin indices: first = floor(0.8 n), last = n − H, evenly spaced (rounded). */
export function rollingOrigins(n: number, horizon: number, count: number): number[] {
  const first = Math.floor(0.8 * n);
  const last = n - horizon;
  if (last < first || count < 1) return [];
  if (count === 1) return [last];
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(first + Math.round((i * (last - first)) / (count - 1)));
  return out;
}

/** MASE, sMAPE and 80 % coverage of one forecast against what happened. Nulls in train/test are skipped. */
export function scoreForecast(train: readonly (number | null)[], test: readonly (number | null)[], points: readonly ForecastPoint[]): Omit<OriginScore, 'origin' | 'model'> | null {
  let scale = 0;
  let sn = 0;
  for (let t = 1; t < train.length; t++) {
    const a = train[t];
    const b = train[t - 1];
    if (a === null || a === undefined || b === null || b === undefined) continue;
    scale += Math.abs(a - b);
    sn++;
  }
  scale = sn > 0 ? scale / sn : 0;
  let ae = 0;
  let sm = 0;
  let cov = 0;
  let k = 0;
  for (let h = 0; h < test.length; h++) {
    const y = test[h];
    const p = points[h];
    if (y === null || y === undefined || p === undefined) continue;
    const f = p.value;
    ae += Math.abs(y - f);
    const den = Math.abs(y) + Math.abs(f);
    sm += den === 0 ? 0 : (2 * Math.abs(y - f)) / den;
    if (p.lower80 <= y && y <= p.upper80) cov++;
    k++;
  }
  if (k === 0) return null;
  return { mase: scale > 0 ? ae / k / scale : null, smape: sm / k, coverage80: cov / k };
}

const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Rolling-origin backtest of forecastSeries over a series. */
export function backtestForecast(values: readonly (number | null)[], stepMs: number, opts: BacktestOptions): BacktestResult {
  const n = values.length;
  const scores: OriginScore[] = [];
  for (const o of rollingOrigins(n, opts.horizon, opts.origins ?? 10)) {
    const train = values.slice(Math.max(0, o - (opts.maxTrain ?? n)), o);
    let known = 0;
    for (const v of train) if (v !== null) known++;
    if (known < MIN_FORECAST_POINTS) continue;
    const test = values.slice(o, o + opts.horizon);
    const fc = forecastSeries({ values: train, stepMs, horizon: opts.horizon, seasonalPeriods: opts.seasonalPeriods });
    const s = scoreForecast(train, test, fc.points);
    if (s !== null) scores.push({ origin: o, model: fc.model, ...s });
  }
  return {
    mase: mean(scores.flatMap((s) => (s.mase === null ? [] : [s.mase]))),
    smape: mean(scores.map((s) => s.smape)),
    coverage80: mean(scores.map((s) => s.coverage80)),
    origins: scores,
  };
}
