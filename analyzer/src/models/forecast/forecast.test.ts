import { describe, expect, it } from 'vitest';
import { backtestForecast } from './backtest.ts';
import { forecastSeries, MIN_FORECAST_POINTS } from './forecast.ts';

/** Deterministic normal noise (mulberry32 + Box–Muller) so every run sees the same series. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const HOUR = 3_600_000;
const MIN5 = 300_000;

describe('forecastSeries', () => {
  it('recovers a known daily season at an hourly step', () => {
    const noise = gaussian(1);
    const signal = (t: number): number => 50 + 10 * Math.sin((2 * Math.PI * t) / 24) + 4 * Math.cos((2 * Math.PI * t) / 8);
    const n = 24 * 14;
    const values = Array.from({ length: n }, (_, t) => signal(t) + noise());
    const fc = forecastSeries({ values, stepMs: HOUR, horizon: 24 });
    expect(fc.model).toMatch(/\[24\]$/);
    expect(fc.seasonalPeriod).toBe(24);
    const mae = fc.points.reduce((s, p, h) => s + Math.abs(p.value - signal(n + h)), 0) / 24;
    // Noise σ is 1; a forecast that missed the season would be off by ~7 on average.
    expect(mae).toBeLessThan(1.2);
  });

  it('finds a multiplicative daily season at 5-minute steps (288 states) and beats the naive forecast', () => {
    const noise = gaussian(2);
    const level = (t: number): number => 200 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 288));
    const n = 288 * 4;
    const values = Array.from({ length: n }, (_, t) => level(t) * (1 + 0.03 * noise()));
    const fc = forecastSeries({ values, stepMs: MIN5, horizon: 72 });
    expect(fc.seasonalPeriod).toBe(288);
    const err = fc.points.reduce((s, p, h) => s + Math.abs(p.value - level(n + h)), 0) / 72;
    const naiveErr = Array.from({ length: 72 }, (_, h) => Math.abs((values[n - 1] as number) - level(n + h))).reduce((a, b) => a + b) / 72;
    expect(err).toBeLessThan(naiveErr / 3);
  });

  it('AICc picks a trend model on a trending series and no trend on a level one', () => {
    const noise = gaussian(3);
    const trending = Array.from({ length: 300 }, (_, t) => 10 + 0.5 * t + noise());
    const fc = forecastSeries({ values: trending, stepMs: 60_000, horizon: 10 });
    expect(fc.model).toMatch(/^ETS\(A,Ad?,N\)$/);
    const bestEts = fc.candidates.find((c) => c.model.startsWith('ETS'));
    expect(bestEts?.model).toMatch(/^ETS\(A,Ad?,N\)$/);
    // The forecast keeps climbing.
    expect((fc.points[9] as { value: number }).value).toBeGreaterThan(10 + 0.5 * 300);

    const flat = Array.from({ length: 300 }, () => 10 + noise());
    const fl = forecastSeries({ values: flat, stepMs: 60_000, horizon: 10 });
    expect(fl.model).not.toMatch(/^ETS\(A,A,/);
    for (const p of fl.points) expect(Math.abs(p.value - 10)).toBeLessThan(0.8);
  });

  it('prediction intervals widen with the horizon and nest (95 % around 80 % around the point)', () => {
    const noise = gaussian(4);
    let x = 100;
    const values = Array.from({ length: 2000 }, () => (x += noise()));
    const fc = forecastSeries({ values, stepMs: 60_000, horizon: 30 });
    let prev = 0;
    for (const p of fc.points) {
      expect(p.lower95).toBeLessThanOrEqual(p.lower80);
      expect(p.lower80).toBeLessThanOrEqual(p.value);
      expect(p.value).toBeLessThanOrEqual(p.upper80);
      expect(p.upper80).toBeLessThanOrEqual(p.upper95);
      const w = p.upper95 - p.lower95;
      expect(w).toBeGreaterThanOrEqual(prev);
      prev = w;
    }
    const first = fc.points[0] as { upper80: number; lower80: number };
    const last = fc.points[29] as { upper80: number; lower80: number };
    // A random walk's spread grows like √h: 30 steps out ≈ 5.5 × the first step.
    expect((last.upper80 - last.lower80) / (first.upper80 - first.lower80)).toBeGreaterThan(3.5);
    // Width at h = 1 is about 2 × 1.28 σ for σ = 1.
    expect(first.upper80 - first.lower80).toBeGreaterThan(2);
    expect(first.upper80 - first.lower80).toBeLessThan(3.3);
  });

  it('80 % intervals cover about 80 % of what happens next', () => {
    const noise = gaussian(5);
    let covered = 0;
    let total = 0;
    for (let rep = 0; rep < 40; rep++) {
      const ar: number[] = [];
      let x = 0;
      for (let t = 0; t < 500 + 12; t++) ar.push(20 + (x = 0.7 * x + noise()));
      const fc = forecastSeries({ values: ar.slice(0, 500), stepMs: MIN5, horizon: 12 });
      fc.points.forEach((p, h) => {
        const y = ar[500 + h] as number;
        if (p.lower80 <= y && y <= p.upper80) covered++;
        total++;
      });
    }
    expect(covered / total).toBeGreaterThan(0.72);
    expect(covered / total).toBeLessThan(0.88);
  });

  it('fills gaps before fitting', () => {
    const noise = gaussian(6);
    const signal = (t: number): number => 30 + 8 * Math.sin((2 * Math.PI * t) / 24);
    const values: (number | null)[] = Array.from({ length: 24 * 10 }, (_, t) => signal(t) + 0.5 * noise());
    for (let t = 50; t < 70; t++) values[t] = null;
    for (let t = 0; t < values.length; t += 7) values[t] = null;
    values[values.length - 1] = null;
    const fc = forecastSeries({ values, stepMs: HOUR, horizon: 12 });
    for (const [h, p] of fc.points.entries()) {
      expect(Number.isFinite(p.value)).toBe(true);
      expect(Math.abs(p.value - signal(values.length + h))).toBeLessThan(2.5);
    }
  });

  it('is not dragged by outliers, even one in the last training value', () => {
    const noise = gaussian(7);
    const values = Array.from({ length: 400 }, () => 50 + noise());
    for (const t of [40, 90, 91, 200, 333]) values[t] = 500;
    values[399] = 900;
    const fc = forecastSeries({ values, stepMs: 60_000, horizon: 5 });
    expect(fc.outliersClipped).toBeGreaterThanOrEqual(6);
    for (const p of fc.points) expect(Math.abs(p.value - 50)).toBeLessThan(3);
  });

  it('follows a level shift that persists (not an outlier)', () => {
    const noise = gaussian(8);
    const values = Array.from({ length: 400 }, (_, t) => (t < 370 ? 50 : 80) + noise());
    const fc = forecastSeries({ values, stepMs: 60_000, horizon: 5 });
    for (const p of fc.points) expect(Math.abs(p.value - 80)).toBeLessThan(3);
  });

  it('forecasts exactly 0 for a mostly idle series that is idle now, with the bursts inside the 95 % band', () => {
    const noise = gaussian(11);
    // Idle (0) except a 5-step burst every 60 steps.
    const values = Array.from({ length: 2000 }, (_, t) => (t % 60 < 5 ? 1e6 * (1 + 0.2 * noise()) : 0));
    const fc = forecastSeries({ values: values.slice(0, 1990), stepMs: 60_000, horizon: 5 });
    for (const p of fc.points) {
      expect(p.value).toBe(0);
      expect(p.lower95).toBe(0);
    }
    // In a burst the series is not on its point mass: the model's forecast stands.
    const inBurst = forecastSeries({ values: values.slice(0, 1982), stepMs: 60_000, horizon: 2 });
    expect(inBurst.points[0]?.value).toBeGreaterThan(0);
  });

  it('refuses unusable input with a RangeError naming the minimum', () => {
    expect(() => forecastSeries({ values: [1, 2, 3], stepMs: 1000, horizon: 2 })).toThrow(new RegExp(`at least ${MIN_FORECAST_POINTS}`));
    expect(() => forecastSeries({ values: Array(50).fill(null), stepMs: 1000, horizon: 2 })).toThrow(RangeError);
    expect(() => forecastSeries({ values: Array(50).fill(1), stepMs: 1000, horizon: 0 })).toThrow(RangeError);
  });

  it('forecasts a constant series as that constant with zero-width bands', () => {
    const fc = forecastSeries({ values: Array(100).fill(7), stepMs: 60_000, horizon: 3 });
    for (const p of fc.points) {
      expect(p.value).toBeCloseTo(7, 6);
      expect(p.upper95 - p.lower95).toBeLessThan(1e-6);
    }
  });

  it('fits 10,000 points (5-minute step, daily season) well within a second', () => {
    const noise = gaussian(9);
    const values = Array.from({ length: 10_000 }, (_, t) => 100 + 20 * Math.sin((2 * Math.PI * t) / 288) + noise());
    const t0 = performance.now();
    forecastSeries({ values, stepMs: MIN5, horizon: 60 });
    // Loaded 2-core CI: generous bound, the typical time is ~0.2 s.
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('backtestForecast', () => {
  it('scores a season the model can learn far better than the naive scale', () => {
    const noise = gaussian(10);
    const values = Array.from({ length: 24 * 20 }, (_, t) => 40 + 10 * Math.sin((2 * Math.PI * t) / 24) + noise());
    const bt = backtestForecast(values, HOUR, { horizon: 6, origins: 5 });
    expect(bt.origins).toHaveLength(5);
    expect(bt.mase).not.toBeNull();
    expect(bt.mase as number).toBeLessThan(0.9);
    expect(bt.smape as number).toBeLessThan(0.1);
    expect(bt.coverage80 as number).toBeGreaterThan(0.5);
  });
});
