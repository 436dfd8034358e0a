/**
 * The two significance tests the learning loop judges outcomes with. Pure.
 *
 * Latency: Mann-Whitney U (Wilcoxon rank-sum), because span durations are
 * heavy-tailed and multi-modal; a t-test on them is driven by a few outliers.
 * Normal approximation with the tie correction and a continuity correction,
 * which is accurate from ~20 samples per side (the loop never judges fewer).
 *
 * Errors: the pooled two-proportion z-test on error counts over calls.
 */

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Upper tail 1 − Φ(|z|), computed directly from the erfc approximation rather
 * than by subtraction, so a decisive difference reports p = 1e-40, not 0.
 */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 0.5 * poly * Math.exp(-x * x);
}

export interface MannWhitneyResult {
  /** U of the first sample: how often a value of `a` exceeds one of `b` (ties count half). */
  readonly u: number;
  readonly z: number;
  /** Two-sided. */
  readonly pValue: number;
  /** P(a > b) + ½ P(a = b): 0.5 = no shift; > 0.5 = `a` tends to be larger. */
  readonly commonLanguageEffect: number;
}

export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: 0, z: 0, pValue: 1, commonLanguageEffect: 0.5 };
  const all: { v: number; first: boolean }[] = [];
  for (const v of a) all.push({ v, first: true });
  for (const v of b) all.push({ v, first: false });
  all.sort((x, y) => x.v - y.v);
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0; // Σ (t³ − t) over tie groups
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && (all[j] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const t = j - i;
    const avgRank = (i + 1 + j) / 2; // ranks i+1..j
    for (let k = i; k < j; k++) if ((all[k] as { first: boolean }).first) rankSumA += avgRank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, z: 0, pValue: 1, commonLanguageEffect: u / (n1 * n2) };
  const diff = u - mean;
  const corrected = Math.max(0, Math.abs(diff) - 0.5);
  const z = Math.sign(diff) * (corrected / Math.sqrt(variance));
  const pValue = Math.min(1, 2 * normalUpperTail(z));
  return { u, z, pValue, commonLanguageEffect: u / (n1 * n2) };
}

export interface ProportionTestResult {
  readonly z: number;
  /** Two-sided. */
  readonly pValue: number;
}

/** Pooled two-proportion z-test of x1/n1 against x2/n2. */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ProportionTestResult {
  if (n1 <= 0 || n2 <= 0) return { z: 0, pValue: 1 };
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, pValue: 1 };
  const z = (p2 - p1) / se;
  return { z, pValue: Math.min(1, 2 * normalUpperTail(z)) };
}

/** Median of a copy (linear interpolation between the middle two). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((x, y) => x - y);
  const mid = (s.length - 1) / 2;
  const lo = s[Math.floor(mid)] as number;
  const hi = s[Math.ceil(mid)] as number;
  return (lo + hi) / 2;
}
