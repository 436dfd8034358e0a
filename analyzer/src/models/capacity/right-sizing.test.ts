import { describe, expect, it } from 'vitest';
import { isCapacityGap, planCapacity, type CapacityPlan } from './plan-capacity.ts';
import { quantile, rightSize } from './right-sizing.ts';
import { seededRandom } from './testing/queue-simulation.ts';

const MIB = 1024 * 1024;
const rand = seededRandom(9);
/** `n` buckets around `level` (±10%). */
const around = (level: number, n = 60): number[] => Array.from({ length: n }, () => level * (0.9 + 0.2 * rand()));

describe('quantile', () => {
  it('interpolates and skips gaps', () => {
    expect(quantile([1, null, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.95)).toBeCloseTo(9.5, 9);
    expect(quantile([1, 2], 0.5, 3)).toBeNull();
  });
});

describe('rightSize', () => {
  it('shrinks an over-provisioned CPU and memory limit and says what it saves', () => {
    // 4 replicas with 2 cores and 2 GiB each, using ~0.3 cores and ~300 MiB.
    const r = rightSize({
      service: 'idle-api',
      replicas: 4,
      cpu: { cores: around(4 * 0.3), limitCores: 8, requestCores: 4 },
      memory: { bytes: around(4 * 300 * MIB), limitBytes: 4 * 2048 * MIB },
      latencyMs: 20,
    });
    expect(r.status).toBe('over-provisioned');
    const cpu = r.changes.find((c) => c.resource === 'cpu_limit')!;
    expect(cpu.direction).toBe('decrease');
    // p95 ≈ 0.33 cores per replica at 70% → 0.5 cores (50 m steps).
    expect(cpu.recommended).toBeGreaterThanOrEqual(0.45);
    expect(cpu.recommended).toBeLessThanOrEqual(0.55);
    expect(cpu.costDelta.cpuCores).toBeCloseTo((cpu.recommended - 2) * 4, 9);
    expect(cpu.latencyMs!.after).toBeGreaterThan(20); // less headroom, a little more queueing
    const mem = r.changes.find((c) => c.resource === 'memory_limit')!;
    expect(mem.direction).toBe('decrease');
    expect(mem.recommended % (16 * MIB)).toBe(0);
    expect(mem.recommended).toBeGreaterThan(330 * 1.2 * MIB - 16 * MIB);
    expect(r.changes.find((c) => c.resource === 'cpu_request')?.direction).toBe('decrease');
    expect(r.costDelta.cpuCores).toBeLessThan(-5);
    expect(r.costDelta.memoryBytes).toBeLessThan(-5000 * MIB);
  });

  it('raises a throttled CPU limit and an OOM-prone memory limit, predicting lower latency', () => {
    const r = rightSize({
      service: 'hot-api',
      replicas: 2,
      cpu: { cores: around(2 * 0.95), limitCores: 2 },
      memory: { bytes: around(2 * 480 * MIB), limitBytes: 2 * 512 * MIB },
      latencyMs: 200,
    });
    expect(r.status).toBe('under-provisioned');
    const cpu = r.changes.find((c) => c.resource === 'cpu_limit')!;
    expect(cpu.direction).toBe('increase');
    expect(cpu.recommended).toBeGreaterThanOrEqual(1.35);
    expect(cpu.latencyMs!.after).toBeLessThan(100);
    expect(r.changes.find((c) => c.resource === 'memory_limit')?.direction).toBe('increase');
    expect(r.costDelta.cpuCores).toBeGreaterThan(0);
  });

  it('leaves a well-sized service alone', () => {
    const r = rightSize({ service: 'ok', replicas: 2, cpu: { cores: around(2 * 0.6), limitCores: 2 }, memory: { bytes: around(2 * 600 * MIB), limitBytes: 2 * 1024 * MIB } });
    expect(r.status).toBe('right-sized');
    expect(r.changes).toEqual([]);
    expect(r.cpu.p95Utilization).toBeGreaterThan(0.5);
  });

  it('takes replica counts from the capacity plan, with the latency the queue model predicts', () => {
    // 6 replicas, CPU 0.001·rps: saturation at 800 rps fleet; demand flat at ~100 rps.
    const samples = Array.from({ length: 60 }, (_, i) => ({ t: i * 60, rps: 80 + (i % 10) * 4, cpu: 0.001 * (80 + (i % 10) * 4) + 0.02, latencyMs: 10 + 0.01 * (80 + (i % 10) * 4) }));
    const plan = planCapacity({ service: 'fleet', stepS: 60, samples, replicas: 6 }, { horizonS: 3600 });
    if (isCapacityGap(plan)) throw new Error(plan.missing.join('; '));
    expect(plan.replicasNeeded).toBeLessThan(6);
    const r = rightSize({ service: 'fleet', replicas: 6, cpu: { utilization: samples.map((s) => s.cpu) }, latencyMs: 11, plan: plan as CapacityPlan });
    const rep = r.changes.find((c) => c.resource === 'replicas')!;
    expect(rep).toMatchObject({ direction: 'decrease', current: 6, recommended: plan.replicasNeeded, unit: 'replicas' });
    expect(rep.latencyMs!.after).toBeGreaterThanOrEqual(11 * 0.99);
    expect(r.status).toBe('over-provisioned');
  });
});
