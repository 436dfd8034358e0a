import { describe, expect, it } from 'vitest';
import { linearTrendForecast, theilSen } from './demand-forecast.ts';
import { seededRandom } from './testing/queue-simulation.ts';

describe('theilSen', () => {
  it('keeps the slope of a line through 20% gross outliers and gaps', () => {
    const rand = seededRandom(11);
    const values = Array.from({ length: 200 }, (_, i) => (i % 17 === 3 ? NaN : i % 5 === 0 ? 1000 : 10 + 0.5 * i + rand()));
    const fit = theilSen(values)!;
    expect(fit.slope).toBeCloseTo(0.5, 2);
    expect(fit.intercept).toBeCloseTo(10.5, 0);
  });
});

describe('linearTrendForecast', () => {
  it('extrapolates the trend with 80% intervals that widen with the horizon and cover ~80%', () => {
    const rand = seededRandom(5);
    const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const series = Array.from({ length: 400 }, (_, i) => 100 + 0.2 * i + 5 * gauss());
    const history = series.slice(0, 300);
    const out = linearTrendForecast(history, 60_000, 100);
    expect(out).toHaveLength(100);
    expect(out[99]!.value).toBeCloseTo(100 + 0.2 * 399, -1);
    const width = (p: { value: number; upper80: number }): number => p.upper80 - p.value;
    expect(width(out[99]!)).toBeGreaterThan(width(out[0]!));
    const covered = out.filter((p, h) => series[300 + h]! <= p.upper80 && series[300 + h]! >= p.lower80!).length;
    expect(covered).toBeGreaterThan(65);
    expect(covered).toBeLessThan(95);
  });

  it('holds the last value when there is too little to fit', () => {
    expect(linearTrendForecast([NaN, 7], 60_000, 2)).toEqual([
      { value: 7, lower80: 7, upper80: 7 },
      { value: 7, lower80: 7, upper80: 7 },
    ]);
  });
});
