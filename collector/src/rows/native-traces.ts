/**
 * The otel_traces row as one Native block: a column builder per field of
 * `TABLE_COLUMNS.otel_traces`, in that order, typed as the table declares
 * them (migrations 0001 + 0007; native-block.test.ts checks the types
 * against system.columns). Nested columns appear as Native sees them:
 * `Events.Name Array(LowCardinality(String))`, ...
 */
import { TABLE_COLUMNS } from './columns.ts';
import {
  ArrayColumn,
  Fixed64Column,
  LowCardinalityColumn,
  MapColumn,
  namedColumnsBlock,
  StringColumn,
  type NativeBlock,
} from './native-block.ts';

export interface OtelTracesColumns {
  readonly Timestamp: Fixed64Column;
  readonly TraceId: StringColumn;
  readonly SpanId: StringColumn;
  readonly ParentSpanId: StringColumn;
  readonly TraceState: StringColumn;
  readonly SpanName: LowCardinalityColumn;
  readonly SpanKind: LowCardinalityColumn;
  readonly ServiceName: LowCardinalityColumn;
  readonly ResourceAttributes: MapColumn;
  readonly ScopeName: StringColumn;
  readonly ScopeVersion: StringColumn;
  readonly ScopeAttributes: MapColumn;
  readonly SpanAttributes: MapColumn;
  readonly Duration: Fixed64Column;
  readonly StatusCode: LowCardinalityColumn;
  readonly StatusMessage: StringColumn;
  readonly 'Events.Timestamp': ArrayColumn<Fixed64Column>;
  readonly 'Events.Name': ArrayColumn<LowCardinalityColumn>;
  readonly 'Events.Attributes': ArrayColumn<MapColumn>;
  readonly 'Links.TraceId': ArrayColumn<StringColumn>;
  readonly 'Links.SpanId': ArrayColumn<StringColumn>;
  readonly 'Links.TraceState': ArrayColumn<StringColumn>;
  readonly 'Links.Attributes': ArrayColumn<MapColumn>;
}

const MAP = 'Map(LowCardinality(String), String)';

/** ClickHouse type of each otel_traces column, spelled as `SELECT ... FORMAT Native` writes it. */
export const OTEL_TRACES_NATIVE_TYPES: Readonly<Record<keyof OtelTracesColumns, string>> = {
  Timestamp: 'DateTime64(9)',
  TraceId: 'String',
  SpanId: 'String',
  ParentSpanId: 'String',
  TraceState: 'String',
  SpanName: 'LowCardinality(String)',
  SpanKind: 'LowCardinality(String)',
  ServiceName: 'LowCardinality(String)',
  ResourceAttributes: MAP,
  ScopeName: 'String',
  ScopeVersion: 'String',
  ScopeAttributes: MAP,
  SpanAttributes: MAP,
  Duration: 'UInt64',
  StatusCode: 'LowCardinality(String)',
  StatusMessage: 'String',
  'Events.Timestamp': 'Array(DateTime64(9))',
  'Events.Name': 'Array(LowCardinality(String))',
  'Events.Attributes': `Array(${MAP})`,
  'Links.TraceId': 'Array(String)',
  'Links.SpanId': 'Array(String)',
  'Links.TraceState': 'Array(String)',
  'Links.Attributes': `Array(${MAP})`,
};

/** A fresh block for otel_traces rows and its columns by name; reuse it across requests with block.reset(). */
export function createOtelTracesBlock(): { block: NativeBlock; columns: OtelTracesColumns } {
  const columns: OtelTracesColumns = {
    Timestamp: new Fixed64Column(),
    TraceId: new StringColumn(),
    SpanId: new StringColumn(),
    ParentSpanId: new StringColumn(),
    TraceState: new StringColumn(),
    SpanName: new LowCardinalityColumn(),
    SpanKind: new LowCardinalityColumn(),
    ServiceName: new LowCardinalityColumn(),
    ResourceAttributes: new MapColumn(),
    ScopeName: new StringColumn(),
    ScopeVersion: new StringColumn(),
    ScopeAttributes: new MapColumn(),
    SpanAttributes: new MapColumn(),
    Duration: new Fixed64Column(),
    StatusCode: new LowCardinalityColumn(),
    StatusMessage: new StringColumn(),
    'Events.Timestamp': new ArrayColumn(new Fixed64Column()),
    'Events.Name': new ArrayColumn(new LowCardinalityColumn()),
    'Events.Attributes': new ArrayColumn(new MapColumn()),
    'Links.TraceId': new ArrayColumn(new StringColumn()),
    'Links.SpanId': new ArrayColumn(new StringColumn()),
    'Links.TraceState': new ArrayColumn(new StringColumn()),
    'Links.Attributes': new ArrayColumn(new MapColumn()),
  };
  return { block: namedColumnsBlock('otel_traces', TABLE_COLUMNS.otel_traces, columns, OTEL_TRACES_NATIVE_TYPES), columns };
}
