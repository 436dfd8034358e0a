-- Anomalies the analyzer's anomaly job found on RED and resource series
-- (issue #6 item 2), read by `GET /api/ppo/anomalies`, the dashboard and RCA.
--
-- One row per anomaly and version: every round re-detects over a sliding
-- window and writes the anomalies it sees again with the same AnomalyId and a
-- higher Version (its end, score or status may have moved), so a
-- ReplacingMergeTree keyed by the id keeps one row per anomaly. Readers use
-- FINAL (or argMax by Version). AnomalyId is stable across rounds: the job
-- reuses the id of a stored anomaly of the same series that the new detection
-- overlaps.
--
--   Metric     'rate' | 'error_rate' | 'latency_p50|p95|p99' or an OTLP metric name
--   Kind       'spike' | 'dip' | 'level_shift'
--   Status     'active' (still under way or ended within the last few steps) | 'resolved'
--   Score      peak |residual| in robust standard deviations
--   DetectedAt when PPO first reported it (kept across rounds)
CREATE TABLE IF NOT EXISTS ppo_anomalies (
    AnomalyId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Metric LowCardinality(String) CODEC(ZSTD(1)),
    Kind LowCardinality(String) CODEC(ZSTD(1)),
    Direction LowCardinality(String) CODEC(ZSTD(1)),
    Severity LowCardinality(String) CODEC(ZSTD(1)),
    Status LowCardinality(String) CODEC(ZSTD(1)),
    Start DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    End DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    PeakAt DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    Score Float64 CODEC(ZSTD(1)),
    Actual Float64 CODEC(ZSTD(1)),
    Expected Float64 CODEC(ZSTD(1)),
    DetectedAt DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    UpdatedAt DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    Version UInt64 CODEC(ZSTD(1))
) ENGINE = ReplacingMergeTree(Version)
PARTITION BY toYYYYMM(Start)
ORDER BY (ServiceName, Metric, AnomalyId)
TTL toDateTime(Start) + toIntervalDay({{RETENTION_DAYS}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
