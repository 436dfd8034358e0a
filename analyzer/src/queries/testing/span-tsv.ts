/**
 * otel_traces rows as TabSeparated, in the column order of the collector's
 * `TABLE_COLUMNS.otel_traces`, for tests and benchmarks that need spans in
 * chDB without going through OTLP. Only what the analyzer reads is variable;
 * the rest is fixed, empty or default.
 */

import { TABLE_COLUMNS } from '@ppo/collector';
// The collector's own TSV escaping, reached by path: this is a test helper, not package surface.
import { MapLiteral, tsvString } from '../../../../collector/src/rows/tsv.ts';

const COLUMNS = TABLE_COLUMNS.otel_traces;

export interface SpanRowInput {
  /** Unix ns, 19 digits (ClickHouse reads a 19-digit integer as DateTime64(9) ticks). */
  readonly startNs: bigint;
  readonly durationNs: bigint | number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** Contrib exporter names: Server, Client, Internal, Producer, Consumer, Unspecified. */
  readonly kind?: string;
  readonly service: string;
  readonly status?: 'Unset' | 'Ok' | 'Error';
  readonly attributes?: Readonly<Record<string, string>>;
  /** Extra resource attributes (service.version, ...); service.name is always set. */
  readonly resource?: Readonly<Record<string, string>>;
}

export function mapLiteral(attrs: Readonly<Record<string, string>> | undefined): string {
  const m = new MapLiteral();
  for (const k in attrs ?? {}) m.add(k, (attrs as Record<string, string>)[k] as string);
  return m.toString();
}

/** One TSV line (with its newline), fields placed by column name so it follows TABLE_COLUMNS. */
export function spanTsvRow(s: SpanRowInput): string {
  const values: Record<string, string> = {
    Timestamp: s.startNs.toString(),
    TraceId: s.traceId,
    SpanId: s.spanId,
    ParentSpanId: s.parentSpanId ?? '',
    SpanName: tsvString(s.name),
    SpanKind: s.kind ?? 'Internal',
    ServiceName: tsvString(s.service),
    ResourceAttributes: mapLiteral({ ...s.resource, 'service.name': s.service }),
    ScopeName: 'ppo-test',
    ScopeVersion: '1.0.0',
    SpanAttributes: mapLiteral(s.attributes),
    Duration: s.durationNs.toString(),
    StatusCode: s.status ?? 'Unset',
  };
  return COLUMNS.map((c) => values[c] ?? (c.includes('.') ? '[]' : c.endsWith('Attributes') ? '{}' : '')).join('\t') + '\n';
}
