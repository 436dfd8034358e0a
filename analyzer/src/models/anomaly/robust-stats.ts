/**
 * Small robust-statistics helpers for the anomaly detector: order statistics
 * over short buffers and a fixed-capacity ring buffer. Kept allocation-light
 * because the detector calls them once per point (10,000 points must be
 * scored well under a second by the API).
 */

/** Gaussian consistency constant: 1.4826 × MAD estimates σ for normal data. */
export const MAD_TO_SIGMA = 1.4826;
/** √(π/2): mean absolute deviation × this estimates σ for normal data. */
export const MEAN_AD_TO_SIGMA = 1.2533;

/**
 * The k-th smallest (0-based) of `a[0..n)`, reordering `a` in place
 * (Hoare's quickselect; expected O(n)).
 */
export function selectKth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Median of `a[0..n)` (reorders `a`); NaN when n = 0. */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n === 0) return Number.NaN;
  const hi = selectKth(a, n, n >>> 1);
  if (n % 2 === 1) return hi;
  // The lower middle is the largest of the left part after selection.
  let lo = -Infinity;
  for (let i = 0; i < n >>> 1; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}

/** q-quantile (0 ≤ q ≤ 1, nearest rank) of `a[0..n)` (reorders `a`); NaN when n = 0. */
export function quantileInPlace(a: Float64Array, n: number, q: number): number {
  if (n === 0) return Number.NaN;
  const k = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  return selectKth(a, n, k);
}

/** A fixed-capacity FIFO of numbers; the oldest value is dropped when full. */
export class Ring {
  private readonly buf: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.buf = new Float64Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.count;
  }

  push(v: number): void {
    if (this.count < this.capacity) {
      this.buf[(this.start + this.count) % this.capacity] = v;
      this.count++;
    } else {
      this.buf[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The i-th newest value (0 = newest); undefined past the end. */
  back(i: number): number | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.buf[(this.start + this.count - 1 - i) % this.capacity];
  }

  /** Copies the newest `n` (all when absent) values into `out`; returns how many. */
  copyTo(out: Float64Array, n = this.count): number {
    const m = Math.min(n, this.count, out.length);
    // Two contiguous segments at most: no per-element modulo.
    const from = (this.start + this.count - m) % this.capacity;
    const firstLen = Math.min(m, this.capacity - from);
    const buf = this.buf;
    for (let i = 0; i < firstLen; i++) out[i] = buf[from + i]!;
    for (let i = firstLen; i < m; i++) out[i] = buf[i - firstLen]!;
    return m;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}

/**
 * Robust σ of the newest values in `ring` (around `center`, or their median
 * when absent): 1.4826·MAD, falling back to 1.2533·mean absolute deviation
 * when more than half the values are identical (MAD = 0), 0 when all are.
 */
export function robustScale(ring: Ring, scratch: Float64Array, center?: number): number {
  const n = ring.copyTo(scratch);
  if (n === 0) return 0;
  const c = center ?? medianInPlace(scratch, n);
  if (center === undefined) ring.copyTo(scratch);
  let sumAbs = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(scratch[i]! - c);
    scratch[i] = d;
    sumAbs += d;
  }
  const mad = medianInPlace(scratch, n);
  if (mad > 0) return MAD_TO_SIGMA * mad;
  return MEAN_AD_TO_SIGMA * (sumAbs / n);
}
