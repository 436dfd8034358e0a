import { describe, expect, it } from 'vitest';
import type { DemandForecaster } from './demand-forecast.ts';
import { isCapacityGap, isoDuration, planCapacity, type CapacityPlan, type CapacitySample } from './plan-capacity.ts';
import { simulateQueue } from './testing/queue-simulation.ts';

function plan(...args: Parameters<typeof planCapacity>): CapacityPlan {
  const r = planCapacity(...args);
  if (isCapacityGap(r)) throw new Error(`unexpected gap: ${r.missing.join('; ')}`);
  return r;
}

/** M/M/4, s = 50 ms (capacity 80 rps), arrivals ramping 20% → 60% of capacity over 2 h. */
function rampingService(): { samples: CapacitySample[]; growth: number; endRate: number } {
  const capacity = 80;
  const growth = (0.4 * capacity) / 7200;
  const samples = simulateQueue({
    workers: 4,
    serviceS: 0.05,
    service: 'exponential',
    arrivalRate: (t) => 0.2 * capacity + growth * t,
    maxArrivalRate: 0.6 * capacity,
    durationS: 7200,
    bucketS: 60,
    cpuBaseline: 0.03,
    seed: 42,
  });
  return { samples, growth, endRate: 0.6 * capacity };
}

describe('planCapacity', () => {
  it('recovers the CPU saturation point and the time to reach it from simulated queue data', () => {
    const { samples, growth, endRate } = rampingService();
    const p = plan({ service: 'api', stepS: 60, samples, replicas: 1 }, { horizonS: 86_400, nowS: 7200 });
    const truthSat = (0.8 - 0.03) * 80;
    expect(Math.abs(p.saturationRps - truthSat) / truthSat).toBeLessThan(0.05);
    expect(p.method).toMatch(/^cpu-utilization-law/);
    const truthTts = (truthSat - endRate) / growth;
    expect(Math.abs(p.timeToSaturationS! - truthTts) / truthTts).toBeLessThan(0.2);
    expect(p.timeToSaturationUpper80S!).toBeLessThanOrEqual(p.timeToSaturationS!);
    expect(p.headroomPct).toBeGreaterThan(10);
    expect(p.headroomPct).toBeLessThan(35);
    expect(p.confidence).toBeGreaterThan(0.8);
    expect(p.utilization.cpu).toBeGreaterThan(0.5);
  });

  it('falls back to the fitted M/G/c when there is no utilization metric', () => {
    const { samples } = rampingService();
    const p = plan({ service: 'api', stepS: 60, samples: samples.map((s) => ({ ...s, cpu: null })), replicas: 1 }, { horizonS: 86_400 });
    expect(p.method).toMatch(/^queueing-m\/g\/4/);
    expect(Math.abs(p.saturationRps - 64) / 64).toBeLessThan(0.1);
  });

  it('takes a latency SLO breach when it comes before the utilization ceiling', () => {
    const { samples } = rampingService();
    // M/M/4 at s = 50 ms: mean latency reaches 60 ms near ρ ≈ 0.6, well before 80% CPU.
    const p = plan({ service: 'api', stepS: 60, samples, replicas: 1 }, { latencySloMs: 60 });
    expect(p.method).toMatch(/^latency-slo/);
    expect(p.saturationRps).toBeLessThan(0.8 * 80 * 0.9);
    expect(p.limits.map((l) => l.kind)).toEqual(expect.arrayContaining(['cpu', 'latency-slo']));
  });

  it('sizes replicas from per-replica capacity and the upper demand bound', () => {
    // 3 replicas, CPU = 0.002·rps exactly: ceiling 0.8 → 400 rps fleet, 133 per replica.
    const samples = Array.from({ length: 60 }, (_, i) => ({ t: i * 60, rps: 100 + i, cpu: 0.002 * (100 + i) }));
    const flat: DemandForecaster = (_v, _s, h) => Array.from({ length: h }, () => ({ value: 300, upper80: 500 }));
    const p = plan({ service: 'api', stepS: 60, samples, replicas: 3 }, { forecaster: flat, horizonS: 3600 });
    expect(p.saturationRps).toBeCloseTo(400, 6);
    expect(p.replicasNeeded).toBe(Math.ceil(500 / (400 / 3)));
    expect(p.timeToSaturationS).toBeNull(); // 300 < 400 over the horizon
    expect(p.method).toContain('injected-forecast');
    expect(p.demand.upper80AtHorizon).toBe(500);
  });

  it('counts time to saturation from the forecast crossing, and 0 when already past it', () => {
    // CPU = 0.002·rps: saturation at 400 rps.
    const ramp = Array.from({ length: 60 }, (_, i) => ({ t: i * 60, rps: 50 + i, cpu: 0.002 * (50 + i) }));
    const step: DemandForecaster = (_v, _s, h) => Array.from({ length: h }, (_, i) => ({ value: 110 + 10 * i, upper80: 120 + 10 * i }));
    const p = plan({ service: 'api', stepS: 60, samples: ramp, replicas: 1 }, { forecaster: step, horizonS: 7200 });
    // Crosses 400 at step index 29 (value 400): centred at lastT + 30.5 steps; now = lastT + 1 step.
    expect(p.timeToSaturationS).toBeCloseTo(29.5 * 60, 0);
    expect(isoDuration(p.timeToSaturationS!)).toBe('PT29M30S');
    const hot = ramp.map((s) => ({ ...s, cpu: s.cpu + 0.6 }));
    const past = plan({ service: 'api', stepS: 60, samples: hot, replicas: 1 }, { forecaster: step });
    expect(past.timeToSaturationS).toBe(0);
    expect(past.headroomPct).toBeLessThan(0);
  });

  it('says what is missing instead of guessing', () => {
    const few = planCapacity({ service: 'api', stepS: 60, samples: [{ t: 0, rps: 1 }], replicas: 1 });
    expect(isCapacityGap(few) && few.missing[0]).toMatch(/at least 10 needed/);
    // Traffic but flat latency and no CPU metric: no ceiling is supported by the data.
    const flat = planCapacity({ service: 'api', stepS: 60, samples: Array.from({ length: 30 }, (_, i) => ({ t: i * 60, rps: 10 + i, latencyMs: 20 })), replicas: 1 });
    expect(isCapacityGap(flat)).toBe(true);
    expect(isCapacityGap(flat) && flat.missing.join(' ')).toMatch(/no CPU or memory utilization metric/);
  });

  it('ignores memory that does not follow load', () => {
    const samples = Array.from({ length: 60 }, (_, i) => ({ t: i * 60, rps: 50 + i, cpu: 0.002 * (50 + i), memory: 0.7 + 0.01 * Math.sin(i) }));
    const p = plan({ service: 'api', stepS: 60, samples, replicas: 1 });
    expect(p.limits.map((l) => l.kind)).toEqual(['cpu']);
    expect(p.utilization.memory).toBeCloseTo(0.7, 1);
  });
});

