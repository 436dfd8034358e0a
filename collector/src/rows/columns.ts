import type { OtelTable } from './table-batch.ts';

/**
 * The columns each decoder writes, in TSV field order. Inserts name these
 * columns explicitly, so the order is ours; it follows the contrib
 * clickhouseexporter's INSERT statements, except that otel_logs moves `Body`
 * after the resource/scope block so those seven fields can be emitted as one
 * precomputed string per scope.
 */

const TRACES = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  // PPO extension: the contrib exporter drops scope attributes; search needs them (migration 0007).
  'ScopeAttributes',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const;

const LOGS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'TraceFlags',
  'SeverityText',
  'SeverityNumber',
  'ServiceName',
  'ResourceSchemaUrl',
  'ResourceAttributes',
  'ScopeSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'Body',
  'LogAttributes',
  'EventName',
] as const;

/** Resource, scope and metric identity: identical for every point of one metric. */
const METRIC_PREFIX = [
  'ResourceAttributes',
  'ResourceSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'ScopeDroppedAttrCount',
  'ScopeSchemaUrl',
  'ServiceName',
  'MetricName',
  'MetricDescription',
  'MetricUnit',
  'Attributes',
  'StartTimeUnix',
  'TimeUnix',
] as const;

const EXEMPLARS = [
  'Exemplars.FilteredAttributes',
  'Exemplars.TimeUnix',
  'Exemplars.Value',
  'Exemplars.SpanId',
  'Exemplars.TraceId',
] as const;

export const TABLE_COLUMNS: Readonly<Record<OtelTable, readonly string[]>> = {
  otel_traces: TRACES,
  otel_logs: LOGS,
  otel_metrics_gauge: [...METRIC_PREFIX, 'Value', 'Flags', ...EXEMPLARS],
  otel_metrics_sum: [...METRIC_PREFIX, 'Value', 'Flags', ...EXEMPLARS, 'AggregationTemporality', 'IsMonotonic'],
  otel_metrics_histogram: [
    ...METRIC_PREFIX,
    'Count',
    'Sum',
    'BucketCounts',
    'ExplicitBounds',
    ...EXEMPLARS,
    'Flags',
    'Min',
    'Max',
    'AggregationTemporality',
  ],
  otel_metrics_exponential_histogram: [
    ...METRIC_PREFIX,
    'Count',
    'Sum',
    'Scale',
    'ZeroCount',
    'PositiveOffset',
    'PositiveBucketCounts',
    'NegativeOffset',
    'NegativeBucketCounts',
    ...EXEMPLARS,
    'Flags',
    'Min',
    'Max',
    'AggregationTemporality',
  ],
  otel_metrics_summary: [
    ...METRIC_PREFIX,
    'Count',
    'Sum',
    'ValueAtQuantiles.Quantile',
    'ValueAtQuantiles.Value',
    'Flags',
  ],
};
