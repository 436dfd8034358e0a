/** Seeded synthetic series for the anomaly detector's tests. */

export const STEP = 60_000;
export const T0 = Date.UTC(2026, 0, 5);

/** Deterministic uniform [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Student t with 3 degrees of freedom: heavy tails (finite variance, infinite kurtosis). */
export function studentT3(rand: () => number): () => number {
  const g = gaussian(rand);
  return () => {
    const chi2 = g() ** 2 + g() ** 2 + g() ** 2;
    return g() / Math.sqrt(chi2 / 3);
  };
}

export function series<V extends number | null = number>(n: number, f: (i: number) => V, step = STEP): { values: V[]; times: number[] } {
  const values: V[] = [];
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    values.push(f(i));
    times.push(T0 + i * step);
  }
  return { values, times };
}

