import { describe, expect, it } from 'vitest';
import { changePct, serviceHealth } from './fleet-health.ts';

const base = { calls: 1000, errorRate: 0, activeAnomalies: [], sloFastBurns: 0, sloSlowBurns: 0 } as const;

describe('serviceHealth', () => {
  it('is ok without any signal', () => {
    expect(serviceHealth(base)).toEqual({ health: 'ok', reasons: [] });
  });
  it('a fast burn or a critical anomaly is critical, the worst signal wins', () => {
    expect(serviceHealth({ ...base, sloFastBurns: 1 }).health).toBe('critical');
    const v = serviceHealth({ ...base, activeAnomalies: ['minor', 'critical'], sloSlowBurns: 1 });
    expect(v.health).toBe('critical');
    expect(v.reasons).toHaveLength(3);
  });
  it('a slow burn or a minor/major anomaly is degraded', () => {
    expect(serviceHealth({ ...base, sloSlowBurns: 2 }).health).toBe('degraded');
    expect(serviceHealth({ ...base, activeAnomalies: ['major'] }).health).toBe('degraded');
  });
  it('judges the error rate only with enough calls', () => {
    expect(serviceHealth({ ...base, errorRate: 0.02 }).health).toBe('degraded');
    expect(serviceHealth({ ...base, errorRate: 0.2 }).health).toBe('critical');
    expect(serviceHealth({ ...base, calls: 3, errorRate: 0.34 }).health).toBe('ok');
    expect(serviceHealth({ ...base, errorRate: null }).health).toBe('ok');
  });
});

describe('changePct', () => {
  it('is relative to the previous figure, null without one', () => {
    expect(changePct(150, 100)).toBe(50);
    expect(changePct(50, 100)).toBe(-50);
    expect(changePct(5, 0)).toBeNull();
    expect(changePct(5, null)).toBeNull();
  });
});
