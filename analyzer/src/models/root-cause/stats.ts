/**
 * The statistics every piece of root-cause evidence goes through, so traces,
 * metrics and logs land on one scale:
 * - an effect size on Cohen's scales (0.2 small, 0.5 medium, 0.8 large):
 *   a robust d for a shift of medians (median difference over the baseline's
 *   robust spread, IQR / 1.349), Cohen's h for a change of a proportion;
 * - a two-sample test statistic z for the same change (medians: standard
 *   error of a median ≈ 1.2533 σ / √n; proportions: pooled two-proportion z);
 * - strength = (1 − e^(−effect)) × gate(z): how far it moved, counted only
 *   as far as the data can tell it from noise (gate ramps from z = 1.5 to
 *   z = 3, one-sided p ≈ 0.07 → 0.001).
 */

export interface Change {
  /** Standardised effect (≥ 0 means worse). */
  readonly effect: number;
  /** Test statistic. */
  readonly z: number;
  /** 0..1 */
  readonly strength: number;
}

const SE_MEDIAN = 1.2533;
const IQR_TO_SIGMA = 1.349;

export function gate(z: number): number {
  return Math.min(1, Math.max(0, (z - 1.5) / 1.5));
}

export function strengthOf(effect: number, z: number): number {
  if (!(effect > 0) || !Number.isFinite(effect)) return effect === Infinity && z > 0 ? gate(z) : 0;
  return (1 - Math.exp(-effect)) * gate(z);
}

export interface Quartiles {
  /** p25, p50, p75 */
  readonly q: readonly number[];
  readonly n: number;
}

/**
 * Shift of the median from `base` to `win`, in units of the baseline's robust
 * spread. `transform` maps values first (log for latencies: quantiles commute
 * with monotone maps, so this is exact); `minSpread` floors the spread so a
 * flat baseline does not turn any wiggle into a huge effect; below
 * `minSamples` per period a median and its spread are not estimable, so no
 * change is claimed.
 */
export function medianShift(base: Quartiles, win: Quartiles, opts: { transform?: (x: number) => number; minSpread: (median: number) => number; twoSided?: boolean; minSamples?: number; widerSpread?: boolean }): Change {
  const t = opts.transform ?? ((x: number) => x);
  const [b25 = 0, b50 = 0, b75 = 0] = base.q.map(t);
  const [w25 = 0, w50 = 0, w75 = 0] = win.q.map(t);
  if (!opts.widerSpread) void w25;
  if (base.n < (opts.minSamples ?? 1) || win.n < (opts.minSamples ?? 1)) return { effect: 0, z: 0, strength: 0 };
  // With `widerSpread`, the wider of the two periods' spreads: a window that merely got noisier does not
  // count as a shift (latencies). Levels that ramp inside the window (CPU under a stress) keep the baseline's.
  const windowSpread = opts.widerSpread ? (w75 - w25) / IQR_TO_SIGMA : 0;
  const sigma = Math.max((b75 - b25) / IQR_TO_SIGMA, windowSpread, opts.minSpread(b50), 1e-12);
  let d = (w50 - b50) / sigma;
  if (opts.twoSided) d = Math.abs(d);
  const z = d / (SE_MEDIAN * Math.sqrt(1 / base.n + 1 / win.n));
  return { effect: d, z, strength: strengthOf(d, z) };
}

/**
 * Latencies compare on a log scale with a 5 ms offset: a change counts relative to the time itself
 * once that is well above a few ms, and in absolute terms below. A managed runtime's scheduling,
 * GC and connection-pool jitter is a few ms, so a 1 ms span taking 1.5 ms is noise even when it is
 * +50 %, while 1 → 10 ms (a lock, a stalled pool) and 50 → 100 ms still count in full.
 */
const LATENCY_OFFSET_NS = 5_000_000;
export const logLatency = (ns: number): number => Math.log(Math.max(0, ns) + LATENCY_OFFSET_NS);
/** Relative changes under 5 % are not evidence, whatever the baseline spread. */
export const latencySpreadFloor = (): number => 0.05;

/** Rise of a proportion (k of n) from base to win: Cohen's h and the pooled two-proportion z. */
export function proportionRise(kBase: number, nBase: number, kWin: number, nWin: number): Change {
  if (nBase <= 0 || nWin <= 0) return { effect: 0, z: 0, strength: 0 };
  const pB = Math.min(1, kBase / nBase);
  const pW = Math.min(1, kWin / nWin);
  const h = 2 * Math.asin(Math.sqrt(pW)) - 2 * Math.asin(Math.sqrt(pB));
  const pooled = (kBase + kWin) / (nBase + nWin);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nBase + 1 / nWin));
  const z = se > 0 ? (pW - pB) / se : 0;
  return { effect: h, z, strength: strengthOf(h, z) };
}

/**
 * Rise of an event count (k events over an exposure) from base to win — a new error-log template, say.
 * Conditional test of two Poisson rates: given k = kBase + kWin events, under "same rate" kWin is
 * Binomial(k, p) with p = exposureWin / (exposureBase + exposureWin); z is its normal approximation.
 * The effect is the log rate ratio with a ½ continuity correction (so a template never seen before
 * has a finite effect that grows with how often it now appears). Unlike a share of all records, it
 * does not shrink because the service also logs a lot of other things: a failure mode that was
 * absent and now recurs is news whatever else the service says.
 */
export function countRise(kBase: number, exposureBase: number, kWin: number, exposureWin: number): Change {
  if (!(exposureBase > 0) || !(exposureWin > 0) || kWin <= 0) return { effect: 0, z: 0, strength: 0 };
  const k = kBase + kWin;
  const p = exposureWin / (exposureBase + exposureWin);
  const z = (kWin - k * p) / Math.sqrt(k * p * (1 - p));
  const effect = Math.log((kWin + 0.5) / exposureWin) - Math.log((kBase + 0.5) / exposureBase);
  return { effect, z, strength: strengthOf(effect, z) };
}

/** Noisy-OR: the probability that at least one of independent pieces of evidence is real. */
export function noisyOr(strengths: Iterable<number>): number {
  let miss = 1;
  for (const s of strengths) miss *= 1 - Math.min(1, Math.max(0, s));
  return 1 - miss;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Common-mode rejection across the fleet: a load swing moves every
 * service's latency and CPU together, a fault moves one. Each item's effect
 * is re-expressed as its distance from the fleet's median effect in robust
 * standard deviations (1.4826 × MAD, at least 1 so a uniform fleet does not
 * inflate small differences) — how much this item stands out.
 */
export function standout(effects: readonly number[], minScale = 1): (effect: number) => number {
  const med = median(effects);
  const mad = median(effects.map((e) => Math.abs(e - med)));
  const scale = Math.max(minScale, 1.4826 * mad);
  return (e) => (e - med) / scale;
}

/** Strength of a fleet-standardised effect: 3 robust SDs above the fleet (the usual outlier line) gives 0.63, 6 gives 0.86. */
export function standoutStrength(adjusted: number, z: number): number {
  if (!(adjusted > 0)) return 0;
  return (1 - Math.exp(-adjusted / 3)) * gate(z);
}
