-- PPO extension of the contrib otel_traces schema: the instrumentation scope's
-- attributes, which the contrib exporter drops. Trace search matches tags on
-- them (Jaeger's storage tests do). Additive with a default, so contrib
-- exporters writing to this table (they name their columns) keep working.
ALTER TABLE otel_traces ADD COLUMN IF NOT EXISTS ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)) AFTER ScopeVersion;
