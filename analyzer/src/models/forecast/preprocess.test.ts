import { describe, expect, it } from 'vitest';
import { huberClean, interpolateGaps } from './preprocess.ts';

describe('interpolateGaps', () => {
  it('fills inner gaps linearly and the ends with the nearest value', () => {
    expect(Array.from(interpolateGaps([null, 1, null, null, 4, null]) ?? [])).toEqual([1, 1, 2, 3, 4, 4]);
    expect(interpolateGaps([null, null])).toBeNull();
  });
});

describe('huberClean', () => {
  it('pulls an isolated spike in and leaves a lasting shift alone', () => {
    const y = Float64Array.from({ length: 60 }, (_, t) => (t < 40 ? 10 : 20) + (t % 3) * 0.1);
    y[15] = 100;
    const { cleaned, clipped } = huberClean(y);
    expect(clipped).toBe(1);
    expect(cleaned[15]).toBeLessThan(11);
    for (let t = 41; t < 60; t++) expect(cleaned[t]).toBe(y[t]);
  });
});
