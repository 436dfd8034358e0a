-- SLO monitors (POST /api/ppo/monitor-performance), their latest evaluated
-- status with the alert state the SLO job compares against, and a log of alert
-- transitions (issue #8).
--
-- A monitor is identified by (ServiceName, Operation); Operation '' means the
-- service's entry spans. Objectives are stored as the JSON the API accepted
-- (the TS model validates them; ClickHouse only keeps them). Mutable records:
-- ReplacingMergeTree(Version), read with FINAL. Version is unix ms of the write.
-- retention: none (monitors are configuration: kept until deleted)
CREATE TABLE IF NOT EXISTS ppo_slo_monitors (
    MonitorId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Operation String CODEC(ZSTD(1)),
    Objectives String CODEC(ZSTD(1)),
    Window LowCardinality(String) CODEC(ZSTD(1)),
    CreatedAt DateTime64(3) CODEC(Delta(8), ZSTD(1)),
    UpdatedAt DateTime64(3) CODEC(Delta(8), ZSTD(1)),
    Deleted UInt8 DEFAULT 0,
    Version UInt64
) ENGINE = ReplacingMergeTree(Version)
ORDER BY (ServiceName, Operation);

-- One row per monitor: the status of its last evaluation (JSON, as the API
-- returns it) and which alerts were firing then ("<objective key>|fast"), so a
-- restarted SLO job publishes transitions, not every firing alert again.
-- retention: none (one row per monitor, replaced on every evaluation)
CREATE TABLE IF NOT EXISTS ppo_slo_status (
    MonitorId String CODEC(ZSTD(1)),
    EvaluatedAt DateTime64(3) CODEC(Delta(8), ZSTD(1)),
    Firing Array(String) CODEC(ZSTD(1)),
    Status String CODEC(ZSTD(1)),
    Version UInt64
) ENGINE = ReplacingMergeTree(Version)
ORDER BY MonitorId;

-- Every alert that started or stopped firing, for dashboards and audits.
CREATE TABLE IF NOT EXISTS ppo_slo_alerts (
    At DateTime64(3) CODEC(Delta(8), ZSTD(1)),
    MonitorId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Operation String CODEC(ZSTD(1)),
    ObjectiveKey String CODEC(ZSTD(1)),
    Severity LowCardinality(String) CODEC(ZSTD(1)),
    State LowCardinality(String) CODEC(ZSTD(1)),
    Detail String CODEC(ZSTD(1))
) ENGINE = MergeTree
PARTITION BY toDate(At)
ORDER BY (ServiceName, At)
TTL toDateTime(At) + toIntervalDay({{RETENTION_DAYS}})
SETTINGS ttl_only_drop_parts = 1;
