import { describe, expect, it } from 'vitest';
import { rollingOrigins, scoreForecast } from './backtest.ts';

describe('rollingOrigins', () => {
  it('places origins as the NAB forecast protocol does', () => {
    // first = floor(0.8·4032) = 3225, last = 4032 − 12 = 4020.
    const o = rollingOrigins(4032, 12, 10);
    expect(o).toHaveLength(10);
    expect(o[0]).toBe(3225);
    expect(o[9]).toBe(4020);
    expect(o[1]).toBe(3225 + Math.round(795 / 9));
    expect(rollingOrigins(10, 12, 10)).toEqual([]);
  });
});

describe('scoreForecast', () => {
  it('computes MASE against the in-sample naive error, sMAPE and coverage', () => {
    const p = (value: number, lo: number, hi: number) => ({ value, lower80: lo, upper80: hi, lower95: lo - 1, upper95: hi + 1 });
    // Naive in-sample MAE: mean(|2−1|, |4−2|) = 1.5.
    const s = scoreForecast([1, 2, 4], [5, 0], [p(4, 3, 6), p(0, -1, -0.5)]);
    expect(s?.mase).toBeCloseTo(0.5 / 1.5, 12);
    // sMAPE: (2/9 + 0 [both zero]) / 2.
    expect(s?.smape).toBeCloseTo(1 / 9, 12);
    expect(s?.coverage80).toBe(0.5);
    expect(scoreForecast([3, 3, 3], [3], [p(3, 2, 4)])?.mase).toBeNull();
  });
});
