import { nelderMead } from './nelder-mead.ts';
import { seasonalIndices } from './seasonality.ts';

/**
 * Exponential smoothing in state-space form with additive errors (Hyndman,
 * Koehler, Ord & Snyder 2008, "Forecasting with Exponential Smoothing"):
 * trend none / additive / additive damped, seasonality none / additive /
 * multiplicative. ETS(A,·,·) one-step errors e_t = y_t − ŷ_t drive every state.
 *
 * Fitting maximises the concentrated Gaussian likelihood
 * (−n/2 · log(SSE/n), σ² concentrated out) over the smoothing parameters with
 * Nelder–Mead. Initial states are not searched: they come from a classical
 * decomposition of the whole training window (seasonal indices) and a
 * regression on its first seasonally adjusted values (level, slope). That keeps
 * a 288-step daily season (5-minute data) as cheap as a non-seasonal model —
 * searching 288 initial seasonal states is what makes R's ets refuse m > 24 —
 * while AICc still charges for those states as estimated parameters.
 */

export type TrendKind = 'N' | 'A' | 'Ad';
export type SeasonKind = 'N' | 'A' | 'M';

export interface EtsSpec {
  readonly trend: TrendKind;
  readonly season: SeasonKind;
  /** Season length in steps; ignored (0) when season is 'N'. */
  readonly period: number;
}

export interface EtsParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
}

export interface EtsFit {
  readonly spec: EtsSpec;
  readonly name: string;
  readonly params: EtsParams;
  readonly n: number;
  readonly sse: number;
  readonly sigma: number;
  readonly logLik: number;
  /** Estimated quantities AICc charges for: smoothing parameters, initial states, σ. */
  readonly k: number;
  readonly aicc: number;
  /** One-step-ahead fitted values ŷ_t. */
  readonly fitted: Float64Array;
  /** States after observing y_t: level and slope per t, and the seasonal state updated at t (phase t mod m). */
  readonly level: Float64Array;
  readonly slope: Float64Array;
  readonly seasonal: Float64Array;
  /** Initial seasonal states by phase (for origins earlier than one season in). */
  readonly seasonal0: Float64Array;
}

export function etsName(spec: EtsSpec): string {
  return `ETS(A,${spec.trend},${spec.season})${spec.season === 'N' ? '' : `[${spec.period}]`}`;
}

interface Init {
  l0: number;
  b0: number;
  s0: Float64Array;
}

function initialStates(y: Float64Array, spec: EtsSpec, initEnd: number): Init | null {
  const m = spec.season === 'N' ? 1 : spec.period;
  let s0: Float64Array = new Float64Array(m).fill(spec.season === 'M' ? 1 : 0);
  if (spec.season !== 'N') {
    const idx = seasonalIndices(y.subarray(0, Math.max(2 * m, Math.min(y.length, initEnd))), m, spec.season);
    if (idx === null) return null;
    s0 = idx;
  }
  // Level and slope from a least-squares line through the first seasonally adjusted values.
  const k = Math.min(y.length, Math.max(10, spec.season === 'N' ? 10 : Math.min(m, 100)));
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let t = 0; t < k; t++) {
    const s = s0[t % m] as number;
    const a = spec.season === 'M' ? (y[t] as number) / s : (y[t] as number) - s;
    sx += t;
    sy += a;
    sxx += t * t;
    sxy += t * a;
  }
  const den = k * sxx - sx * sx;
  const slope = den > 0 && spec.trend !== 'N' ? (k * sxy - sx * sy) / den : 0;
  // Intercept at t = 0 is ŷ for the first point; the state before it is one slope earlier.
  const intercept = spec.trend !== 'N' ? (sy - slope * sx) / k : sy / k;
  return { l0: intercept - slope, b0: slope, s0 };
}

interface Recorded {
  fitted: Float64Array;
  level: Float64Array;
  slope: Float64Array;
  seasonal: Float64Array;
}

