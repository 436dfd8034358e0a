import { describe, expect, it } from 'vitest';
import { resourceFamily } from './metric-families.ts';
import { betaBinomialRise, betaCdf, countRise, gate, logLatency, medianShift, noisyOr, normalQuantile, proportionRise, ratePrior, standout } from './stats.ts';

describe('root-cause statistics', () => {
  it('logLatency: sub-ms jitter of a fast span is not a shift; a fast span turning slow is', () => {
    const fast = { q: [1.1e6, 1.17e6, 1.25e6], n: 50 };
    const opts = { transform: logLatency, minSpread: () => 0.05 };
    expect(medianShift(fast, { q: [1.35e6, 1.51e6, 1.7e6], n: 50 }, opts).effect).toBeLessThan(1.5);
    expect(medianShift(fast, { q: [8e6, 10e6, 12e6], n: 50 }, opts).strength).toBeGreaterThan(0.9);
  });

  it('countRise: a conditional test of two rates, independent of how much else was logged', () => {
    const fresh = countRise(0, 1000, 20, 1000);
    expect(fresh.z).toBeGreaterThan(4);
    expect(fresh.strength).toBeGreaterThan(0.9);
    // Only the exposures' ratio matters, not their size.
    expect(countRise(0, 1_000_000, 20, 1_000_000).strength).toBeCloseTo(fresh.strength, 9);
    // 8 events in a window 4.5× as long as a baseline with none: what chance alone gives often enough.
    expect(countRise(0, 100, 8, 450).strength).toBeLessThan(0.2);
    // As many as before at the same exposure, or fewer: no rise.
    expect(countRise(10, 500, 10, 500).strength).toBe(0);
    expect(countRise(10, 500, 2, 500).strength).toBe(0);
    expect(countRise(0, 0, 5, 100).strength).toBe(0);
  });

  it('betaCdf and normalQuantile match reference values', () => {
    expect(betaCdf(0.3, 2, 3)).toBeCloseTo(0.3483, 4);
    expect(betaCdf(0.5, 0.5, 0.5)).toBeCloseTo(0.5, 9);
    expect(betaCdf(0.9, 5, 1)).toBeCloseTo(0.9 ** 5, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it('ratePrior: a fleet that rarely fails gives a prior near 0; widely differing rates give a weak one', () => {
    const clean = ratePrior([...Array.from({ length: 40 }, () => ({ k: 0, n: 50 })), { k: 1, n: 50 }]);
    expect(clean.alpha / (clean.alpha + clean.beta)).toBeLessThan(0.001);
    // Binomial noise alone explains the spread: the prior counts for one typical operation (50 calls).
    expect(clean.alpha + clean.beta).toBeCloseTo(50, 0);
    const mixed = ratePrior(Array.from({ length: 40 }, (_, i) => ({ k: i % 2 ? 25 : 0, n: 50 })));
    expect(mixed.alpha + mixed.beta).toBeLessThan(3);
    expect(ratePrior([])).toEqual({ alpha: 0.5, beta: 0.5 });
  });

  it('betaBinomialRise: a rarely used endpoint that now fails is clear against a fleet that rarely fails', () => {
    const fleet = ratePrior([...Array.from({ length: 40 }, () => ({ k: 0, n: 50 })), { k: 1, n: 50 }]);
    // 0 of 3 before, 5 of 7 now: the normal approximation can hardly tell (3 calls), the fleet can.
    expect(proportionRise(0, 3, 5, 7).strength).toBeLessThan(0.4);
    expect(betaBinomialRise(0, 3, 5, 7, fleet).strength).toBeGreaterThan(0.7);
    // In a fleet where half the operations fail half the time, 0 of 3 says little about this one.
    const noisy = ratePrior(Array.from({ length: 40 }, (_, i) => ({ k: i % 2 ? 25 : 0, n: 50 })));
    expect(betaBinomialRise(0, 3, 2, 7, noisy).strength).toBeLessThan(betaBinomialRise(0, 3, 2, 7, fleet).strength);
    // With many calls it agrees with the pooled two-proportion test.
    expect(betaBinomialRise(0, 200, 40, 200, fleet).strength).toBeCloseTo(proportionRise(0, 200, 40, 200).strength, 1);
    // No rise, a fall, no window failures, no data: nothing.
    expect(betaBinomialRise(20, 100, 20, 100, fleet).strength).toBe(0);
    expect(betaBinomialRise(40, 100, 5, 100, fleet).strength).toBe(0);
    expect(betaBinomialRise(0, 100, 0, 100, fleet).strength).toBe(0);
    expect(betaBinomialRise(0, 0, 5, 7, fleet).strength).toBe(0);
  });

  it('proportionRise: Cohen h and a two-proportion z, zero strength for a fall or no data', () => {
    const up = proportionRise(0, 200, 40, 200);
    expect(up.effect).toBeCloseTo(2 * Math.asin(Math.sqrt(0.2)), 6);
    expect(up.z).toBeGreaterThan(6);
    expect(up.strength).toBeGreaterThan(0.5);
    expect(proportionRise(40, 200, 0, 200).strength).toBe(0);
    expect(proportionRise(0, 0, 5, 10).strength).toBe(0);
    // 1 in 10 vs 0 in 10 is not distinguishable from noise.
    expect(proportionRise(0, 10, 1, 10).strength).toBe(0);
  });

  it('medianShift: in baseline spreads, floored, gated by sample size', () => {
    const base = { q: [9e6, 10e6, 11e6], n: 100 };
    const slower = medianShift(base, { q: [45e6, 50e6, 55e6], n: 100 }, { transform: logLatency, minSpread: () => 0.05 });
    expect(slower.effect).toBeGreaterThan(5);
    expect(slower.strength).toBeGreaterThan(0.9);
    const faster = medianShift(base, { q: [4e6, 5e6, 6e6], n: 100 }, { transform: logLatency, minSpread: () => 0.05 });
    expect(faster.strength).toBe(0);
    // A 2 % move on a flat baseline is under the spread floor.
    const flat = { q: [10e6, 10e6, 10e6], n: 100 };
    expect(medianShift(flat, { q: [10.2e6, 10.2e6, 10.2e6], n: 100 }, { transform: logLatency, minSpread: () => 0.05 }).effect).toBeLessThan(0.5);
    // Too few samples: no claim.
    expect(medianShift(base, { q: [45e6, 50e6, 55e6], n: 3 }, { transform: logLatency, minSpread: () => 0.05, minSamples: 5 }).strength).toBe(0);
  });

  it('standout removes the fleet-wide move and measures the rest in robust SDs', () => {
    const adjust = standout([1, 1.1, 0.9, 1.05, 0.95, 9]);
    expect(adjust(1)).toBeCloseTo(0, 1);
    expect(adjust(9)).toBeGreaterThan(7);
  });

  it('gate and noisy-OR', () => {
    expect(gate(1)).toBe(0);
    expect(gate(3)).toBe(1);
    expect(noisyOr([0.5, 0.5])).toBeCloseTo(0.75, 9);
  });

  it('classifies resource metrics by semantic-convention names and leaves host-wide ones out', () => {
    expect(resourceFamily('container.cpu.usage')).toBe('cpu');
    expect(resourceFamily('process.cpu.utilization')).toBe('cpu');
    expect(resourceFamily('jvm.memory.used')).toBe('memory');
    expect(resourceFamily('container.memory.working_set')).toBe('memory');
    expect(resourceFamily('k8s.pod.network.io')).toBe('network');
    expect(resourceFamily('container.network.receive.rate')).toBe('network');
    expect(resourceFamily('jvm.gc.duration')).toBe('gc');
    expect(resourceFamily('nodejs.eventloop.delay.p99')).toBe('event-loop');
    expect(resourceFamily('k8s.node.cpu.utilization')).toBeUndefined();
    expect(resourceFamily('system.cpu.utilization')).toBeUndefined();
    expect(resourceFamily('http.server.request.duration')).toBeUndefined();
  });
});
