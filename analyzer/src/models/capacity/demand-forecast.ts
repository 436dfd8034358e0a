/**
 * Demand forecasting for capacity planning: the planner takes any forecaster
 * of this shape (the ETS forecaster can be dropped in), and ships a robust
 * linear trend as its default.
 */

export interface DemandForecastPoint {
  /** Point forecast. */
  readonly value: number;
  readonly lower80?: number;
  /** Upper bound of the 80% prediction interval. */
  readonly upper80: number;
}

/**
 * `values` oldest first at a regular `stepMs` (non-finite entries are gaps);
 * returns `horizon` points, one per step after the last value.
 */
export type DemandForecaster = (values: readonly number[], stepMs: number, horizon: number) => DemandForecastPoint[];

export interface LinearTrendOptions {
  /** Most recent points the trend is fitted on (default 720: 12 h of minutes). */
  readonly window?: number;
  /** Cap on pairs for the Theil–Sen slope (the median of a deterministic subsample beyond it). */
  readonly maxPairs?: number;
}

const Z80 = 1.2815515655446004;

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  xs.sort((a, b) => a - b);
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

export interface TrendFit {
  /** Per step. */
  readonly slope: number;
  /** Value at index 0 of the window. */
  readonly intercept: number;
  /** Robust residual scale (1.4826 · MAD). */
  readonly sigma: number;
  readonly n: number;
  /** Mean and spread of the fitted indices (for the interval's leverage term). */
  readonly xMean: number;
  readonly sxx: number;
  /** Index of the last window point. */
  readonly lastX: number;
}

/**
 * Theil–Sen line through the finite points of `values` (index = x): the
 * median of pairwise slopes, intercept the median of y − slope·x. Resists up
 * to ~29% outliers, unlike least squares.
 */
export function theilSen(values: readonly number[], opts: LinearTrendOptions = {}): TrendFit | undefined {
  const window = opts.window ?? 720;
  const start = Math.max(0, values.length - window);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = start; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      xs.push(i - start);
      ys.push(v);
    }
  }
  const n = xs.length;
  if (n < 3) return undefined;
  const maxPairs = opts.maxPairs ?? 200_000;
  const totalPairs = (n * (n - 1)) / 2;
  const stride = Math.max(1, Math.ceil(totalPairs / maxPairs));
  const slopes: number[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (k++ % stride !== 0) continue;
      slopes.push((ys[j]! - ys[i]!) / (xs[j]! - xs[i]!));
    }
  }
  const slope = median(slopes);
  const intercept = median(ys.map((y, i) => y - slope * xs[i]!));
  const residuals = ys.map((y, i) => Math.abs(y - intercept - slope * xs[i]!));
  const sigma = 1.4826 * median(residuals);
  const xMean = xs.reduce((a, b) => a + b, 0) / n;
  const sxx = xs.reduce((a, x) => a + (x - xMean) ** 2, 0);
  return { slope, intercept, sigma, n, xMean, sxx, lastX: values.length - 1 - start };
}

/**
 * The default demand forecaster: a Theil–Sen trend on the recent window,
 * extrapolated, with 80% prediction intervals from the robust residual scale
 * and the regression leverage term (they widen with the horizon:
 * σ·√(1 + 1/n + (x − x̄)²/Sxx)). Values are clamped at 0 (demand is a rate).
 */
export function linearTrendForecast(values: readonly number[], _stepMs: number, horizon: number, opts: LinearTrendOptions = {}): DemandForecastPoint[] {
  const fit = theilSen(values, opts);
  if (!fit) {
    const last = [...values].reverse().find((v) => Number.isFinite(v)) ?? 0;
    return Array.from({ length: horizon }, () => ({ value: last, lower80: last, upper80: last }));
  }
  const out: DemandForecastPoint[] = [];
  for (let h = 1; h <= horizon; h++) {
    const x = fit.lastX + h;
    const value = fit.intercept + fit.slope * x;
    const se = fit.sigma * Math.sqrt(1 + 1 / fit.n + (fit.sxx > 0 ? (x - fit.xMean) ** 2 / fit.sxx : 0));
    out.push({ value: Math.max(0, value), lower80: Math.max(0, value - Z80 * se), upper80: Math.max(0, value + Z80 * se) });
  }
  return out;
}
