import { aicc, concentratedLogLik, etsForecastAt, etsVarianceFactor, fitEts, type EtsSpec, type SeasonKind, type TrendKind } from './ets.ts';
import { huberClean, interpolateGaps } from './preprocess.ts';
import { detectSeasonalPeriods, seasonalIndices } from './seasonality.ts';

/** Fewest known values a forecast is made from (below it every model is a guess). */
export const MIN_FORECAST_POINTS = 10;

export interface ForecastInput {
  /** Regularly spaced observations, oldest first; null marks a gap. */
  readonly values: readonly (number | null)[];
  /** Spacing of the values, ms: decides which lags are the daily and weekly seasons. */
  readonly stepMs: number;
  /** Steps to forecast. */
  readonly horizon: number;
  /** Extra season lengths (steps) to consider beside the daily/weekly ones. */
  readonly seasonalPeriods?: readonly number[] | undefined;
}

export interface ForecastPoint {
  readonly value: number;
  readonly lower80: number;
  readonly upper80: number;
  readonly lower95: number;
  readonly upper95: number;
}

export interface ForecastResult {
  /** The model chosen, e.g. `ETS(A,Ad,N)`, `ETS(A,N,A)[288]`, `naive`, `seasonal naive[288]`. */
  readonly model: string;
  readonly points: ForecastPoint[];
  /** One-step-ahead fitted values over the training values (NaN where the model has none). */
  readonly fitted: number[];
  /** Residual standard deviation of the one-step errors. */
  readonly sigma: number;
  /** AICc of the chosen model; every candidate's, for explanation. */
  readonly aicc: number;
  readonly candidates: readonly { model: string; aicc: number }[];
  /** The season used by the chosen model, or null. */
  readonly seasonalPeriod: number | null;
  /** Training values the Huber cleaning pulled in. */
  readonly outliersClipped: number;
}

/** A fitted model as the selection and interval code see it. */
interface Candidate {
  readonly name: string;
  readonly aicc: number;
  readonly sigma: number;
  readonly period: number | null;
  readonly fitted: Float64Array;
  /** Forecast for t + h made after observing y_t. */
  at(t: number, h: number): number;
  /** Var(h-step error) / σ². */
  varianceFactor(h: number): number;
}

function naiveCandidate(y: Float64Array): Candidate | null {
  const n = y.length;
  if (n < 3) return null;
  let sse = 0;
  const fitted = new Float64Array(n).fill(Number.NaN);
  for (let t = 1; t < n; t++) {
    fitted[t] = y[t - 1] as number;
    sse += ((y[t] as number) - (y[t - 1] as number)) ** 2;
  }
  // Likelihood per error, scaled to n so it compares with models that forecast every point.
  const ll = (concentratedLogLik(sse, n - 1) * n) / (n - 1);
  return {
    name: 'naive',
    aicc: aicc(ll, 1, n),
    sigma: Math.sqrt(sse / (n - 1)),
    period: null,
    fitted,
    at: (t) => y[t] as number,
    varianceFactor: (h) => h,
  };
}

function seasonalNaiveCandidate(y: Float64Array, m: number): Candidate | null {
  const n = y.length;
  if (n < 2 * m) return null;
  let sse = 0;
  const fitted = new Float64Array(n).fill(Number.NaN);
  for (let t = m; t < n; t++) {
    fitted[t] = y[t - m] as number;
    sse += ((y[t] as number) - (y[t - m] as number)) ** 2;
  }
  const ll = (concentratedLogLik(sse, n - m) * n) / (n - m);
  return {
    name: `seasonal naive[${m}]`,
    aicc: aicc(ll, 1, n),
    sigma: Math.sqrt(sse / (n - m)),
    period: m,
    fitted,
    at: (t, h) => {
      const src = t + h - m * Math.ceil(h / m);
      return y[Math.max(0, src)] as number;
    },
    varianceFactor: (h) => Math.ceil(h / m),
  };
}

function etsCandidate(y: Float64Array, spec: EtsSpec, initEnd: number): Candidate | null {
  const fit = fitEts(y, spec, { initEnd });
  if (fit === null) return null;
  return {
    name: fit.name,
    aicc: fit.aicc,
    sigma: fit.sigma,
    period: spec.season === 'N' ? null : spec.period,
    fitted: fit.fitted,
    at: (t, h) => etsForecastAt(fit, t, h),
    varianceFactor: (h) => etsVarianceFactor(fit, h),
  };
}

