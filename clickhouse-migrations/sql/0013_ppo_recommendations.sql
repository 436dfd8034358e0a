-- Recommendations (issue #8): one row per finding, id = hash of (service,
-- operation, kind, finding key), so every analysis run that finds it again
-- rewrites the same record. Mutable (status, figures, outcome) → a
-- ReplacingMergeTree on Version (a monotonically increasing write stamp);
-- readers use FINAL. Never expires: the records and their outcomes are PPO's track
-- record, which must outlive the telemetry they were computed from.
--
-- Times: CreatedAt/UpdatedAt are wall clock; ObservedFrom/ObservedTo (the
-- data window of the latest detection) and AppliedAt are data time, so
-- backdated traffic is judged by its own timestamps.
-- Evidence and Outcome are JSON documents ('' = not measured yet).
-- retention: none (never expires: PPO's track record outlives the telemetry)
CREATE TABLE IF NOT EXISTS ppo_recommendations (
    Id String,
    ServiceName LowCardinality(String),
    Operation String,
    Kind LowCardinality(String),
    FindingKey String,
    Source LowCardinality(String),
    Title String,
    Detail String,
    Metric LowCardinality(String),
    CurrentValue Float64,
    ExpectedValue Float64,
    PriorConfidence Float64,
    Confidence Float64,
    Impact Float64,
    Evidence String CODEC(ZSTD(3)),
    Status LowCardinality(String),
    Note String,
    DeployVersion String,
    CreatedAt DateTime64(3),
    UpdatedAt DateTime64(3),
    ObservedFrom DateTime64(9),
    ObservedTo DateTime64(9),
    TimesSeen UInt32,
    AppliedAt Nullable(DateTime64(9)),
    Outcome String CODEC(ZSTD(3)),
    Version UInt64
) ENGINE = ReplacingMergeTree(Version)
ORDER BY Id;
