/**
 * Fixed latency buckets of the per-minute histogram rollups
 * (clickhouse-migrations/sql/0015_ppo_latency_histograms.sql).
 *
 * Why buckets and not the t-digest states of 0006: a latency SLI is the share
 * of requests at or under a threshold, a count, and a digest answers "what is
 * p99" well but "how many requests were <= 300 ms" only as an estimate of its
 * inverse CDF. Bucket counts add up exactly across minutes, services and
 * windows, so any threshold that is a bucket edge is answered exactly from
 * ~10 rows per minute instead of scanning 30 days of raw spans.
 *
 * The edges are 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 times each power of ten
 * from 0.01 ms to 750 s: roughly log-spaced (neighbouring edges differ by 20-33 %,
 * so an in-between threshold is off by at most a fraction of one bucket) and
 * they include the round thresholds SLOs are written with (50, 100, 200, 250,
 * 300, 400, 500 ms, 1 s, 2.5 s ...), which are then exact.
 */

const MANTISSAS = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5] as const;

/** Upper bounds (inclusive) of buckets 1..80, in ns; bucket 81 is everything above the last. */
export const LATENCY_BUCKET_BOUNDS_NS: readonly number[] = (() => {
  const out: number[] = [];
  // 10^4 ns = 0.01 ms up to 7.5 * 10^11 ns = 750 s.
  for (let exp = 4; exp <= 11; exp++) for (const m of MANTISSAS) out.push(Math.round(m * 10 ** exp));
  return out;
})();

/** Index of the bucket above the last bound. */
export const OVERFLOW_BUCKET = LATENCY_BUCKET_BOUNDS_NS.length + 1;

/** The largest threshold an SLO may use: the last finite bound. */
export const MAX_LATENCY_THRESHOLD_MS = (LATENCY_BUCKET_BOUNDS_NS[LATENCY_BUCKET_BOUNDS_NS.length - 1] ?? 0) / 1e6;

/** The bucket a duration falls in (1-based, as ClickHouse's arrayFirstIndex numbers them). */
export function bucketOf(durationNs: number): number {
  // Binary search for the first bound >= duration.
  let lo = 0;
  let hi = LATENCY_BUCKET_BOUNDS_NS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((LATENCY_BUCKET_BOUNDS_NS[mid] ?? Infinity) >= durationNs) hi = mid;
    else lo = mid + 1;
  }
  return lo + 1;
}

/**
 * The bucket whose lower edge (exclusive) is `startNs`, as the rollup stores
 * it (BucketStartNs): 0 is bucket 1, bound k (0-based) is bucket k + 2.
 */
export function bucketOfStart(startNs: number): number {
  // Any duration just above the edge lands in that bucket.
  return bucketOf(startNs + 1);
}

/** Lower and upper edge of a bucket in ns (bucket 1 starts at 0; the overflow bucket ends at Infinity). */
export function bucketEdges(bucket: number): [lower: number, upper: number] {
  const lower = bucket <= 1 ? 0 : (LATENCY_BUCKET_BOUNDS_NS[bucket - 2] ?? Infinity);
  const upper = bucket > LATENCY_BUCKET_BOUNDS_NS.length ? Infinity : (LATENCY_BUCKET_BOUNDS_NS[bucket - 1] ?? Infinity);
  return [lower, upper];
}

export interface ThresholdCount {
  total: number;
  /** Requests at or under the threshold. */
  good: number;
  /** True when the threshold is a bucket edge (then `good` is an exact count). */
  exact: boolean;
}

/**
 * Requests at or under `thresholdMs` from bucket counts (bucket index → count).
 * A threshold between two edges takes the share of its bucket under it by
 * log-linear interpolation (latency is spread evenly on a log scale within a
 * narrow bucket far better than linearly); bucket 1 starts at 0 and is linear.
 */
export function countAtOrUnder(counts: ReadonlyMap<number, number>, thresholdMs: number): ThresholdCount {
  const thresholdNs = thresholdMs * 1e6;
  const home = bucketOf(thresholdNs);
  const [lower, upper] = bucketEdges(home);
  const exact = upper === thresholdNs;
  let total = 0;
  let good = 0;
  for (const [bucket, n] of counts) {
    total += n;
    if (bucket < home || (bucket === home && exact)) good += n;
    else if (bucket === home && upper !== Infinity) {
      const share = lower === 0 ? thresholdNs / upper : Math.log(thresholdNs / lower) / Math.log(upper / lower);
      good += n * Math.min(1, Math.max(0, share));
    }
  }
  return { total, good, exact };
}

/**
 * The q-quantile (0..1) of the counted durations in ms, interpolated within its
 * bucket the same way; undefined without data. Values in the overflow bucket
 * report the last finite bound (a lower limit).
 */
export function quantileFromBuckets(counts: ReadonlyMap<number, number>, q: number): number | undefined {
  const entries = [...counts].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (const [bucket, n] of entries) {
    if (below + n >= rank) {
      const [lower, upper] = bucketEdges(bucket);
      if (upper === Infinity) return lower / 1e6;
      const f = n === 0 ? 1 : Math.min(1, Math.max(0, (rank - below) / n));
      const ns = lower === 0 ? f * upper : lower * (upper / lower) ** f;
      return ns / 1e6;
    }
    below += n;
  }
  const last = entries[entries.length - 1];
  return last ? bucketEdges(last[0])[1] / 1e6 : undefined;
}
