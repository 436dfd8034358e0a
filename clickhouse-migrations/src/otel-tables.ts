/**
 * The telemetry data tables of the OpenTelemetry Collector contrib
 * clickhouseexporter schema, one per signal / metric point type. Writers and
 * readers name tables through this list so a rename shows up as a type error.
 * The trace-id lookup (`otel_traces_trace_id_ts`) and its view are derived
 * from `otel_traces` and nobody writes to them, so they are not listed here.
 */
export const OTEL_TABLES = [
  'otel_traces',
  'otel_logs',
  'otel_metrics_gauge',
  'otel_metrics_sum',
  'otel_metrics_histogram',
  'otel_metrics_exponential_histogram',
  'otel_metrics_summary',
] as const;

export type OtelTable = (typeof OTEL_TABLES)[number];
