-- Per-minute latency histograms with error counts, the input of SLO monitors
-- (analyzer/src/models/slo/). A latency SLI is "share of requests at or under
-- a threshold": a count. The t-digest states of 0006 estimate quantiles well
-- but a count under an arbitrary threshold only as the digest's inverse CDF,
-- and raw countIf(Duration <= t) over 30 days of otel_traces is a full scan.
-- Fixed bucket counts add up exactly over minutes and windows, so a threshold
-- at a bucket edge is answered exactly from a few rows per minute.
--
-- BucketStartNs: the bucket's lower edge (exclusive, ns): a span is in the
-- bucket (BucketStartNs, next bound], found as roundDown(Duration - 1, edges),
-- a binary search; an arrayFirstIndex lambda over the same list measured ~10x
-- slower on 5 M durations (ingest pays for this on every span). 0 is the first
-- bucket (0, 0.01 ms]; 750 s the last, everything above it.
-- Bounds: 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 x 10^k from 0.01 ms to 750 s,
-- log-spaced within 20-33 % and hitting the round thresholds SLOs use. The
-- same list is LATENCY_BUCKET_BOUNDS_NS in analyzer/src/models/slo/latency-buckets.ts
-- (a test checks they match).
-- Count  requests in the bucket; Errors  of which StatusCode 'Error', so the
-- error-rate and availability SLIs come from the same rows and the same period.
--
-- Which spans count: as in 0006 (service: entry spans; operation: every span
-- per ServiceName, SpanName, SpanKind).
--
-- Retention: SLO periods are up to 90 days, longer than telemetry is usually
-- kept, and these rows are small (~10-20 per service and minute), so they are
-- kept for at least 92 days, longer when PPO_RETENTION_DAYS is longer.
-- The views count spans inserted after this migration; there is no backfill
-- (a backfill racing the live view would count some spans twice).
CREATE TABLE IF NOT EXISTS ppo_slo_hist_1m_service (
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    BucketStartNs UInt64 CODEC(T64, ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
    Errors SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (ServiceName, Minute, BucketStartNs)
TTL Minute + toIntervalDay(greatest({{RETENTION_DAYS}}, 92))
SETTINGS index_granularity = 8192;

CREATE MATERIALIZED VIEW IF NOT EXISTS ppo_slo_hist_1m_service_mv
TO ppo_slo_hist_1m_service
AS SELECT
    toStartOfMinute(toDateTime(Timestamp)) AS Minute,
    ServiceName,
    roundDown(toUInt64(greatest(Duration, 1) - 1), [0, 10000, 12500, 15000, 20000, 25000, 30000, 40000, 50000, 60000, 75000, 100000, 125000, 150000, 200000, 250000, 300000, 400000, 500000, 600000, 750000, 1000000, 1250000, 1500000, 2000000, 2500000, 3000000, 4000000, 5000000, 6000000, 7500000, 10000000, 12500000, 15000000, 20000000, 25000000, 30000000, 40000000, 50000000, 60000000, 75000000, 100000000, 125000000, 150000000, 200000000, 250000000, 300000000, 400000000, 500000000, 600000000, 750000000, 1000000000, 1250000000, 1500000000, 2000000000, 2500000000, 3000000000, 4000000000, 5000000000, 6000000000, 7500000000, 10000000000, 12500000000, 15000000000, 20000000000, 25000000000, 30000000000, 40000000000, 50000000000, 60000000000, 75000000000, 100000000000, 125000000000, 150000000000, 200000000000, 250000000000, 300000000000, 400000000000, 500000000000, 600000000000, 750000000000]) AS BucketStartNs,
    toUInt64(count()) AS Count,
    toUInt64(countIf(StatusCode = 'Error')) AS Errors
FROM otel_traces
WHERE SpanKind IN ('Server', 'Consumer') OR ParentSpanId = ''
GROUP BY Minute, ServiceName, BucketStartNs;

CREATE TABLE IF NOT EXISTS ppo_slo_hist_1m_operation (
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    BucketStartNs UInt64 CODEC(T64, ZSTD(1)),
    Count SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1)),
    Errors SimpleAggregateFunction(sum, UInt64) CODEC(T64, ZSTD(1))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (ServiceName, SpanName, SpanKind, Minute, BucketStartNs)
TTL Minute + toIntervalDay(greatest({{RETENTION_DAYS}}, 92))
SETTINGS index_granularity = 8192;

CREATE MATERIALIZED VIEW IF NOT EXISTS ppo_slo_hist_1m_operation_mv
TO ppo_slo_hist_1m_operation
AS SELECT
    toStartOfMinute(toDateTime(Timestamp)) AS Minute,
    ServiceName,
    SpanName,
    SpanKind,
    roundDown(toUInt64(greatest(Duration, 1) - 1), [0, 10000, 12500, 15000, 20000, 25000, 30000, 40000, 50000, 60000, 75000, 100000, 125000, 150000, 200000, 250000, 300000, 400000, 500000, 600000, 750000, 1000000, 1250000, 1500000, 2000000, 2500000, 3000000, 4000000, 5000000, 6000000, 7500000, 10000000, 12500000, 15000000, 20000000, 25000000, 30000000, 40000000, 50000000, 60000000, 75000000, 100000000, 125000000, 150000000, 200000000, 250000000, 300000000, 400000000, 500000000, 600000000, 750000000, 1000000000, 1250000000, 1500000000, 2000000000, 2500000000, 3000000000, 4000000000, 5000000000, 6000000000, 7500000000, 10000000000, 12500000000, 15000000000, 20000000000, 25000000000, 30000000000, 40000000000, 50000000000, 60000000000, 75000000000, 100000000000, 125000000000, 150000000000, 200000000000, 250000000000, 300000000000, 400000000000, 500000000000, 600000000000, 750000000000]) AS BucketStartNs,
    toUInt64(count()) AS Count,
    toUInt64(countIf(StatusCode = 'Error')) AS Errors
FROM otel_traces
GROUP BY Minute, ServiceName, SpanName, SpanKind, BucketStartNs;
