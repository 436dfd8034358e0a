import { describe, expect, it } from 'vitest';
import { BurstSchedule, diurnalFactor, pickEntry, poisson } from './load.ts';

/** Deterministic PRNG (mulberry32) so the statistical checks cannot flake. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('diurnalFactor', () => {
  const day = 24 * 60_000;
  const at = (h: number) => diurnalFactor(h * 60_000, day);
  it('has a night trough, an afternoon peak and stays within [0.15, 1]', () => {
    const hours = Array.from({ length: 96 }, (_, i) => at(i / 4));
    expect(Math.min(...hours)).toBeGreaterThanOrEqual(0.15);
    expect(Math.max(...hours)).toBeLessThanOrEqual(1);
    expect(at(4)).toBeLessThan(0.25);
    expect(at(15.5)).toBeGreaterThan(0.95);
    expect(at(10)).toBeGreaterThan(at(8));
    expect(at(24 + 15.5)).toBeCloseTo(at(15.5)); // periodic
  });
});

describe('poisson', () => {
  it('has the requested mean for small and large means', () => {
    const r = rng(7);
    for (const lambda of [0.8, 5, 60]) {
      const n = 4000;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += poisson(lambda, r);
      expect(sum / n).toBeCloseTo(lambda, lambda > 10 ? 0 : 1);
    }
    expect(poisson(0, r)).toBe(0);
  });
});

describe('BurstSchedule', () => {
  it('is active for about burstMs / (burstEveryMs + burstMs) of the time', () => {
    const s = new BurstSchedule({ burstEveryMs: 60_000, burstMs: 20_000 }, rng(3));
    let on = 0;
    const steps = 200_000;
    for (let t = 0; t < steps; t++) if (s.active(t * 100)) on++;
    expect(on / steps).toBeGreaterThan(0.18);
    expect(on / steps).toBeLessThan(0.32);
  });
  it('never bursts when disabled', () => {
    const s = new BurstSchedule({ burstEveryMs: 0, burstMs: 20_000 }, rng(3));
    expect(Array.from({ length: 1000 }, (_, t) => s.active(t * 1000)).some(Boolean)).toBe(false);
  });
});

describe('pickEntry', () => {
  it('picks in proportion to weight', () => {
    const r = rng(11);
    const entries = [{ id: 'a', weight: 3 }, { id: 'b', weight: 1 }];
    let a = 0;
    for (let i = 0; i < 8000; i++) if (pickEntry(entries, r).id === 'a') a++;
    expect(a / 8000).toBeCloseTo(0.75, 1);
  });
});
