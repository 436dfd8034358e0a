import { describe, expect, it } from 'vitest';
import { bucketEdges, bucketOf, bucketOfStart, countAtOrUnder, LATENCY_BUCKET_BOUNDS_NS, MAX_LATENCY_THRESHOLD_MS, OVERFLOW_BUCKET, quantileFromBuckets } from './latency-buckets.ts';

const MS = 1e6;

describe('latency buckets', () => {
  it('are increasing, at most 33 % apart, and include the round SLO thresholds', () => {
    for (let i = 1; i < LATENCY_BUCKET_BOUNDS_NS.length; i++) {
      const ratio = (LATENCY_BUCKET_BOUNDS_NS[i] ?? 0) / (LATENCY_BUCKET_BOUNDS_NS[i - 1] ?? 1);
      expect(ratio).toBeGreaterThan(1);
      expect(ratio).toBeLessThanOrEqual(4 / 3 + 1e-9);
    }
    for (const ms of [1, 5, 10, 50, 100, 200, 250, 300, 400, 500, 750, 1000, 2000, 2500, 5000]) {
      expect(LATENCY_BUCKET_BOUNDS_NS).toContain(ms * MS);
    }
    expect(MAX_LATENCY_THRESHOLD_MS).toBe(750_000);
  });

  it('puts a duration equal to a bound in that bound\'s bucket (upper bound inclusive)', () => {
    const i = LATENCY_BUCKET_BOUNDS_NS.indexOf(300 * MS);
    expect(bucketOf(300 * MS)).toBe(i + 1);
    expect(bucketOf(300 * MS + 1)).toBe(i + 2);
    expect(bucketOf(0)).toBe(1);
    expect(bucketOf(1e15)).toBe(OVERFLOW_BUCKET);
    expect(bucketEdges(i + 2)).toEqual([300 * MS, 400 * MS]);
    // The rollup stores a bucket by its lower edge.
    expect(bucketOfStart(0)).toBe(1);
    expect(bucketOfStart(300 * MS)).toBe(i + 2);
    expect(bucketOfStart(750_000 * MS)).toBe(OVERFLOW_BUCKET);
  });

  it('counts exactly at a bound and interpolates between bounds', () => {
    // 100 requests: 60 in (250, 300] ms, 40 in (300, 400] ms.
    const counts = new Map([
      [bucketOf(280 * MS), 60],
      [bucketOf(350 * MS), 40],
    ]);
    expect(countAtOrUnder(counts, 300)).toEqual({ total: 100, good: 60, exact: true });
    expect(countAtOrUnder(counts, 400)).toEqual({ total: 100, good: 100, exact: true });
    expect(countAtOrUnder(counts, 250)).toEqual({ total: 100, good: 0, exact: true });
    const mid = countAtOrUnder(counts, 350);
    expect(mid.exact).toBe(false);
    // log(350/300)/log(400/300) = 0.536 of the 40.
    expect(mid.good).toBeCloseTo(60 + 40 * (Math.log(350 / 300) / Math.log(400 / 300)), 9);
  });

  it('estimates quantiles within the bucket that holds them', () => {
    const counts = new Map([
      [bucketOf(90 * MS), 50],
      [bucketOf(450 * MS), 50],
    ]);
    const p50 = quantileFromBuckets(counts, 0.5);
    expect(p50).toBeGreaterThan(75);
    expect(p50).toBeLessThanOrEqual(100);
    const p99 = quantileFromBuckets(counts, 0.99) ?? 0;
    expect(p99).toBeGreaterThan(400);
    expect(p99).toBeLessThanOrEqual(500);
    expect(quantileFromBuckets(new Map(), 0.5)).toBeUndefined();
  });
});