const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

/** Empirical-interval settings. */
const MAX_EMPIRICAL_HORIZON = 120;
const MIN_EMPIRICAL_ERRORS = 30;

function quantileSorted(a: Float64Array, p: number): number {
  const n = a.length;
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return (a[lo] as number) + ((a[hi] as number) - (a[lo] as number)) * (pos - lo);
}

interface Bands {
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

/**
 * Prediction bands as offsets from the point forecast, per step ahead. Where
 * the training window holds enough h-step in-sample forecast errors they are
 * the errors' empirical 10/90 and 2.5/97.5 % quantiles: telemetry errors are
 * heavy-tailed and skewed, and Gaussian bands from σ are too wide in calm
 * stretches and too narrow for the spikes at the same time. Beyond that (long
 * horizons, short histories) the analytic ETS variance carries the last
 * empirical band outwards, or gives the band outright. Bands never narrow as
 * the horizon grows.
 */
function predictionBands(c: Candidate, yRaw: Float64Array, isKnown: (t: number) => boolean, horizon: number): Bands[] {
  const n = yRaw.length;
  const out: Bands[] = [];
  const hEmp = Math.min(horizon, MAX_EMPIRICAL_HORIZON);
  const errs = new Float64Array(n);
  let lastEmp: { b: Bands; vf: number } | null = null;
  for (let h = 1; h <= horizon; h++) {
    const vf = c.varianceFactor(h);
    let b: Bands | null = null;
    if (h <= hEmp) {
      let k = 0;
      for (let t = 0; t + h < n; t++) {
        // A filled-in gap is not something that happened: no error to learn from.
        if (!isKnown(t + h)) continue;
        const f = c.at(t, h);
        if (!Number.isFinite(f)) continue;
        errs[k++] = (yRaw[t + h] as number) - f;
      }
      if (k >= MIN_EMPIRICAL_ERRORS) {
        const e = errs.subarray(0, k).sort();
        b = { lo80: quantileSorted(e, 0.1), hi80: quantileSorted(e, 0.9), lo95: quantileSorted(e, 0.025), hi95: quantileSorted(e, 0.975) };
        lastEmp = { b, vf };
      }
    }
    if (b === null) {
      if (lastEmp !== null) {
        const r = Math.sqrt(vf / lastEmp.vf);
        b = { lo80: lastEmp.b.lo80 * r, hi80: lastEmp.b.hi80 * r, lo95: lastEmp.b.lo95 * r, hi95: lastEmp.b.hi95 * r };
      } else {
        const sd = c.sigma * Math.sqrt(vf);
        b = { lo80: -Z80 * sd, hi80: Z80 * sd, lo95: -Z95 * sd, hi95: Z95 * sd };
      }
    }
    const prev = out[out.length - 1];
    if (prev !== undefined) {
      b = { lo80: Math.min(b.lo80, prev.lo80), hi80: Math.max(b.hi80, prev.hi80), lo95: Math.min(b.lo95, prev.lo95), hi95: Math.max(b.hi95, prev.hi95) };
    }
    // The point forecast sits inside its own bands even when the errors are one-sided.
    out.push({ lo80: Math.min(b.lo80, 0), hi80: Math.max(b.hi80, 0), lo95: Math.min(b.lo95, b.lo80, 0), hi95: Math.max(b.hi95, b.hi80, 0) });
  }
  return out;
}

/**
 * Gaps re-filled along the season: a straight line across a gap of hours
 * would cut through a daily peak, so the seasonally adjusted values are
 * interpolated and the seasonal index added back.
 */
function seasonalInterpolation(values: readonly (number | null)[], linear: Float64Array, m: number): Float64Array {
  const idx = seasonalIndices(linear, m, 'A');
  if (idx === null) return linear;
  const adjusted = values.map((v, t) => (v === null || !Number.isFinite(v) ? null : v - (idx[t % m] as number)));
  const filled = interpolateGaps(adjusted);
  if (filled === null) return linear;
  for (let t = 0; t < filled.length; t++) filled[t] = (filled[t] as number) + (idx[t % m] as number);
  return filled;
}

/** Huber cleaning of y − seasonal index, the index added back. */
function seasonallyAdjustedClean(raw: Float64Array, m: number): { cleaned: Float64Array; clipped: number } {
  const idx = seasonalIndices(raw, m, 'A');
  if (idx === null) return huberClean(raw);
  const adjusted = raw.map((v, t) => v - (idx[t % m] as number));
  const { cleaned, clipped } = huberClean(adjusted);
  for (let t = 0; t < cleaned.length; t++) cleaned[t] = (cleaned[t] as number) + (idx[t % m] as number);
  return { cleaned, clipped };
}

/** Seasons tried, strongest first (the day and the week). */
const MAX_SEASONS = 2;

/** Share of the values one exact value must hold to count as a point mass (idle = 0, no errors = 0). */
const POINT_MASS_SHARE = 0.3;

/**
 * Telemetry often sits exactly on one value — 0 errors, 0 bytes written while
 * idle — and leaves it in bursts. ETS forecasts the mean, a small positive
 * level, which is never what happens: at such times the series either stays
 * on the value or jumps far off it. When the last observation is on a point
 * mass, this gives the empirical probability, per step ahead, that the series
 * is still on it (from every earlier time it was on it), so the point forecast
 * can be the conditional median.
 */
function pointMassPersistence(values: readonly (number | null)[], raw: Float64Array, horizon: number): { value: number; probability: number[] } | null {
  const n = raw.length;
  const last = values[n - 1];
  if (last === null || last === undefined || !Number.isFinite(last)) return null;
  let count = 0;
  for (const v of values) if (v === last) count++;
  if (count < POINT_MASS_SHARE * n) return null;
  const probability: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    let on = 0;
    let stays = 0;
    for (let t = 0; t + h < n; t++) {
      if (values[t] !== last) continue;
      const later = values[t + h];
      if (later === null || later === undefined) continue;
      on++;
      if (later === last) stays++;
    }
    probability.push(on > 0 ? stays / on : 0);
  }
  return { value: last, probability };
}

