import { describe, expect, it } from 'vitest';
import { resourceFamily } from './metric-families.ts';
import { countRise, gate, logLatency, medianShift, noisyOr, proportionRise, standout } from './stats.ts';

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
