/**
 * The otel_logs row as one Native block: a column builder per field of
 * `TABLE_COLUMNS.otel_logs`, in that order (Body after the resource/scope
 * block, as the TSV writers put it), typed as migration 0003 declares them
 * (native-block.test.ts checks the types against system.columns). The
 * MATERIALIZED `__otel_materialized_*` columns are the engine's to fill.
 */
import { TABLE_COLUMNS } from './columns.ts';
import { Fixed64Column, LowCardinalityColumn, MapColumn, namedColumnsBlock, StringColumn, UInt8Column, type NativeBlock } from './native-block.ts';

export interface OtelLogsColumns {
  readonly Timestamp: Fixed64Column;
  readonly TraceId: StringColumn;
  readonly SpanId: StringColumn;
  readonly TraceFlags: UInt8Column;
  readonly SeverityText: LowCardinalityColumn;
  readonly SeverityNumber: UInt8Column;
  readonly ServiceName: LowCardinalityColumn;
  readonly ResourceSchemaUrl: LowCardinalityColumn;
  readonly ResourceAttributes: MapColumn;
  readonly ScopeSchemaUrl: LowCardinalityColumn;
  readonly ScopeName: StringColumn;
  readonly ScopeVersion: LowCardinalityColumn;
  readonly ScopeAttributes: MapColumn;
  readonly Body: StringColumn;
  readonly LogAttributes: MapColumn;
  readonly EventName: StringColumn;
}

const MAP = 'Map(LowCardinality(String), String)';

/** ClickHouse type of each otel_logs column, spelled as `SELECT ... FORMAT Native` writes it. */
export const OTEL_LOGS_NATIVE_TYPES: Readonly<Record<keyof OtelLogsColumns, string>> = {
  Timestamp: 'DateTime64(9)',
  TraceId: 'String',
  SpanId: 'String',
  TraceFlags: 'UInt8',
  SeverityText: 'LowCardinality(String)',
  SeverityNumber: 'UInt8',
  ServiceName: 'LowCardinality(String)',
  ResourceSchemaUrl: 'LowCardinality(String)',
  ResourceAttributes: MAP,
  ScopeSchemaUrl: 'LowCardinality(String)',
  ScopeName: 'String',
  ScopeVersion: 'LowCardinality(String)',
  ScopeAttributes: MAP,
  Body: 'String',
  LogAttributes: MAP,
  EventName: 'String',
};

/** A fresh block for otel_logs rows and its columns by name; reuse it across requests with block.reset(). */
export function createOtelLogsBlock(): { block: NativeBlock; columns: OtelLogsColumns } {
  const columns: OtelLogsColumns = {
    Timestamp: new Fixed64Column(),
    TraceId: new StringColumn(),
    SpanId: new StringColumn(),
    TraceFlags: new UInt8Column(),
    SeverityText: new LowCardinalityColumn(),
    SeverityNumber: new UInt8Column(),
    ServiceName: new LowCardinalityColumn(),
    ResourceSchemaUrl: new LowCardinalityColumn(),
    ResourceAttributes: new MapColumn(),
    ScopeSchemaUrl: new LowCardinalityColumn(),
    ScopeName: new StringColumn(),
    ScopeVersion: new LowCardinalityColumn(),
    ScopeAttributes: new MapColumn(),
    // Bodies are the bulk of a log row: start big enough for a typical request.
    Body: new StringColumn(64 * 1024),
    LogAttributes: new MapColumn(),
    EventName: new StringColumn(),
  };
  return { block: namedColumnsBlock('otel_logs', TABLE_COLUMNS.otel_logs, columns, OTEL_LOGS_NATIVE_TYPES), columns };
}
