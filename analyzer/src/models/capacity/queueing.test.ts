import { describe, expect, it } from 'vitest';
import { erlangC, fitQueue, fitUsl, mmcWait, queueRateAtResponseTime, queueResponseTime, uslThroughput } from './queueing.ts';
import { seededRandom } from './testing/queue-simulation.ts';

describe('erlangC', () => {
  it('matches the closed forms for one and two servers', () => {
    // M/M/1: P(wait) = ρ. M/M/2: P(wait) = 2ρ²/(1 + ρ).
    expect(erlangC(1, 0.7)).toBeCloseTo(0.7, 12);
    expect(erlangC(2, 1)).toBeCloseTo((2 * 0.25) / 1.5, 12);
    expect(erlangC(4, 0)).toBe(0);
    expect(erlangC(4, 4)).toBe(1);
  });

  it('gives the M/M/1 wait ρ/(μ − λ)', () => {
    expect(mmcWait(1, 0.1, 5)).toBeCloseTo(0.5 / (10 - 5), 12);
    expect(mmcWait(1, 0.1, 10)).toBe(Infinity);
  });
});

describe('fitQueue', () => {
  it('recovers c, s and the variability factor from noisy M/M/c latencies', () => {
    const rand = seededRandom(3);
    const truth = { c: 4, s: 0.05, k: 1 };
    const points = Array.from({ length: 60 }, (_, i) => {
      const x = 10 + (i / 59) * 62; // up to 90% utilization
      return { x, y: queueResponseTime(truth, x) * (1 + 0.02 * (rand() - 0.5)) };
    });
    const fit = fitQueue(points)!;
    expect(fit.model.c).toBe(4);
    expect(fit.model.s).toBeCloseTo(0.05, 2);
    expect(fit.model.k).toBeGreaterThan(0.85);
    expect(fit.model.k).toBeLessThan(1.15);
    expect(fit.capacity).toBeGreaterThan(76);
    expect(fit.capacity).toBeLessThan(84);
    expect(fit.r2).toBeGreaterThan(0.95);
  });

  it('tells deterministic service (k ≈ 0.5) from exponential', () => {
    const truth = { c: 2, s: 0.1, k: 0.5 };
    const points = Array.from({ length: 30 }, (_, i) => ({ x: 2 + i * 0.55, y: queueResponseTime(truth, 2 + i * 0.55) }));
    const fit = fitQueue(points)!;
    expect(fit.model.c).toBe(2);
    expect(fit.model.k).toBeCloseTo(0.5, 1);
  });

  it('needs spread in throughput', () => {
    expect(fitQueue([{ x: 5, y: 0.1 }, { x: 5, y: 0.11 }, { x: 5, y: 0.1 }, { x: 5, y: 0.12 }])).toBeUndefined();
    expect(fitQueue([{ x: 1, y: 0.1 }])).toBeUndefined();
  });

  it('inverts the response time for an SLO', () => {
    const m = { c: 1, s: 0.1, k: 1 };
    // M/M/1: R = s/(1 − ρ) = 0.5 s at ρ = 0.8, λ = 8.
    expect(queueRateAtResponseTime(m, 0.5)).toBeCloseTo(8, 6);
    expect(queueRateAtResponseTime(m, 0.05)).toBeUndefined();
  });
});

describe('fitUsl', () => {
  it('recovers σ and κ and the peak of a retrograde curve', () => {
    const truth = { lambda: 100, sigma: 0.05, kappa: 0.002 };
    const points = Array.from({ length: 32 }, (_, i) => ({ x: i + 1, y: uslThroughput(truth, i + 1) }));
    const fit = fitUsl(points)!;
    expect(fit.model.sigma).toBeCloseTo(0.05, 2);
    expect(fit.model.kappa).toBeCloseTo(0.002, 3);
    expect(fit.model.lambda).toBeCloseTo(100, 0);
    expect(fit.peakConcurrency).toBeCloseTo(Math.sqrt(0.95 / 0.002), 0);
    expect(fit.r2).toBeGreaterThan(0.999);
  });

  it('finds linear scaling (σ = κ = 0) with no peak', () => {
    const fit = fitUsl(Array.from({ length: 10 }, (_, i) => ({ x: i + 1, y: 50 * (i + 1) })))!;
    expect(fit.model.sigma).toBeLessThan(0.01);
    expect(fit.model.kappa).toBeLessThan(1e-5);
    expect(fit.peakThroughput).toBeGreaterThan(5000);
  });
});
