import { describe, expect, it } from 'vitest';
import { mannWhitneyU, median, normalCdf, normalUpperTail, twoProportionZTest } from './significance.ts';

describe('normalCdf', () => {
  it('matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 5);
  });

  it('keeps tiny tails instead of rounding them to 0', () => {
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 5);
    const far = normalUpperTail(12);
    expect(far).toBeGreaterThan(0);
    expect(far).toBeLessThan(1e-30);
  });
});

describe('mannWhitneyU', () => {
  it('computes U like scipy.stats.mannwhitneyu on a small worked example', () => {
    // scipy: mannwhitneyu([1,2,3,4,5],[6,7,8,9,10], method='asymptotic') → U=0, p≈0.01193
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(r.u).toBe(0);
    expect(r.pValue).toBeCloseTo(0.0119, 3);
    expect(r.commonLanguageEffect).toBe(0);
  });

  it('handles ties with average ranks and the tie-corrected variance', () => {
    // by hand: ranks 1,3,3,6 → U = 13 − 10 = 3; var = 16/12·(9 − 48/56) = 10.857; z = (5 − ½)/3.295 = 1.366 → p = 0.172
    const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 3, 4]);
    expect(r.u).toBe(3);
    expect(r.pValue).toBeCloseTo(0.172, 3);
  });

  it('finds no difference between two samples of one distribution', () => {
    const a = Array.from({ length: 200 }, (_, i) => (i * 7919) % 1000);
    const b = Array.from({ length: 200 }, (_, i) => (i * 104729 + 13) % 1000);
    expect(mannWhitneyU(a, b).pValue).toBeGreaterThan(0.05);
  });

  it('is 1 for identical constant samples and for an empty side', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5]).pValue).toBe(1);
    expect(mannWhitneyU([], [1, 2]).pValue).toBe(1);
  });
});

describe('twoProportionZTest', () => {
  it('matches the textbook example', () => {
    // 45/100 vs 60/100: z = 2.124, p = 0.0337
    const r = twoProportionZTest(45, 100, 60, 100);
    expect(r.z).toBeCloseTo(2.124, 3);
    expect(r.pValue).toBeCloseTo(0.0337, 3);
  });

  it('is not significant for equal rates', () => {
    expect(twoProportionZTest(10, 1000, 11, 1000).pValue).toBeGreaterThan(0.5);
    expect(twoProportionZTest(0, 100, 0, 100).pValue).toBe(1);
  });
});

describe('median', () => {
  it('interpolates even lengths', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});
