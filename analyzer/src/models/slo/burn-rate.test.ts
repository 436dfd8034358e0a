import { describe, expect, it } from 'vitest';
import { budgetConsumed, burnRate, DAY_S, detectionTimeS, HOUR_S, timeToExhaustionS, windowPairs } from './burn-rate.ts';

const PERIOD_30D = 30 * DAY_S;

describe('burn rate (SRE workbook ch. 5)', () => {
  // Workbook table "Burn rates and time to complete budget exhaustion" for a 99.9 % SLO over 30 days.
  it.each([
    [1, 0.001, 30 * DAY_S],
    [2, 0.002, 15 * DAY_S],
    [10, 0.01, 3 * DAY_S],
    [1000, 1, 43.2 * 60],
  ])('burn rate %d is an error ratio of %d and exhausts the budget in %d s', (rate, errorRatio, exhaustion) => {
    expect(burnRate(errorRatio * 100_000, 100_000, 0.999)).toBeCloseTo(rate, 9);
    expect(timeToExhaustionS(rate, PERIOD_30D)).toBeCloseTo(exhaustion, 6);
  });

  it('no traffic burns nothing and never exhausts', () => {
    expect(burnRate(0, 0, 0.999)).toBe(0);
    expect(timeToExhaustionS(0, PERIOD_30D)).toBe(Infinity);
  });

  it('the recommended pairs spend 2 % in 1 h, 5 % in 6 h and 10 % in 3 d of a 30 d budget', () => {
    const pairs = windowPairs(PERIOD_30D);
    expect(pairs.map((p) => [p.name, p.severity, p.factor])).toEqual([
      ['1h/5m', 'fast', 14.4],
      ['6h/30m', 'fast', 6],
      ['3d/6h', 'slow', 1],
    ]);
    for (const p of pairs) expect(budgetConsumed(p.factor, p.longS, PERIOD_30D)).toBeCloseTo(p.budgetShare, 9);
  });

  it('detection time of a full outage: 36 h window at burn 1 alerts after 2 min 10 s (workbook approach 2)', () => {
    expect(detectionTimeS(1, 0.999, 36 * HOUR_S, 1)).toBeCloseTo(129.6, 6);
    // And the 1 h / 14.4 page fires 52 s into a full outage of a 99.9 % SLO.
    expect(detectionTimeS(1, 0.999, HOUR_S, 14.4)).toBeCloseTo(51.84, 6);
    // A 1.44 % error ratio (exactly burn 14.4) needs the whole hour.
    expect(detectionTimeS(0.0144, 0.999, HOUR_S, 14.4)).toBeCloseTo(HOUR_S, 6);
  });

  it('scales the factors to other periods by the same budget share, never below 1', () => {
    const week = windowPairs(7 * DAY_S);
    expect(week.map((p) => p.factor)).toEqual([3.36, 1.4, 1]);
    const quarter = windowPairs(90 * DAY_S);
    expect(quarter.map((p) => p.factor)).toEqual([43.2, 18, 3]);
    // 10 % of a 28 d budget in 3 d is burn 0.93: floored to 1, since burning slower than 1 meets the SLO.
    expect(windowPairs(28 * DAY_S)[2]?.factor).toBe(1);
    // A long window longer than the period is cut to it.
    expect(windowPairs(2 * DAY_S).map((p) => [p.name, p.longS, p.shortS])).toEqual([
      ['1h/5m', HOUR_S, 300],
      ['6h/30m', 6 * HOUR_S, 1800],
      ['2d/4h', 2 * DAY_S, 4 * HOUR_S],
    ]);
  });
});
