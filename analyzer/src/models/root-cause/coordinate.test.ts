import { describe, expect, it } from 'vitest';
import { bestLag, comovements, degradationSeries, planActions, propagationPaths } from './coordinate.ts';
import type { GraphEdge, RootCauseCandidate } from './types.ts';

const edge = (caller: string, callee: string): GraphEdge => ({ caller, callee, calls: 10, uninstrumented: false });
const candidate = (service: string, score: number): RootCauseCandidate => ({ service, score, anomaly: score, kind: 'latency', uninstrumented: false, evidence: [] });

describe('coordination model', () => {
  it('finds the lag at which a follower repeats a leader', () => {
    const lead = [0, 0, 0, 1, 5, 9, 9, 8, 9, 9, 0, 0];
    const follow = [0, 0, 0, 0, 0, 1, 5, 9, 9, 8, 9, 9];
    expect(bestLag(lead, follow, 3)).toMatchObject({ lag: 2 });
    expect(bestLag(follow, lead, 3)).toMatchObject({ lag: -2 });
  });

  it('pairs services whose degradation moves together, not unrelated ones', () => {
    const series = new Map([
      ['db', [0, 0, 0, 0, 8, 9, 9, 9]],
      ['api', [0, 0, 0, 0, 0, 7, 8, 9]],
      ['batch', [3, -2, 4, -1, 3, -2, 4, -1]],
    ]);
    const pairs = comovements(series, 2);
    expect(pairs.map((p) => [p.a, p.b])).toEqual([['api', 'db']]);
    expect(pairs[0]!.lagBuckets).toBe(-1); // db leads api by one bucket
  });

  it('degradation is measured against the reference buckets', () => {
    const d = degradationSeries([10, 11, 10, 11, 50], [0, 0, 0, 0, 0.5], 4);
    expect(d[0]!).toBeLessThan(2);
    expect(d[4]!).toBeGreaterThan(10);
  });

  it('walks from the root cause to every entry point, shortest first', () => {
    const edges = [edge('web', 'orders'), edge('mobile', 'orders'), edge('orders', 'pricing'), edge('pricing', 'fx'), edge('admin', 'fx')];
    expect(propagationPaths('fx', edges)).toEqual([
      ['admin', 'fx'],
      ['mobile', 'orders', 'pricing', 'fx'],
      ['web', 'orders', 'pricing', 'fx'],
    ]);
  });

  it('orders actions: the root first, its degraded callers recover with it, an independent fault after', () => {
    const edges = [edge('web', 'orders'), edge('orders', 'fx'), edge('mobile', 'tokens')];
    const actions = planActions([candidate('fx', 0.5), candidate('orders', 0.2), candidate('tokens', 0.2), candidate('web', 0.1)], edges);
    expect(actions.map((a) => a.service)).toEqual(['fx', 'tokens']);
    expect(actions[0]!.expectedRecovery).toEqual(['orders', 'web']);
    expect(actions[0]!.action).toMatch(/^Fix fx/);
    expect(actions[1]!.action).toMatch(/^Then fix tokens/);
  });
});
