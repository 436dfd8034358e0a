/**
 * Seasonal period detection and classical seasonal indices.
 *
 * Telemetry has two natural seasons — the day and the week — so the candidate
 * periods come from the series' step rather than from a blind search over all
 * lags; the data only decides whether each candidate is real. A candidate
 * needs at least two full seasons of history (one season cannot tell a pattern
 * from a one-off).
 */

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** Autocorrelation below which a candidate season is not considered present. */
export const MIN_SEASONAL_ACF = 0.3;

/**
 * Centred moving average over exactly one season (a 2×m MA when m is even), so
 * the seasonal pattern averages out and what is left is the trend. Ends where
 * the window does not fit are NaN.
 */
export function seasonalTrend(y: Float64Array, m: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n).fill(Number.NaN);
  if (m < 2 || n < m + 1) return out;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = (prefix[i] as number) + (y[i] as number);
  const sum = (a: number, b: number): number => (prefix[b] as number) - (prefix[a] as number); // [a, b)
  if (m % 2 === 1) {
    const h = (m - 1) / 2;
    for (let t = h; t < n - h; t++) out[t] = sum(t - h, t + h + 1) / m;
  } else {
    const h = m / 2;
    // 2×m MA: half weight on the two end points.
    for (let t = h; t < n - h; t++) out[t] = (sum(t - h + 1, t + h) + 0.5 * ((y[t - h] as number) + (y[t + h] as number))) / m;
  }
  return out;
}

/** Sample autocorrelation of the finite values of x at a lag. */
export function autocorrelation(x: Float64Array, lag: number): number {
  let n = 0;
  let mean = 0;
  for (const v of x) {
    if (Number.isFinite(v)) {
      mean += v;
      n++;
    }
  }
  if (n <= lag + 2) return 0;
  mean /= n;
  let den = 0;
  for (const v of x) if (Number.isFinite(v)) den += (v - mean) ** 2;
  if (!(den > 0)) return 0;
  let num = 0;
  for (let i = lag; i < x.length; i++) {
    const a = x[i] as number;
    const b = x[i - lag] as number;
    if (Number.isFinite(a) && Number.isFinite(b)) num += (a - mean) * (b - mean);
  }
  return num / den;
}

export interface SeasonCandidate {
  readonly period: number;
  /** ACF of the detrended series at the period. */
  readonly acf: number;
}

/**
 * The daily and weekly periods (in steps) for a step, where they are whole
 * numbers of at least 2 steps, plus any periods the caller names.
 */
export function candidatePeriods(stepMs: number, extra: readonly number[] = []): number[] {
  const out = new Set<number>();
  for (const span of [DAY_MS, WEEK_MS]) {
    const m = Math.round(span / stepMs);
    // A step that does not divide the day evenly makes the season drift by a fraction each cycle; accept small misfits.
    if (m >= 2 && Math.abs(span / stepMs - m) < 0.05 * m) out.add(m);
  }
  for (const m of extra) if (Number.isInteger(m) && m >= 2) out.add(m);
  return [...out].sort((a, b) => a - b);
}

/**
 * Candidate periods with ≥ 2 seasons of history whose detrended autocorrelation
 * at the period is at least MIN_SEASONAL_ACF, strongest first. Deliberately a
 * permissive pre-filter, not a peak test: a persistent series (CPU that stays
 * high for hours) has a detrended ACF that decays slowly, so a real daily
 * season need not stand above its half-day lag. Whether the season earns its
 * m − 1 states is decided after fitting (AICc, then the horizon check).
 */
export function detectSeasonalPeriods(y: Float64Array, stepMs: number, extra: readonly number[] = []): SeasonCandidate[] {
  const found: SeasonCandidate[] = [];
  for (const m of candidatePeriods(stepMs, extra)) {
    if (y.length < 2 * m) continue;
    const trend = seasonalTrend(y, m);
    const detrended = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) detrended[i] = (y[i] as number) - (trend[i] as number);
    const acf = autocorrelation(detrended, m);
    if (acf >= MIN_SEASONAL_ACF) found.push({ period: m, acf });
  }
  return found.sort((a, b) => b.acf - a.acf);
}

/**
 * Classical-decomposition seasonal indices over the whole series: the mean of
 * the detrended values at each phase (phase = index mod m), normalised to sum 0
 * (additive) or to mean 1 (multiplicative, ratio to trend). Index i is the
 * seasonal effect of every time t with t mod m = i.
 */
export function seasonalIndices(y: Float64Array, m: number, kind: 'A' | 'M'): Float64Array | null {
  const trend = seasonalTrend(y, m);
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  for (let t = 0; t < y.length; t++) {
    const tr = trend[t] as number;
    if (!Number.isFinite(tr)) continue;
    if (kind === 'M' && !(tr > 0)) continue;
    const ph = t % m;
    sums[ph] = (sums[ph] as number) + (kind === 'A' ? (y[t] as number) - tr : (y[t] as number) / tr);
    counts[ph] = (counts[ph] as number) + 1;
  }
  const idx = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    if (counts[i] === 0) return null;
    idx[i] = (sums[i] as number) / (counts[i] as number);
  }
  let mean = 0;
  for (const v of idx) mean += v / m;
  for (let i = 0; i < m; i++) idx[i] = kind === 'A' ? (idx[i] as number) - mean : (idx[i] as number) / mean;
  return idx;
}
