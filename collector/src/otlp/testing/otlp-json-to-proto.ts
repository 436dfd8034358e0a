/**
 * Test-only OTLP/JSON → protobuf encoder, driven by a field table, so the
 * fixtures and hand-written edge cases can be fed to both decoders. Field
 * numbers follow shared/fixtures/otlp-fields.md; output is canonical (field
 * order, packed repeated scalars) unless `options` ask otherwise.
 */

type Scalar =
  | 'string' | 'hex' | 'base64' | 'bool' | 'int32' | 'uint32' | 'sint32'
  | 'int64' | 'uint64' | 'fixed32' | 'fixed64' | 'sfixed64' | 'double';

interface FieldSpec {
  no: number;
  key: string;
  type: Scalar | string; // a Scalar or a message name
  repeated?: boolean;
}

const f = (no: number, key: string, type: Scalar | string, repeated = false): FieldSpec => ({ no, key, type, repeated });

const SCHEMA: Record<string, FieldSpec[]> = {
  TracesRequest: [f(1, 'resourceSpans', 'ResourceSpans', true)],
  MetricsRequest: [f(1, 'resourceMetrics', 'ResourceMetrics', true)],
  LogsRequest: [f(1, 'resourceLogs', 'ResourceLogs', true)],
  Resource: [f(1, 'attributes', 'KeyValue', true), f(2, 'droppedAttributesCount', 'uint32')],
  Scope: [f(1, 'name', 'string'), f(2, 'version', 'string'), f(3, 'attributes', 'KeyValue', true), f(4, 'droppedAttributesCount', 'uint32')],
  KeyValue: [f(1, 'key', 'string'), f(2, 'value', 'AnyValue')],
  AnyValue: [
    f(1, 'stringValue', 'string'), f(2, 'boolValue', 'bool'), f(3, 'intValue', 'int64'), f(4, 'doubleValue', 'double'),
    f(5, 'arrayValue', 'ArrayValue'), f(6, 'kvlistValue', 'KeyValueList'), f(7, 'bytesValue', 'base64'),
  ],
  ArrayValue: [f(1, 'values', 'AnyValue', true)],
  KeyValueList: [f(1, 'values', 'KeyValue', true)],
  ResourceSpans: [f(1, 'resource', 'Resource'), f(2, 'scopeSpans', 'ScopeSpans', true), f(3, 'schemaUrl', 'string')],
  ScopeSpans: [f(1, 'scope', 'Scope'), f(2, 'spans', 'Span', true), f(3, 'schemaUrl', 'string')],
  Span: [
    f(1, 'traceId', 'hex'), f(2, 'spanId', 'hex'), f(3, 'traceState', 'string'), f(4, 'parentSpanId', 'hex'),
    f(5, 'name', 'string'), f(6, 'kind', 'int32'), f(7, 'startTimeUnixNano', 'fixed64'), f(8, 'endTimeUnixNano', 'fixed64'),
    f(9, 'attributes', 'KeyValue', true), f(10, 'droppedAttributesCount', 'uint32'), f(11, 'events', 'Event', true),
    f(12, 'droppedEventsCount', 'uint32'), f(13, 'links', 'Link', true), f(14, 'droppedLinksCount', 'uint32'),
    f(15, 'status', 'Status'), f(16, 'flags', 'fixed32'),
  ],
  Event: [f(1, 'timeUnixNano', 'fixed64'), f(2, 'name', 'string'), f(3, 'attributes', 'KeyValue', true), f(4, 'droppedAttributesCount', 'uint32')],
  Link: [
    f(1, 'traceId', 'hex'), f(2, 'spanId', 'hex'), f(3, 'traceState', 'string'), f(4, 'attributes', 'KeyValue', true),
    f(5, 'droppedAttributesCount', 'uint32'), f(6, 'flags', 'fixed32'),
  ],
  Status: [f(2, 'message', 'string'), f(3, 'code', 'int32')],
  ResourceLogs: [f(1, 'resource', 'Resource'), f(2, 'scopeLogs', 'ScopeLogs', true), f(3, 'schemaUrl', 'string')],
  ScopeLogs: [f(1, 'scope', 'Scope'), f(2, 'logRecords', 'LogRecord', true), f(3, 'schemaUrl', 'string')],
  LogRecord: [
    f(1, 'timeUnixNano', 'fixed64'), f(2, 'severityNumber', 'int32'), f(3, 'severityText', 'string'), f(5, 'body', 'AnyValue'),
    f(6, 'attributes', 'KeyValue', true), f(7, 'droppedAttributesCount', 'uint32'), f(8, 'flags', 'fixed32'),
    f(9, 'traceId', 'hex'), f(10, 'spanId', 'hex'), f(11, 'observedTimeUnixNano', 'fixed64'), f(12, 'eventName', 'string'),
  ],
  ResourceMetrics: [f(1, 'resource', 'Resource'), f(2, 'scopeMetrics', 'ScopeMetrics', true), f(3, 'schemaUrl', 'string')],
  ScopeMetrics: [f(1, 'scope', 'Scope'), f(2, 'metrics', 'Metric', true), f(3, 'schemaUrl', 'string')],
  Metric: [
    f(1, 'name', 'string'), f(2, 'description', 'string'), f(3, 'unit', 'string'), f(5, 'gauge', 'Gauge'), f(7, 'sum', 'Sum'),
    f(9, 'histogram', 'Histogram'), f(10, 'exponentialHistogram', 'ExponentialHistogram'), f(11, 'summary', 'Summary'),
    f(12, 'metadata', 'KeyValue', true),
  ],
  Gauge: [f(1, 'dataPoints', 'NumberDataPoint', true)],
  Sum: [f(1, 'dataPoints', 'NumberDataPoint', true), f(2, 'aggregationTemporality', 'int32'), f(3, 'isMonotonic', 'bool')],
  Histogram: [f(1, 'dataPoints', 'HistogramDataPoint', true), f(2, 'aggregationTemporality', 'int32')],
  ExponentialHistogram: [f(1, 'dataPoints', 'ExponentialHistogramDataPoint', true), f(2, 'aggregationTemporality', 'int32')],
  Summary: [f(1, 'dataPoints', 'SummaryDataPoint', true)],
  NumberDataPoint: [
    f(2, 'startTimeUnixNano', 'fixed64'), f(3, 'timeUnixNano', 'fixed64'), f(4, 'asDouble', 'double'), f(5, 'exemplars', 'Exemplar', true),
    f(6, 'asInt', 'sfixed64'), f(7, 'attributes', 'KeyValue', true), f(8, 'flags', 'uint32'),
  ],
  HistogramDataPoint: [
    f(2, 'startTimeUnixNano', 'fixed64'), f(3, 'timeUnixNano', 'fixed64'), f(4, 'count', 'fixed64'), f(5, 'sum', 'double'),
    f(6, 'bucketCounts', 'fixed64', true), f(7, 'explicitBounds', 'double', true), f(8, 'exemplars', 'Exemplar', true),
    f(9, 'attributes', 'KeyValue', true), f(10, 'flags', 'uint32'), f(11, 'min', 'double'), f(12, 'max', 'double'),
  ],
  ExponentialHistogramDataPoint: [
    f(1, 'attributes', 'KeyValue', true), f(2, 'startTimeUnixNano', 'fixed64'), f(3, 'timeUnixNano', 'fixed64'),
    f(4, 'count', 'fixed64'), f(5, 'sum', 'double'), f(6, 'scale', 'sint32'), f(7, 'zeroCount', 'fixed64'),
    f(8, 'positive', 'Buckets'), f(9, 'negative', 'Buckets'), f(10, 'flags', 'uint32'), f(11, 'exemplars', 'Exemplar', true),
    f(12, 'min', 'double'), f(13, 'max', 'double'), f(14, 'zeroThreshold', 'double'),
  ],
  Buckets: [f(1, 'offset', 'sint32'), f(2, 'bucketCounts', 'uint64', true)],
  SummaryDataPoint: [
    f(2, 'startTimeUnixNano', 'fixed64'), f(3, 'timeUnixNano', 'fixed64'), f(4, 'count', 'fixed64'), f(5, 'sum', 'double'),
    f(6, 'quantileValues', 'ValueAtQuantile', true), f(7, 'attributes', 'KeyValue', true), f(8, 'flags', 'uint32'),
  ],
  ValueAtQuantile: [f(1, 'quantile', 'double'), f(2, 'value', 'double')],
  Exemplar: [
    f(2, 'timeUnixNano', 'fixed64'), f(3, 'asDouble', 'double'), f(4, 'spanId', 'hex'), f(5, 'traceId', 'hex'),
    f(6, 'asInt', 'sfixed64'), f(7, 'filteredAttributes', 'KeyValue', true),
  ],
};

