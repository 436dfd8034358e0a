/**
 * otel_traces rows as TabSeparated, in the column order of the collector's
 * `TABLE_COLUMNS.otel_traces`, for tests and benchmarks that need spans in
 * chDB without going through OTLP. Only what the analyzer reads is variable;
 * the rest is fixed, empty or default.
 */

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
}

// Inside a Map literal values are single-quoted; tab/newline must not reach the TSV raw.
function quote(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\t/g, '\\t').replace(/\n/g, '\\n') + "'";
}

function field(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

export function mapLiteral(attrs: Readonly<Record<string, string>> | undefined): string {
  if (attrs === undefined) return '{}';
  const parts: string[] = [];
  for (const k in attrs) parts.push(quote(k) + ':' + quote(attrs[k] as string));
  return '{' + parts.join(',') + '}';
}

/** One TSV line (with its newline). */
export function spanTsvRow(s: SpanRowInput): string {
  return (
    s.startNs.toString() + '\t' +
    s.traceId + '\t' +
    s.spanId + '\t' +
    (s.parentSpanId ?? '') + '\t' +
    '\t' + // TraceState
    field(s.name) + '\t' +
    (s.kind ?? 'Internal') + '\t' +
    field(s.service) + '\t' +
    "{'service.name':" + quote(s.service) + '}\t' +
    'ppo-test\t' +
    '1.0.0\t' +
    mapLiteral(s.attributes) + '\t' +
    s.durationNs.toString() + '\t' +
    (s.status ?? 'Unset') + '\t' +
    '\t' + // StatusMessage
    '[]\t[]\t[]\t[]\t[]\t[]\t[]\n'
  );
}