/** Origins (most recent) the horizon check scores each finalist on. */
const VALIDATION_ORIGINS = 1000;
const VALIDATION_MAX_H = 60;

/** Mean absolute h-step in-sample error over h = 1..H at the most recent origins. */
function horizonError(c: Candidate, y: Float64Array, horizon: number): number {
  const n = y.length;
  const H = Math.min(horizon, VALIDATION_MAX_H);
  let sum = 0;
  let k = 0;
  for (let t = Math.max(0, n - H - VALIDATION_ORIGINS); t + 1 < n; t++) {
    for (let h = 1; h <= H && t + h < n; h++) {
      const f = c.at(t, h);
      if (!Number.isFinite(f)) continue;
      sum += Math.abs((y[t + h] as number) - f);
      k++;
    }
  }
  return k === 0 ? Number.POSITIVE_INFINITY : sum / k;
}

/**
 * AICc picks the best model within each family (non-seasonal ETS, seasonal
 * ETS, and the two naive forecasts stand alone); the families' winners are
 * then compared on recent in-sample errors over the requested horizon. AICc
 * scores one-step-ahead fit only, and at fine steps a smooth daily pattern
 * barely changes from one step to the next, so a local trend model wins on
 * one-step likelihood yet drifts off over an hour ahead, where the season is
 * what matters (and the reverse for a season that does not carry forward).
 */
function selectModel(sortedByAicc: readonly Candidate[], y: Float64Array, horizon: number): Candidate {
  const family = (c: Candidate): string => (c.name.startsWith('ETS') ? `ets[${c.period ?? 0}]` : c.name);
  const finalists = new Map<string, Candidate>();
  for (const c of sortedByAicc) if (!finalists.has(family(c))) finalists.set(family(c), c);
  let best = sortedByAicc[0] as Candidate;
  let bestErr = Number.POSITIVE_INFINITY;
  for (const c of finalists.values()) {
    const e = horizonError(c, y, horizon);
    if (e < bestErr) {
      bestErr = e;
      best = c;
    }
  }
  return best;
}

