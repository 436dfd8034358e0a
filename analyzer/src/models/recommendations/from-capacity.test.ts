import { describe, expect, it } from 'vitest';
import type { RightSizingResult } from '../capacity/right-sizing.ts';
import { boostWithAnomalies, draftsFromCapacityPlans, draftsFromRightSizing, draftsFromSloBurns, type CapacityPlanSummary } from './from-capacity.ts';
import type { RecommendationDraft } from './types.ts';

const plan = (p: Partial<CapacityPlanSummary> = {}): CapacityPlanSummary => ({
  service: 'checkout',
  currentRps: 10,
  saturationRps: 15,
  headroomPct: 33.3,
  timeToSaturationS: 2_258,
  timeToSaturationUpper80S: 2_000,
  replicasNow: 2,
  replicasNeeded: 6,
  cpuUtilization: 0.53,
  confidence: 0.99,
  method: 'cpu-utilization-law+theil-sen-trend',
  horizonS: 86_400,
  ...p,
});

describe('draftsFromCapacityPlans', () => {
  it('scale-out when more replicas are needed, more urgent the sooner saturation comes', () => {
    const [soon] = draftsFromCapacityPlans([plan()]);
    expect(soon).toMatchObject({ service: 'checkout', kind: 'scale-out', findingKey: 'replicas', source: 'capacity' });
    expect(soon?.title).toContain('from 2 to 6 replicas');
    // 6 replicas of 7.5 rps carry 10 rps with 77.8 % headroom.
    expect(soon?.expectedImprovement).toEqual({ metric: 'headroom_pct', current: 33.3, expected: 77.78 });
    const [late] = draftsFromCapacityPlans([plan({ timeToSaturationS: 80_000 })]);
    expect(soon!.impact).toBeGreaterThan(late!.impact);
    // A shaky plan gives a less confident recommendation.
    const [shaky] = draftsFromCapacityPlans([plan({ confidence: 0.2 })]);
    expect(shaky!.priorConfidence).toBeLessThan(soon!.priorConfidence);
  });

  it('scale-in only when fewer replicas carry the whole horizon and nothing saturates', () => {
    const [d] = draftsFromCapacityPlans([plan({ replicasNow: 8, replicasNeeded: 3, timeToSaturationS: null, timeToSaturationUpper80S: null })]);
    expect(d).toMatchObject({ kind: 'scale-in', expectedImprovement: { metric: 'replicas', current: 8, expected: 3 } });
    expect(d!.impact).toBeCloseTo((5 / 8) * 0.5, 4);
    expect(draftsFromCapacityPlans([plan({ replicasNow: 8, replicasNeeded: 3, timeToSaturationS: null, timeToSaturationUpper80S: 3600 })])).toEqual([]);
    expect(draftsFromCapacityPlans([plan({ replicasNow: 3, replicasNeeded: 3 })])).toEqual([]);
  });
});

const sized = (changes: RightSizingResult['changes'], cpuUtil = 0.95): RightSizingResult => ({
  service: 'api',
  status: 'mixed',
  replicas: 2,
  cpu: { p95CoresPerReplica: 0.95 * cpuUtil, p95Utilization: cpuUtil, limitCoresPerReplica: 0.95, requestCoresPerReplica: null },
  memory: { maxBytesPerReplica: 100 * 2 ** 20, peakUtilization: 0.2, limitBytesPerReplica: 512 * 2 ** 20, requestBytesPerReplica: null },
  changes,
  costDelta: { cpuCores: 0, memoryBytes: 0 },
});

