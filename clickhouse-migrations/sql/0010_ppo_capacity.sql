-- Capacity plans written by the analyzer's `capacity` job each round, one row
-- per service and run, so the dashboard can show "forecasts nearing limits"
-- (latest row per service: argMax(..., ComputedAt)) and PPO can later check
-- its time-to-saturation forecasts against what happened.
--
-- A plan is a snapshot, never updated: a plain MergeTree, day partitions and
-- the telemetry retention (plans about data that is gone are noise).
-- Detail holds the limits and model fits as JSON (what the API returns
-- under `limits` and `fits`), for explanation rather than querying.
CREATE TABLE IF NOT EXISTS ppo_capacity (
    ComputedAt DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    WindowStart DateTime CODEC(Delta(4), ZSTD(1)),
    WindowEnd DateTime CODEC(Delta(4), ZSTD(1)),
    HorizonS UInt32,
    CurrentRps Float64,
    SaturationRps Float64,
    HeadroomPct Float64,
    TimeToSaturationS Nullable(Float64),
    TimeToSaturationUpper80S Nullable(Float64),
    ReplicasNow UInt32,
    ReplicasNeeded UInt32,
    CpuUtilization Nullable(Float64),
    MemoryUtilization Nullable(Float64),
    Confidence Float64,
    Method LowCardinality(String),
    Detail String CODEC(ZSTD(3))
) ENGINE = MergeTree
PARTITION BY toDate(ComputedAt)
ORDER BY (ServiceName, ComputedAt)
TTL toDateTime(ComputedAt) + toIntervalDay({{RETENTION_DAYS}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;