/**
 * Forecasts a regularly spaced series `horizon` steps ahead: gaps interpolated,
 * outliers Huber-cleaned, daily/weekly seasons detected from the data, the
 * ETS family (trend N/A/Ad × season N/A/M) plus naive and seasonal naive fitted
 * by likelihood, AICc choosing within each family and recent horizon error
 * between the families' winners (selectModel), and 80/95 % prediction intervals.
 * Pure and synchronous. Throws RangeError on unusable input (fewer than
 * MIN_FORECAST_POINTS known values, horizon < 1, step ≤ 0).
 */
export function forecastSeries(input: ForecastInput): ForecastResult {
  const { values, stepMs, horizon } = input;
  if (!(stepMs > 0)) throw new RangeError('stepMs must be > 0');
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError('horizon must be a whole number ≥ 1');
  let known = 0;
  for (const v of values) if (v !== null && Number.isFinite(v)) known++;
  if (known < MIN_FORECAST_POINTS) throw new RangeError(`at least ${MIN_FORECAST_POINTS} known values are needed, got ${known}`);
  let raw = interpolateGaps(values);
  if (raw === null) throw new RangeError('no known values');
  const isKnown = (t: number): boolean => {
    const v = values[t];
    return v !== null && v !== undefined && Number.isFinite(v);
  };
  // Seasons are looked for on a first cleaning (spikes inflate the variance the ACF divides by)...
  const seasons = detectSeasonalPeriods(huberClean(raw).cleaned, stepMs, input.seasonalPeriods ?? []).slice(0, MAX_SEASONS);
  const season = seasons[0];
  // ...and the cleaning that feeds the fit runs on the seasonally adjusted values: a running median
  // flattens the peaks of a pattern shorter than its window, and those peaks are signal, not outliers.
  if (season !== undefined && known < values.length) raw = seasonalInterpolation(values, raw, season.period);
  const { cleaned: y, clipped } = season === undefined ? huberClean(raw) : seasonallyAdjustedClean(raw, season.period);

  const candidates: Candidate[] = [];
  const push = (c: Candidate | null): void => {
    if (c !== null && Number.isFinite(c.aicc)) candidates.push(c);
  };
  const n = y.length;
  push(naiveCandidate(y));
  const trends: TrendKind[] = ['N', 'A', 'Ad'];
  // Seasonal indices come from before the stretch selectModel scores the models on.
  const initEnd = n - Math.min(horizon, VALIDATION_MAX_H) - VALIDATION_ORIGINS;
  for (const trend of trends) push(etsCandidate(y, { trend, season: 'N', period: 0 }, n));
  // One season per ETS model: each detected season (day, week) gets its own family.
  for (const { period: m } of seasons) {
    push(seasonalNaiveCandidate(y, m));
    const kinds: SeasonKind[] = ['A', 'M'];
    for (const s of kinds) for (const trend of trends) push(etsCandidate(y, { trend, season: s, period: m }, initEnd));
  }
  if (candidates.length === 0) throw new RangeError('no model could be fitted');
  candidates.sort((a, b) => a.aicc - b.aicc);
  const best = selectModel(candidates, y, horizon);

  const bands = predictionBands(best, raw, isKnown, horizon);
  // A series that was never negative (rates, latencies, utilisation, ratios) is not forecast below 0.
  let floor = Number.NEGATIVE_INFINITY;
  if (raw.every((v) => v >= 0)) floor = 0;
  const atLeast = (x: number): number => Math.max(floor, x);
  const stay = pointMassPersistence(values, raw, horizon);
  const points: ForecastPoint[] = [];
  for (let h = 1; h <= horizon; h++) {
    const p = stay?.probability[h - 1];
    // Median, not mean: where the series most likely stays at its point mass, that value is the forecast.
    const f = stay !== null && p !== undefined && p > 0.5 ? stay.value : best.at(n - 1, h);
    const b = bands[h - 1] as Bands;
    const v = atLeast(f);
    points.push({
      value: v,
      lower80: Math.min(v, atLeast(f + b.lo80)),
      upper80: Math.max(v, atLeast(f + b.hi80)),
      lower95: Math.min(v, atLeast(f + b.lo95)),
      upper95: Math.max(v, atLeast(f + b.hi95)),
    });
  }
  return {
    model: best.name,
    points,
    fitted: Array.from(best.fitted),
    sigma: best.sigma,
    aicc: best.aicc,
    candidates: candidates.map((c) => ({ model: c.name, aicc: c.aicc })),
    seasonalPeriod: best.period,
    outliersClipped: clipped,
  };
}
