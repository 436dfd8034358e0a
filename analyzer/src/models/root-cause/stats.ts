/**
 * The statistics every piece of root-cause evidence goes through, so traces,
 * metrics and logs land on one scale:
 * - an effect size on Cohen's scales (0.2 small, 0.5 medium, 0.8 large):
 *   a robust d for a shift of medians (median difference over the baseline's
 *   robust spread, IQR / 1.349), Cohen's h for a change of a proportion;
 * - a two-sample test statistic z for the same change (medians: standard
 *   error of a median ≈ 1.2533 σ / √n; proportions: pooled two-proportion z,
 *   or — for per-operation error shares, whose baselines are often a few
 *   calls — a beta-binomial posterior probability on the z scale, with an
 *   empirical-Bayes prior from the fleet's operations);
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

/** A beta prior for per-group rates: Beta(alpha, beta). */
export interface RatePrior {
  readonly alpha: number;
  readonly beta: number;
}

/**
 * Empirical-Bayes prior for the rate of one group (an operation's error
 * share) from all groups of the same period: a beta distribution fitted by
 * the method of moments (beta-binomial). Its mean is the pooled rate; its
 * weight κ = α + β = p(1 − p)/τ² − 1 shrinks with the between-group variance
 * τ² (the spread of the groups' rates beyond what binomial noise makes).
 * A fleet where most operations never fail and a few fail often gets a
 * U-shaped prior (α ≪ 1): a rarely used endpoint with 0 failures in 3 calls
 * is then most likely one that does not fail at all. The weight never
 * exceeds one typical group's own baseline (the mean calls per group), so
 * an operation with a real history is judged on that history; α and β are
 * floored so the prior stays proper when nothing failed anywhere.
 */
export function ratePrior(groups: readonly { readonly k: number; readonly n: number }[]): RatePrior {
  const used = groups.filter((g) => g.n > 0);
  const nSum = used.reduce((s, g) => s + g.n, 0);
  const FLOOR = 1e-6;
  if (used.length === 0 || nSum <= 0) return { alpha: 0.5, beta: 0.5 };
  const p = Math.min(1, used.reduce((s, g) => s + g.k, 0) / nSum);
  const cap = nSum / used.length;
  const ss = used.reduce((s, g) => s + g.n * (Math.min(1, g.k / g.n) - p) ** 2, 0);
  const tau2 = Math.max(0, (ss - (used.length - 1) * p * (1 - p)) / nSum);
  const kappa = Math.max(0, Math.min(cap, tau2 > 0 ? (p * (1 - p)) / tau2 - 1 : Infinity));
  return { alpha: Math.max(FLOOR, p * kappa), beta: Math.max(FLOOR, (1 - p) * kappa) };
}

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), x > 0. */
export function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const y = x - 1;
  let a = c[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaCf(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-12) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b): the CDF of Beta(a, b) at x. */
export function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaCf(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaCf(1 - x, b, a)) / b;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Rise of a proportion (k of n) judged in a beta-binomial model: the
 * baseline rate gets the fleet's prior (shared by every group, see
 * ratePrior), the window's rate Jeffreys' Beta(½, ½), and the test is the posterior probability that the window's rate exceeds
 * the baseline's, P(p_w > p_b) = ∫ F_b dF_w (on a grid dense near 0, where
 * rare-event posteriors put their mass), on the z scale (z = Φ⁻¹(P), capped
 * at 8), so it is gated like every other test. The effect is Cohen's h
 * between the two posterior means. Unlike the normal approximation it is
 * exact for small counts (0 of 3 before vs 5 of 7 now is not "p = 0 with
 * certainty" against 0.71, nor "nothing is known"); with many calls it
 * agrees with the pooled two-proportion z.
 */
export function betaBinomialRise(kBase: number, nBase: number, kWin: number, nWin: number, prior: RatePrior): Change {
  if (nBase <= 0 || nWin <= 0 || kWin <= 0) return { effect: 0, z: 0, strength: 0 };
  const aB = prior.alpha + kBase;
  const bB = prior.beta + Math.max(0, nBase - kBase);
  // The window is what is under test (a fault changes its rate), so it is judged on its own data
  // under Jeffreys' prior; shrinking it towards a fleet that rarely fails would hide the fault.
  const aW = 0.5 + kWin;
  const bW = 0.5 + Math.max(0, nWin - kWin);
  const mB = aB / (aB + bB);
  const mW = aW / (aW + bW);
  const h = 2 * Math.asin(Math.sqrt(mW)) - 2 * Math.asin(Math.sqrt(mB));
  if (!(h > 0)) return { effect: h, z: 0, strength: 0 };
  const N = 800;
  let prob = 0;
  let prevX = 0;
  let prevFw = 0;
  for (let i = 1; i <= N; i++) {
    const x = (i / N) ** 3;
    const fw = betaCdf(x, aW, bW);
    prob += (fw - prevFw) * betaCdf((prevX + x) / 2, aB, bB);
    prevX = x;
    prevFw = fw;
  }
  const z = Math.min(8, normalQuantile(Math.min(1, Math.max(0, prob))));
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
