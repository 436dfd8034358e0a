-- otel_traces_trace_id_ts + its materialized view: the exporter's trace-id -> time
-- window lookup (traces_id_ts_lookup_table.sql / traces_id_ts_lookup_mv.sql). A
-- trace-by-id query first reads [Start, End] here, then scans only those days of
-- otel_traces instead of every partition.
-- AggregatingMergeTree with SimpleAggregateFunction columns (as the exporter does)
-- so merges collapse each TraceId to one row with the widest window. Partitioned by
-- week, as the exporter does: the table is small and one row per trace, so daily
-- partitions would only multiply parts.
CREATE TABLE IF NOT EXISTS otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = AggregatingMergeTree
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
TTL toDateTime(Start) + toIntervalDay({{RETENTION_DAYS}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel_traces_trace_id_ts_mv
TO otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
FROM otel_traces
WHERE TraceId != ''
GROUP BY TraceId;
