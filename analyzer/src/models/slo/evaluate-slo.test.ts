import { describe, expect, it } from 'vitest';
import { DAY_S, HOUR_S } from './burn-rate.ts';
import { evaluateObjective, requiredWindows, type WindowData } from './evaluate-slo.ts';
import { bucketOf } from './latency-buckets.ts';

const PERIOD = 30 * DAY_S;
const MS = 1e6;

/**
 * Trailing windows of a service serving `rps` requests per second whose error
 * ratio was `base` until `outageS` seconds ago and `outage` since.
 */
function traffic(rps: number, base: number, outage: number, outageS: number): Map<number, WindowData> {
  const out = new Map<number, WindowData>();
  for (const w of requiredWindows(PERIOD)) {
    const calls = rps * w;
    const inOutage = Math.min(w, outageS) * rps;
    const errors = Math.round(inOutage * outage + (calls - inOutage) * base);
    out.set(w, { calls, errors, buckets: new Map() });
  }
  return out;
}

describe('evaluateObjective', () => {
  it('needs the period and every pair window', () => {
    expect(requiredWindows(PERIOD)).toEqual([PERIOD, 3 * DAY_S, 6 * HOUR_S, HOUR_S, 1800, 300]);
  });

  it('a healthy service burning 0.5 of a 99.9 % budget fires nothing and keeps half its budget', () => {
    const s = evaluateObjective({ kind: 'availability', target: 0.999 }, PERIOD, traffic(10, 0.0005, 0, 0));
    expect(s.sli).toBeCloseTo(0.9995, 9);
    expect(s.budgetRemaining).toBeCloseTo(0.5, 6);
    expect(s.periodBurnRate).toBeCloseTo(0.5, 6);
    expect(s.pairs.every((p) => !p.firing)).toBe(true);
    expect(s.alerts).toEqual({ fast: false, slow: false });
  });

  it('a full outage pages on the 1h/5m pair once the hour has averaged burn 14.4 (52 s in)', () => {
    const before = evaluateObjective({ kind: 'availability', target: 0.999 }, PERIOD, traffic(10, 0, 1, 50));
    expect(before.pairs[0]?.short.burnRate).toBeGreaterThan(14.4);
    expect(before.pairs[0]?.long.burnRate).toBeLessThan(14.4);
    expect(before.alerts.fast).toBe(false);
    const after = evaluateObjective({ kind: 'availability', target: 0.999 }, PERIOD, traffic(10, 0, 1, 60));
    expect(after.pairs[0]?.firing).toBe(true);
    expect(after.alerts.fast).toBe(true);
    // 600 bad of 25.92 M events, against a budget of 25 920: 2.3 % spent.
    expect(after.budgetRemaining).toBeCloseTo(1 - 600 / 25_920, 6);
    // At the hour's burn rate (600 / 36 000 / 0.001 = 16.7) the rest lasts ~43 h.
    expect(after.exhaustionS).toBeCloseTo(((1 - 600 / 25_920) * PERIOD) / (600 / 36_000 / 0.001), 0);
  });

  it('a recovered spike: the long window still burns but the short window is clean, so it stops firing', () => {
    const w = traffic(10, 0, 0, 0);
    // 20 minutes of full outage that ended 10 minutes ago: the 1 h window holds 12 000 errors, the 5 m none.
    const errorsIn = (windowS: number): number => (windowS >= 1800 ? 12_000 : windowS >= 600 ? 0 : 0);
    for (const [windowS, d] of w) w.set(windowS, { ...d, errors: errorsIn(windowS) });
    const s = evaluateObjective({ kind: 'availability', target: 0.999 }, PERIOD, w);
    expect(s.pairs[0]?.long.burnRate).toBeGreaterThan(14.4);
    expect(s.pairs[0]?.short.burnRate).toBe(0);
    expect(s.pairs[0]?.firing).toBe(false);
    // The 6h/30m pair (factor 6) sees 12 000 of 18 000 errors in the 30 min window and 12 000 / 216 000 over 6 h: fires.
    expect(s.pairs[1]?.firing).toBe(true);
  });

  it('a slow leak of 2x the budget is a ticket (3d/6h), not a page', () => {
    const s = evaluateObjective({ kind: 'error_rate', target: 0.001 }, PERIOD, traffic(10, 0.002, 0, 0));
    expect(s.target).toBeCloseTo(0.999, 12);
    expect(s.alerts).toEqual({ fast: false, slow: true });
  });

  it('latency: counts requests over the threshold as bad and reports the observed percentile', () => {
    // Every window: 990 requests at ~100 ms, 10 at ~450 ms → 99 % under 300 ms.
    const buckets = new Map([
      [bucketOf(100 * MS), 990],
      [bucketOf(450 * MS), 10],
    ]);
    const windows = new Map(requiredWindows(PERIOD).map((w) => [w, { calls: 1000, errors: 0, buckets }] as const));
    const s = evaluateObjective({ kind: 'latency', percentile: 99, thresholdMs: 300, target: 0.99 }, PERIOD, windows);
    expect(s.exact).toBe(true);
    expect(s.sli).toBeCloseTo(0.99, 12);
    expect(s.bad).toBe(10);
    expect(s.budgetRemaining).toBeCloseTo(0, 9);
    for (const p of s.pairs) expect(p.long.burnRate).toBeCloseTo(1, 9);
    expect(s.observedPercentileMs).toBeLessThanOrEqual(100);
    // At a tighter objective the same traffic burns 2x: a ticket, no page.
    const tighter = evaluateObjective({ kind: 'latency', percentile: 99.5, thresholdMs: 300, target: 0.995 }, PERIOD, windows);
    expect(tighter.alerts).toEqual({ fast: false, slow: true });
    expect(tighter.pairs[2]?.long.burnRate).toBeCloseTo(2, 9);
    // 10x pages through the 6h/30m pair (factor 6) but not the 1h/5m one (14.4).
    const tight = evaluateObjective({ kind: 'latency', percentile: 99.9, thresholdMs: 300, target: 0.999 }, PERIOD, windows);
    expect(tight.pairs.map((p) => p.firing)).toEqual([false, true, true]);
    expect(tight.alerts).toEqual({ fast: true, slow: true });
  });

  it('no traffic: SLI unknown, budget untouched, nothing fires', () => {
    const s = evaluateObjective({ kind: 'availability', target: 0.99 }, PERIOD, new Map());
    expect(s).toMatchObject({ sli: null, budgetRemaining: 1, exhaustionS: null, alerts: { fast: false, slow: false } });
  });
});