export interface EncodeOptions {
  /** Write messages' fields in reverse order (proto allows any order). */
  reverseFields?: boolean;
  /** Write repeated scalars unpacked. */
  unpacked?: boolean;
}

class Writer {
  bytes: number[] = [];
  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
  }
  tag(no: number, wire: number): void {
    this.varint(BigInt((no << 3) | wire));
  }
  fixed(v: bigint, n: number): void {
    let x = BigInt.asUintN(n * 8, v);
    for (let i = 0; i < n; i++) {
      this.bytes.push(Number(x & 0xffn));
      x >>= 8n;
    }
  }
  double(v: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.bytes.push(...b);
  }
  len(payload: number[] | Uint8Array): void {
    this.varint(BigInt(payload.length));
    for (const b of payload) this.bytes.push(b);
  }
}

function toNumber(v: unknown): number {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

function scalarWire(t: Scalar): number {
  switch (t) {
    case 'fixed64': case 'sfixed64': case 'double': return 1;
    case 'fixed32': return 5;
    case 'string': case 'hex': case 'base64': return 2;
    default: return 0;
  }
}

/** Enum names the JSON decoders accept leniently, by value. */
const ENUM_VALUES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5, STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2,
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0, AGGREGATION_TEMPORALITY_DELTA: 1, AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
  SEVERITY_NUMBER_INFO: 9, SEVERITY_NUMBER_ERROR: 17,
};

