-- The learning loop (issue #8).
--
-- ppo_deployments: changes whose effect PPO measures: a new service.version
-- first seen in otel_traces (Source 'service.version', At = that version's
-- first span), or `POST /api/ppo/events {type: "deploy"}` (Source 'api').
-- One row per (service, version); Status pending → measured | insufficient
-- as the outcome job gets to it (ReplacingMergeTree on Version, read FINAL).
-- retention: none (never expires: PPO's track record outlives the telemetry)
CREATE TABLE IF NOT EXISTS ppo_deployments (
    ServiceName LowCardinality(String),
    DeployVersion String,
    At DateTime64(9),
    Source LowCardinality(String),
    Status LowCardinality(String),
    Verdict LowCardinality(String),
    Detail String,
    CreatedAt DateTime64(3),
    MeasuredAt Nullable(DateTime64(3)),
    Version UInt64
) ENGINE = ReplacingMergeTree(Version)
ORDER BY (ServiceName, DeployVersion);

-- ppo_outcomes: every measurement, append-only (a recommendation's latest one
-- is also copied into its record): the per-kind track record and the
-- confidence calibration read it.
-- retention: none (never expires: PPO's track record outlives the telemetry)
CREATE TABLE IF NOT EXISTS ppo_outcomes (
    MeasuredAt DateTime64(3),
    RecommendationId String,
    ServiceName LowCardinality(String),
    Operation String,
    Kind LowCardinality(String),
    Verdict LowCardinality(String),
    Metric LowCardinality(String),
    Before Float64,
    After Float64,
    ChangePct Float64,
    PValue Float64,
    DeployVersion String,
    Trigger LowCardinality(String),
    Detail String CODEC(ZSTD(3))
) ENGINE = MergeTree
ORDER BY (Kind, RecommendationId, MeasuredAt);
