-- Forecasts issued by the analyzer's forecast job: one row per (service,
-- metric, issue, forecast step). Each round issues a new set instead of
-- replacing the last one, so what was predicted at IssuedAt can later be
-- compared with what happened at T (measured forecast accuracy); readers
-- wanting the current forecast take the latest IssuedAt per (ServiceName, Metric):
--   SELECT ... FROM ppo_forecasts
--   WHERE (ServiceName, Metric, IssuedAt) IN
--     (SELECT ServiceName, Metric, max(IssuedAt) FROM ppo_forecasts GROUP BY ServiceName, Metric)
--
-- Metric: 'rate' (calls/s), 'error_rate' (0..1), 'latency_p95' (ms), from the
-- RED rollups; other metric names may be added by later jobs.
-- Value/Lower80/Upper80/Lower95/Upper95: point forecast and prediction bands.
-- Backtest*: rolling-origin accuracy of the same model settings on the same
-- series at issue time (NULL when the history was too short to backtest).
CREATE TABLE IF NOT EXISTS ppo_forecasts (
    IssuedAt DateTime64(3) CODEC(Delta(8), ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Metric LowCardinality(String) CODEC(ZSTD(1)),
    T DateTime CODEC(Delta(4), ZSTD(1)),
    StepSeconds UInt32 CODEC(ZSTD(1)),
    Model LowCardinality(String) CODEC(ZSTD(1)),
    Value Float64 CODEC(ZSTD(1)),
    Lower80 Float64 CODEC(ZSTD(1)),
    Upper80 Float64 CODEC(ZSTD(1)),
    Lower95 Float64 CODEC(ZSTD(1)),
    Upper95 Float64 CODEC(ZSTD(1)),
    TrainingPoints UInt32 CODEC(ZSTD(1)),
    BacktestMase Nullable(Float64) CODEC(ZSTD(1)),
    BacktestSmape Nullable(Float64) CODEC(ZSTD(1)),
    BacktestCoverage80 Nullable(Float64) CODEC(ZSTD(1))
) ENGINE = MergeTree
PARTITION BY toDate(IssuedAt)
ORDER BY (ServiceName, Metric, IssuedAt, T)
TTL toDateTime(IssuedAt) + toIntervalDay({{RETENTION_DAYS}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;
