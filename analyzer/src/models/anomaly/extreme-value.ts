/**
 * Peaks-over-threshold (POT) tools for calibrating how rare an incident is on
 * one series (Siffer et al., "Anomaly Detection in Streams with Extreme Value
 * Theory", KDD 2017: SPOT). By the Pickands–Balkema–de Haan theorem the
 * excesses of a sample over a high threshold t follow a generalized Pareto
 * distribution GPD(ξ, σ) whatever the sample's own distribution, so the level
 * exceeded once in a given number of trials can be extrapolated from the
 * tail of a few dozen past peaks instead of being read off as "the largest
 * value of the last week" (one order statistic: noisy, and blind to how
 * heavy the tail is).
 */

export interface GpdFit {
  /** Shape ξ (0: exponential tail; > 0: heavy tail; < 0: bounded tail). */
  readonly shape: number;
  /** Scale σ > 0. */
  readonly scale: number;
}

/**
 * GPD fitted to excesses (all > 0) by probability-weighted moments (Hosking &
 * Wallis 1987): closed form, no iterations, and well behaved on the small
 * samples (tens of excesses) an incident history gives, where the maximum-
 * likelihood fit SPOT uses (Grimshaw's root search) is unstable. The shape is
 * clamped to [−0.5, 0.5]: beyond that the moments do not exist or the sample
 * says nothing reliable. Reorders `excess`. Undefined for fewer than 3 excesses.
 */
export function fitGpdPwm(excess: Float64Array, n: number): GpdFit | undefined {
  if (n < 3) return undefined;
  const a = excess.subarray(0, n).sort();
  let a0 = 0;
  let a1 = 0;
  for (let i = 0; i < n; i++) {
    a0 += a[i]!;
    // Weight (n − 1 − i)/(n − 1): the empirical 1 − F at the i-th smallest.
    a1 += (a[i]! * (n - 1 - i)) / (n - 1);
  }
  a0 /= n;
  a1 /= n;
  const d = a0 - 2 * a1;
  if (!(a0 > 0) || !(d > 0)) return undefined;
  // Hosking's k = −ξ: k = a0/d − 2, σ = 2·a0·a1/d.
  const shape = Math.max(-0.5, Math.min(0.5, -(a0 / d - 2)));
  // σ re-derived from the mean for the clamped shape (E[excess] = σ/(1 − ξ)).
  const scale = a0 * (1 - shape);
  return scale > 0 ? { shape, scale } : undefined;
}

/**
 * The level z exceeded with probability `p` by one draw, when `excesses` of
 * `total` draws went over the threshold `t` and their excesses follow `fit`:
 * P(X > z) = (excesses/total)·(1 + ξ(z − t)/σ)^(−1/ξ) = p. Below t when p is
 * larger than the share over t (the caller decides what that means).
 */
export function gpdQuantile(fit: GpdFit, t: number, excesses: number, total: number, p: number): number {
  const r = (p * total) / excesses;
  if (Math.abs(fit.shape) < 1e-6) return t - fit.scale * Math.log(r);
  return t + (fit.scale / fit.shape) * (Math.pow(r, -fit.shape) - 1);
}
