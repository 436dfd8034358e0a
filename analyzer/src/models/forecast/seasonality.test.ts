import { describe, expect, it } from 'vitest';
import { candidatePeriods, detectSeasonalPeriods, seasonalIndices, seasonalTrend } from './seasonality.ts';

const noise = (() => {
  let s = 42;
  return (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
})();

describe('seasonality', () => {
  it('derives daily and weekly periods from the step', () => {
    expect(candidatePeriods(300_000)).toEqual([288, 2016]);
    expect(candidatePeriods(3_600_000)).toEqual([24, 168]);
    expect(candidatePeriods(86_400_000)).toEqual([7]);
    expect(candidatePeriods(60_000, [12])).toEqual([12, 1440, 10080]);
  });

  it('detects a daily season only with two full days of history', () => {
    const y = Float64Array.from({ length: 24 * 5 }, (_, t) => 10 * Math.sin((2 * Math.PI * t) / 24) + noise());
    expect(detectSeasonalPeriods(y, 3_600_000)[0]?.period).toBe(24);
    expect(detectSeasonalPeriods(y.subarray(0, 40), 3_600_000)).toEqual([]);
  });

  it('finds no season in white noise', () => {
    const y = Float64Array.from({ length: 24 * 20 }, () => noise());
    expect(detectSeasonalPeriods(y, 3_600_000)).toEqual([]);
  });

  it('seasonal indices recover an additive pattern and a moving average removes it', () => {
    const pattern = [3, -1, -2, 0];
    const y = Float64Array.from({ length: 40 }, (_, t) => 100 + 0.5 * t + (pattern[t % 4] as number));
    const idx = seasonalIndices(y, 4, 'A');
    expect(Array.from(idx ?? []).map((v) => Number(v.toFixed(6)))).toEqual(pattern);
    const tr = seasonalTrend(y, 4);
    expect(tr[10]).toBeCloseTo(105, 9);
    expect(Number.isNaN(tr[0])).toBe(true);
  });
});
