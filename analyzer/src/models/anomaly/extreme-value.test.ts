import { describe, expect, it } from 'vitest';
import { fitGpdPwm, gpdQuantile } from './extreme-value.ts';
import { rng } from './testing/synthetic.ts';

/** n draws of GPD(ξ, σ) by inversion: X = σ/ξ·(U^(−ξ) − 1) (−σ·ln U for ξ = 0). */
function gpdSample(n: number, shape: number, scale: number, seed: number): Float64Array {
  const u = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = 1 - u();
    out[i] = shape === 0 ? -scale * Math.log(v) : (scale / shape) * (Math.pow(v, -shape) - 1);
  }
  return out;
}

describe('fitGpdPwm', () => {
  it('recovers the shape and scale of a heavy (ξ = 0.3), an exponential and a bounded (ξ = −0.2) tail', () => {
    for (const [shape, scale, seed] of [
      [0.3, 2, 1],
      [0, 1, 2],
      [-0.2, 0.5, 3],
    ] as const) {
      const fit = fitGpdPwm(gpdSample(4000, shape, scale, seed), 4000);
      expect(fit).toBeDefined();
      expect(fit!.shape).toBeCloseTo(shape, 1);
      expect(Math.abs(fit!.scale / scale - 1)).toBeLessThan(0.1);
    }
  });

  it('is undefined for fewer than 3 excesses or a degenerate sample', () => {
    expect(fitGpdPwm(new Float64Array([1, 2]), 2)).toBeUndefined();
    expect(fitGpdPwm(new Float64Array([0, 0, 0, 0]), 4)).toBeUndefined();
  });
});

describe('gpdQuantile', () => {
  it('inverts the tail: the level exceeded with probability p', () => {
    // 50 of 1000 draws over t = 3, excesses GPD(0.2, 1): P(X > z) = 0.05·(1 + 0.2(z − 3))^(−5).
    const z = gpdQuantile({ shape: 0.2, scale: 1 }, 3, 50, 1000, 0.001);
    expect(0.05 * Math.pow(1 + 0.2 * (z - 3), -5)).toBeCloseTo(0.001, 6);
    // Exponential tail: t + σ·ln(share / p).
    expect(gpdQuantile({ shape: 0, scale: 2 }, 1, 10, 100, 0.01)).toBeCloseTo(1 + 2 * Math.log(10), 9);
    // The rarer the event, the higher the level; a heavier tail, higher still.
    expect(gpdQuantile({ shape: 0.3, scale: 1 }, 0, 10, 100, 1e-4)).toBeGreaterThan(gpdQuantile({ shape: 0, scale: 1 }, 0, 10, 100, 1e-4));
  });
});
