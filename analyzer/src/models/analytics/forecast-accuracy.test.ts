import { describe, expect, it } from 'vitest';
import { forecastAccuracy, type ForecastOutcomePoint } from './forecast-accuracy.ts';

const pt = (t: number, value: number, actual: number, band = 1, service = 'a', metric = 'rate'): ForecastOutcomePoint => ({
  service,
  metric,
  issuedAtMs: 0,
  t,
  value,
  lower80: value - band,
  upper80: value + band,
  actual,
});

describe('forecastAccuracy', () => {
  it('is perfect for exact forecasts', () => {
    const pts = [pt(0, 1, 1), pt(60, 2, 2), pt(120, 3, 3)];
    const [m] = forecastAccuracy(pts);
    expect(m).toMatchObject({ metric: 'rate', points: 3, series: 1, forecasts: 1, mase: 0, smape: 0, accuracy: 1, coverage80: 1 });
  });

  it('scales errors by the naive one-step change: a forecast as bad as "last value" scores 1', () => {
    // Actuals 0,1,2,3: naive error 1 per step; forecasting each value one too low (the naive forecast) → MASE 1.
    const pts = [pt(0, -1, 0), pt(60, 0, 1), pt(120, 1, 2), pt(180, 2, 3)];
    const [m] = forecastAccuracy(pts);
    expect(m?.mase).toBe(1);
  });

  it('counts interval coverage and sMAPE per point', () => {
    const pts = [pt(0, 10, 10, 1), pt(60, 10, 20, 1)];
    const [m] = forecastAccuracy(pts);
    expect(m?.coverage80).toBe(0.5);
    // sMAPE: (0 + 2·10/30) / 2 = 1/3
    expect(m?.smape).toBeCloseTo(1 / 3, 4);
    expect(m?.accuracy).toBeCloseTo(1 - 1 / 6, 4);
  });

  it('keeps metrics apart and gives null MASE on a flat actual series', () => {
    const pts = [pt(0, 1, 5, 1, 'a', 'latency_p95'), pt(60, 1, 5, 1, 'a', 'latency_p95'), pt(0, 1, 1, 1, 'b', 'rate'), pt(60, 2, 2, 1, 'b', 'rate')];
    const ms = forecastAccuracy(pts);
    expect(ms.map((m) => m.metric)).toEqual(['latency_p95', 'rate']);
    expect(ms[0]?.mase).toBeNull();
    expect(ms[0]?.coverage80).toBe(0);
  });
});