function integer(v: unknown): bigint {
  if (typeof v === 'string' && v in ENUM_VALUES) return BigInt(ENUM_VALUES[v]!);
  return BigInt(v as string | number);
}

function writeScalarValue(w: Writer, t: Scalar, v: unknown): void {
  switch (t) {
    case 'bool': w.varint(v ? 1n : 0n); break;
    case 'int32': case 'uint32': case 'int64': case 'uint64': w.varint(integer(v)); break;
    case 'sint32': {
      const n = Number(v);
      w.varint(BigInt(((n << 1) ^ (n >> 31)) >>> 0));
      break;
    }
    case 'fixed32': w.fixed(BigInt(v as string | number), 4); break;
    case 'fixed64': case 'sfixed64': w.fixed(BigInt(v as string | number), 8); break;
    case 'double': w.double(toNumber(v)); break;
    case 'string': w.len(Buffer.from(v as string, 'utf8')); break;
    case 'hex': w.len(Buffer.from(v as string, 'hex')); break;
    case 'base64': w.len(Buffer.from(v as string, 'base64')); break;
  }
}

function isScalar(t: string): t is Scalar {
  return !(t in SCHEMA);
}

function encodeMessage(type: string, obj: Record<string, unknown>, opts: EncodeOptions): number[] {
  const w = new Writer();
  const specs = SCHEMA[type];
  if (!specs) throw new Error(`unknown message ${type}`);
  const ordered = opts.reverseFields ? [...specs].reverse() : specs;
  for (const spec of ordered) {
    const v = obj[spec.key];
    if (v === undefined || v === null) continue;
    const values = spec.repeated ? (v as unknown[]) : [v];
    if (isScalar(spec.type)) {
      const t = spec.type;
      const wire = scalarWire(t);
      if (spec.repeated && wire !== 2 && !opts.unpacked) {
        if (values.length === 0) continue;
        const inner = new Writer();
        for (const x of values) writeScalarValue(inner, t, x);
        w.tag(spec.no, 2);
        w.len(inner.bytes);
      } else {
        for (const x of values) {
          w.tag(spec.no, wire);
          writeScalarValue(w, t, x);
        }
      }
    } else {
      for (const x of values) {
        w.tag(spec.no, 2);
        w.len(encodeMessage(spec.type, x as Record<string, unknown>, opts));
      }
    }
  }
  return w.bytes;
}

export type RequestKind = 'TracesRequest' | 'MetricsRequest' | 'LogsRequest';

/** Encodes a parsed OTLP/JSON request body (camelCase keys) as protobuf. */
export function otlpJsonToProto(kind: RequestKind, json: unknown, opts: EncodeOptions = {}): Uint8Array {
  return Uint8Array.from(encodeMessage(kind, json as Record<string, unknown>, opts));
}