describe('draftsFromRightSizing', () => {
  it('turns a CPU limit increase into raise-cpu with the latency effect, a memory limit decrease into lower-memory', () => {
    const drafts = draftsFromRightSizing([
      sized([
        { resource: 'cpu_limit', direction: 'increase', current: 1, recommended: 1.3, unit: 'cores', reason: 'p95 CPU is 95% of the limit', costDelta: { cpuCores: 0.6, memoryBytes: 0 }, latencyMs: { before: 200, after: 40 } },
        { resource: 'memory_limit', direction: 'decrease', current: 512 * 2 ** 20, recommended: 128 * 2 ** 20, unit: 'bytes', reason: 'peak is 20% of the limit', costDelta: { cpuCores: 0, memoryBytes: -768 * 2 ** 20 } },
        { resource: 'replicas', direction: 'increase', current: 2, recommended: 3, unit: 'replicas', reason: 'plan', costDelta: { cpuCores: 1, memoryBytes: 0 } },
      ]),
    ]);
    expect(drafts.map((d) => d.kind)).toEqual(['raise-cpu', 'lower-memory']);
    expect(drafts[0]?.expectedImprovement).toEqual({ metric: 'latency_mean_ms', current: 200, expected: 40 });
    expect(drafts[0]?.impact).toBe(0.8);
    expect(drafts[1]?.expectedImprovement).toEqual({ metric: 'memory_limit_bytes', current: 512 * 2 ** 20, expected: 128 * 2 ** 20 });
    expect(drafts[1]?.title).toContain('512 MiB to 128 MiB');
    // A cost saving ranks below a latency fix.
    expect(drafts[1]!.impact).toBeLessThan(drafts[0]!.impact);
  });

  it('ignores directions without a kind (lowering CPU, raising memory)', () => {
    expect(
      draftsFromRightSizing([
        sized([{ resource: 'cpu_limit', direction: 'decrease', current: 2, recommended: 0.5, unit: 'cores', reason: 'idle', costDelta: { cpuCores: -3, memoryBytes: 0 } }], 0.1),
      ]),
    ).toEqual([]);
  });
});

describe('draftsFromSloBurns', () => {
  const burn = {
    monitorId: 'm1',
    service: 'orders',
    objectiveKey: 'latency:p95:300',
    objectiveKind: 'latency' as const,
    severity: 'fast' as const,
    burnRate: 20,
    budgetRemaining: 0.4,
    target: { operation: 'SELECT items', current: 120, expected: 60, why: 'SELECT items holds 60% of the critical path.', evidence: [{ traceId: 't1', detail: 'slow' }] },
  };
  it('ties a recommendation to the burning objective and the operation behind it', () => {
    const [d] = draftsFromSloBurns([burn]);
    expect(d).toMatchObject({ service: 'orders', operation: 'SELECT items', kind: 'restore-slo', findingKey: 'm1|latency:p95:300', impact: 1 });
    expect(d?.expectedImprovement).toEqual({ metric: 'latency_p50_ms', current: 120, expected: 60 });
    expect(d?.evidence).toHaveLength(2);
    const [slow] = draftsFromSloBurns([{ ...burn, severity: 'slow', objectiveKind: 'error_rate', target: { ...burn.target, current: 0.05, expected: 0 } }]);
    expect(slow).toMatchObject({ impact: 0.5, expectedImprovement: { metric: 'error_rate', current: 0.05, expected: 0 } });
    expect(slow!.priorConfidence).toBeLessThan(d!.priorConfidence);
  });
  it('needs an operation to point at', () => {
    const { target: _t, ...noTarget } = burn;
    expect(draftsFromSloBurns([noTarget])).toEqual([]);
  });
});

describe('boostWithAnomalies', () => {
  const draft: RecommendationDraft = {
    service: 'orders', operation: 'GET /orders', kind: 'batch-n-plus-one', findingKey: 'db', source: 'trace-patterns', title: 't', detail: 'd',
    expectedImprovement: { metric: 'latency_p50_ms', current: 40, expected: 10 }, priorConfidence: 0.8, impact: 0.4, evidence: [],
  };
  const anomaly = { service: 'orders', metric: 'latency_p95', kind: 'level_shift', severity: 'critical' as const, score: 12, startMs: 0, actual: 40, expected: 10 };
  it('raises the impact of the anomalous service by the worst severity and adds the anomaly as evidence', () => {
    const [boosted, other] = boostWithAnomalies([draft, { ...draft, service: 'pay' }], [anomaly, { ...anomaly, severity: 'minor', score: 6 }]);
    expect(boosted?.impact).toBeCloseTo(0.6, 4);
    expect(boosted?.evidence).toHaveLength(2);
    expect(boosted?.evidence[0]?.detail).toContain('critical level shift anomaly on orders latency_p95');
    expect(boosted?.priorConfidence).toBe(0.8);
    expect(other).toEqual({ ...draft, service: 'pay' });
  });
  it('caps the impact at 1', () => {
    expect(boostWithAnomalies([{ ...draft, impact: 0.9 }], [anomaly])[0]?.impact).toBe(1);
  });
});