/** Runs the recursion; returns the SSE (Infinity when a multiplicative state leaves its domain). */
function run(y: Float64Array, spec: EtsSpec, p: EtsParams, init: Init, rec?: Recorded): number {
  const n = y.length;
  const m = spec.season === 'N' ? 1 : spec.period;
  const ring = init.s0.slice();
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const hasTrend = spec.trend !== 'N';
  const seasonA = spec.season === 'A';
  const seasonM = spec.season === 'M';
  let l = init.l0;
  let b = hasTrend ? init.b0 : 0;
  let sse = 0;
  const { alpha, beta, gamma } = p;
  for (let t = 0; t < n; t++) {
    const phase = t % m;
    const s = ring[phase] as number;
    const base = l + phi * b;
    let yhat: number;
    let e: number;
    if (seasonM) {
      if (!(s > 0) || !(base > 0)) return Number.POSITIVE_INFINITY;
      yhat = base * s;
      e = (y[t] as number) - yhat;
      l = base + (alpha * e) / s;
      if (hasTrend) b = phi * b + (beta * e) / s;
      ring[phase] = s + (gamma * e) / base;
    } else {
      yhat = seasonA ? base + s : base;
      e = (y[t] as number) - yhat;
      l = base + alpha * e;
      if (hasTrend) b = phi * b + beta * e;
      if (seasonA) ring[phase] = s + gamma * e;
    }
    sse += e * e;
    if (rec) {
      rec.fitted[t] = yhat;
      rec.level[t] = l;
      rec.slope[t] = b;
      rec.seasonal[t] = ring[phase] as number;
    }
  }
  return sse;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const logit = (p: number): number => Math.log(p / (1 - p));
const ALPHA_MIN = 1e-4;
const PHI_MIN = 0.8;
const PHI_MAX = 0.98;

function decode(spec: EtsSpec, x: readonly number[]): EtsParams {
  let i = 0;
  const alpha = ALPHA_MIN + (1 - ALPHA_MIN) * sigmoid(x[i++] ?? 0);
  // Usual ETS region: 0 < β < α, 0 < γ < 1 − α.
  const beta = spec.trend === 'N' ? 0 : alpha * sigmoid(x[i++] ?? 0);
  const gamma = spec.season === 'N' ? 0 : (1 - alpha) * sigmoid(x[i++] ?? 0);
  const phi = spec.trend === 'Ad' ? PHI_MIN + (PHI_MAX - PHI_MIN) * sigmoid(x[i++] ?? 0) : 1;
  return { alpha, beta, gamma, phi };
}

function startPoint(spec: EtsSpec): number[] {
  const x = [logit((0.3 - ALPHA_MIN) / (1 - ALPHA_MIN))];
  if (spec.trend !== 'N') x.push(logit(0.1));
  if (spec.season !== 'N') x.push(logit(0.1));
  if (spec.trend === 'Ad') x.push(logit((0.95 - PHI_MIN) / (PHI_MAX - PHI_MIN)));
  return x;
}

/** Gaussian log-likelihood with σ² = SSE/n concentrated out. */
export function concentratedLogLik(sse: number, n: number): number {
  return -0.5 * n * (Math.log((2 * Math.PI * Math.max(sse, 1e-300)) / n) + 1);
}

export function aicc(logLik: number, k: number, n: number): number {
  const aic = -2 * logLik + 2 * k;
  return n - k - 1 > 0 ? aic + (2 * k * (k + 1)) / (n - k - 1) : Number.POSITIVE_INFINITY;
}

/** Fits one ETS model to a gap-free series; null when it cannot be fitted (too short, multiplicative on non-positive data). */
export interface FitOptions {
  /**
   * Seasonal indices are estimated from y[0, initEnd) only (at least two
   * seasons). Later values reach the seasonal states through the recursion
   * alone, so forecasts made inside [initEnd, n) are honest one-step-ahead
   * forecasts that model selection can score without look-ahead.
   */
  readonly initEnd?: number;
}

export function fitEts(y: Float64Array, spec: EtsSpec, opts: FitOptions = {}): EtsFit | null {
  const n = y.length;
  if (spec.season !== 'N' && (spec.period < 2 || n < 2 * spec.period)) return null;
  if (spec.season === 'M') for (const v of y) if (!(v > 0)) return null;
  const init = initialStates(y, spec, opts.initEnd ?? y.length);
  if (init === null) return null;
  const nParams = 1 + (spec.trend === 'N' ? 0 : 1) + (spec.season === 'N' ? 0 : 1) + (spec.trend === 'Ad' ? 1 : 0);
  const nStates = 1 + (spec.trend === 'N' ? 0 : 1) + (spec.season === 'N' ? 0 : spec.period - 1);
  const k = nParams + nStates + 1;
  if (n - k - 1 <= 0) return null;
  const objective = (x: readonly number[]): number => run(y, spec, decode(spec, x), init);
  const best = nelderMead(objective, startPoint(spec), { step: 1, maxEvaluations: 60 * nParams + 40, tolerance: 1e-7 });
  if (!Number.isFinite(best.value)) return null;
  const params = decode(spec, best.x);
  const rec: Recorded = { fitted: new Float64Array(n), level: new Float64Array(n), slope: new Float64Array(n), seasonal: new Float64Array(n) };
  const sse = run(y, spec, params, init, rec);
  const logLik = concentratedLogLik(sse, n);
  return {
    spec,
    name: etsName(spec),
    params,
    n,
    sse,
    sigma: Math.sqrt(sse / Math.max(1, n - nParams)),
    logLik,
    k,
    aicc: aicc(logLik, k, n),
    ...rec,
    seasonal0: init.s0,
  };
}

/** Σ_{i=1..h} φ^i (h for an undamped trend): how much of the slope h steps ahead add. */
function dampSum(phi: number, h: number): number {
  if (phi === 1) return h;
  return (phi * (1 - phi ** h)) / (1 - phi);
}

/**
 * Point forecast for t + h made at origin t (after observing y_t); t = n − 1 is
 * the true forecast. t = −1 forecasts from the initial states are not needed.
 */
export function etsForecastAt(fit: EtsFit, t: number, h: number): number {
  const { spec, params } = fit;
  const l = fit.level[t] as number;
  const b = fit.slope[t] as number;
  const base = l + (spec.trend === 'N' ? 0 : dampSum(spec.trend === 'Ad' ? params.phi : 1, h) * b);
  if (spec.season === 'N') return base;
  const m = spec.period;
  // The seasonal state for time t+h was last updated one or more whole seasons before it.
  const src = t + h - m * Math.ceil(h / m);
  const s = src >= 0 ? (fit.seasonal[src] as number) : (fit.seasonal0[(((src % m) + m) % m)] as number);
  return spec.season === 'M' ? base * s : base + s;
}

/**
 * Forecast-error variance h steps ahead as a multiple of σ² (the class-1
 * formula for additive models; for multiplicative seasonality the same
 * linearisation, which is close when the seasonal swing is moderate).
 */
export function etsVarianceFactor(fit: EtsFit, h: number): number {
  const { alpha, beta, gamma, phi } = fit.params;
  const ph = fit.spec.trend === 'Ad' ? phi : 1;
  let v = 1;
  for (let j = 1; j < h; j++) {
    let c = alpha;
    if (fit.spec.trend !== 'N') c += beta * dampSum(ph, j);
    if (fit.spec.season !== 'N' && j % fit.spec.period === 0) c += gamma;
    v += c * c;
  }
  return v;
}
