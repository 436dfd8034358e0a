-- PPO retries an INSERT after a crash or a timeout with the same
-- insert_deduplication_token, so a batch that already landed must not land
-- twice. Replicated tables deduplicate by default; plain MergeTree (chDB, a
-- single server) only within this window of recent blocks. The window only
-- has to cover the inserts that can be in flight across one restart.
-- Idempotent: MODIFY SETTING to the same value is a no-op.
ALTER TABLE otel_traces MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_logs MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_metrics_gauge MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_metrics_sum MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_metrics_histogram MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_metrics_exponential_histogram MODIFY SETTING non_replicated_deduplication_window = 1000;
ALTER TABLE otel_metrics_summary MODIFY SETTING non_replicated_deduplication_window = 1000;