describe('isoDuration', () => {
  it('formats seconds as ISO 8601 durations', () => {
    expect(isoDuration(0)).toBe('PT0S');
    expect(isoDuration(59.6)).toBe('PT1M');
    expect(isoDuration(86_400 + 2 * 3600 + 30 * 60)).toBe('P1DT2H30M');
    expect(isoDuration(3 * 86_400)).toBe('P3D');
  });
});

describe('planCapacity with retrograde scaling', () => {
  it('takes the USL peak once throughput is seen falling as concurrency rises', () => {
    // A closed-loop service: throughput X(N) = 100N / (1 + 0.05(N − 1) + 0.01N(N − 1)), peak near N = 9.7.
    const usl = (n: number): number => (100 * n) / (1 + 0.05 * (n - 1) + 0.01 * n * (n - 1));
    const samples = Array.from({ length: 40 }, (_, i) => {
      const n = 1 + i * 0.5; // concurrency 1..20.5, past the peak
      const x = usl(n);
      return { t: i * 60, rps: x, latencyMs: (n / x) * 1000 };
    });
    const p = plan({ service: 'locky', stepS: 60, samples, replicas: 1 });
    expect(p.method).toMatch(/^usl-peak/);
    expect(p.saturationRps).toBeCloseTo(usl(Math.sqrt(0.95 / 0.01)), -1);
    expect(p.fits.usl!.model.kappa).toBeCloseTo(0.01, 3);
  });
});
