/**
 * Training-data hygiene before a fit: gaps filled, isolated outliers pulled in.
 * Both matter because ETS is a recursion: one NaN poisons every later state, and
 * one spike drags the level (and, through the likelihood, the smoothing
 * parameters) far more than a squared-error fit should let it.
 */

/**
 * Linear interpolation across nulls / non-finite values; leading and trailing
 * gaps take the nearest known value. Returns null when no value is known.
 */
export function interpolateGaps(values: readonly (number | null)[]): Float64Array | null {
  const n = values.length;
  const out = new Float64Array(n);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    out[i] = v;
    if (prev === -1) {
      for (let j = 0; j < i; j++) out[j] = v;
    } else if (i - prev > 1) {
      const a = out[prev] as number;
      for (let j = prev + 1; j < i; j++) out[j] = a + ((v - a) * (j - prev)) / (i - prev);
    }
    prev = i;
  }
  if (prev === -1) return null;
  for (let j = prev + 1; j < n; j++) out[j] = out[prev] as number;
  return out;
}

/** Median of a small scratch array (sorted in place). */
export function median(xs: Float64Array | number[]): number {
  const a = xs instanceof Float64Array ? xs.slice().sort() : Float64Array.from(xs).sort();
  const n = a.length;
  if (n === 0) return Number.NaN;
  const h = n >> 1;
  return n % 2 === 1 ? (a[h] as number) : ((a[h - 1] as number) + (a[h] as number)) / 2;
}

export interface CleanOptions {
  /** Half-width of the running median the residuals are taken against. */
  readonly halfWindow?: number;
  /** Huber threshold in robust standard deviations. */
  readonly k?: number;
  /** Most points that may be clipped, as a share of the series. */
  readonly maxShare?: number;
}

/**
 * Huber-cleans a series: residuals from a centred running median, scaled by
 * 1.4826 × their MAD (robust σ), are clipped to ±k σ. A short isolated spike
 * is pulled back to the neighbourhood; a level shift lasting more than the
 * half-window is left alone because the running median follows it. The running
 * median is truncated at the ends, so the last points are judged only against
 * what came before them and their neighbours.
 */
export function huberClean(y: Float64Array, opts: CleanOptions = {}): { cleaned: Float64Array; clipped: number } {
  const n = y.length;
  const hw = opts.halfWindow ?? 3;
  const k = opts.k ?? 3;
  if (n < 2 * hw + 2) return { cleaned: y.slice(), clipped: 0 };
  const smooth = new Float64Array(n);
  const buf: number[] = [];
  for (let i = 0; i < n; i++) {
    buf.length = 0;
    for (let j = Math.max(0, i - hw); j <= Math.min(n - 1, i + hw); j++) buf.push(y[j] as number);
    smooth[i] = median(buf);
  }
  const resid = new Float64Array(n);
  for (let i = 0; i < n; i++) resid[i] = (y[i] as number) - (smooth[i] as number);
  const absResid = resid.map(Math.abs);
  let scale = 1.4826 * median(absResid);
  if (!(scale > 0)) {
    // More than half the residuals are exactly 0 (flat or quantised data): fall back to the mean absolute residual.
    let s = 0;
    for (const r of absResid) s += r;
    scale = 1.2533 * (s / n);
  }
  const cleaned = y.slice();
  if (!(scale > 0)) return { cleaned, clipped: 0 };
  // Outliers are rare by definition: when k σ would clip more than maxShare of the points, the
  // residuals are structure the running median cannot follow (a sharp daily peak), not outliers,
  // and the threshold rises to the (1 − maxShare) quantile of |residual|.
  const maxShare = opts.maxShare ?? 0.02;
  const sortedAbs = absResid.slice().sort();
  const lim = Math.max(k * scale, sortedAbs[Math.min(n - 1, Math.floor((1 - maxShare) * n))] as number);
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const r = resid[i] as number;
    if (r > lim || r < -lim) {
      cleaned[i] = (smooth[i] as number) + Math.sign(r) * lim;
      clipped++;
    }
  }
  return { cleaned, clipped };
}
