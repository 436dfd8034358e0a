import {
  exponentialHistogramPointRow,
  histogramPointRow,
  metricPrefix,
  metricScopeColumns,
  numberPointRow,
  sumColumns,
  summaryPointRow,
  type ExemplarsText,
} from '../rows/metric-rows.ts';
import { TableBatch, type DecodeResult, type OtelTable } from '../rows/table-batch.ts';
import { dateTimeElement, dateTimeText, float64Text } from '../rows/values.ts';
import { appendAttribute } from './any-value-proto.ts';
import { maxAnyValueDepth, type DecodeLimits } from './decode-limits.ts';
import { walkEnvelope } from './envelope-proto.ts';
import { bytesToHex, idLengthProblem } from './hex-id.ts';
import { ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.ts';
import { Rejections } from './rejections.ts';
import { int64ToNumber, uint64Decimal } from './uint64-decimal.ts';

/** ExportMetricsServiceRequest bytes → otel_metrics_* TSV rows, one per data point. */

const NAMES = { resource: 'resource_metrics', scope: 'scope_metrics', item: 'metrics' };

const METRIC_FIELDS: readonly string[] = [
  '', 'name', 'description', 'unit', '', 'gauge', '', 'sum', '', 'histogram',
  'exponential_histogram', 'summary', 'metadata',
];
const GAUGE_FIELDS: readonly string[] = ['', 'data_points'];
const SUM_FIELDS: readonly string[] = ['', 'data_points', 'aggregation_temporality', 'is_monotonic'];
const HISTOGRAM_FIELDS: readonly string[] = ['', 'data_points', 'aggregation_temporality'];
const NUMBER_POINT_FIELDS: readonly string[] = [
  '', '', 'start_time_unix_nano', 'time_unix_nano', 'as_double', 'exemplars', 'as_int', 'attributes', 'flags',
];
const HISTOGRAM_POINT_FIELDS: readonly string[] = [
  '', '', 'start_time_unix_nano', 'time_unix_nano', 'count', 'sum', 'bucket_counts', 'explicit_bounds',
  'exemplars', 'attributes', 'flags', 'min', 'max',
];
const EXP_HISTOGRAM_POINT_FIELDS: readonly string[] = [
  '', 'attributes', 'start_time_unix_nano', 'time_unix_nano', 'count', 'sum', 'scale', 'zero_count',
  'positive', 'negative', 'flags', 'exemplars', 'min', 'max', 'zero_threshold',
];
const BUCKETS_FIELDS: readonly string[] = ['', 'offset', 'bucket_counts'];
const SUMMARY_POINT_FIELDS: readonly string[] = [
  '', '', 'start_time_unix_nano', 'time_unix_nano', 'count', 'sum', 'quantile_values', 'attributes', 'flags',
];
const QUANTILE_FIELDS: readonly string[] = ['', 'quantile', 'value'];
const EXEMPLAR_FIELDS: readonly string[] = [
  '', '', 'time_unix_nano', 'as_double', 'span_id', 'trace_id', 'as_int', 'filtered_attributes',
];

const KIND_GAUGE = 5;
const KIND_SUM = 7;
const KIND_HISTOGRAM = 9;
const KIND_EXP_HISTOGRAM = 10;
const KIND_SUMMARY = 11;

export const NO_DATA_PROBLEM = 'metric has no data';

/** Where finished points go; one per request. */
interface Sink {
  batch: TableBatch;
  rejections: Rejections;
  accepted: number;
  /** Rejection inherited from the resource or scope ('' if none). */
  inherited: string;
}

export function decodeMetricsProto(buf: Uint8Array, limits?: DecodeLimits): DecodeResult {
  const r = new ProtoReader(buf, maxAnyValueDepth(limits));
  const sink: Sink = { batch: new TableBatch(), rejections: new Rejections('data points'), accepted: 0, inherited: '' };
  walkEnvelope(r, NAMES, (r, end, resource, scope) => {
    const scopeColumns = metricScopeColumns(
      resource.attributes,
      resource.schemaUrl,
      scope.name,
      scope.version,
      scope.attributes,
      scope.droppedAttributesCount,
      scope.schemaUrl,
      resource.serviceName,
    );
    sink.inherited = resource.problem !== '' ? resource.problem : scope.problem;
    let i = 0;
    while (r.pos < end) {
      const wire = r.tag(end);
      if (r.field !== 2) {
        r.skip(end, wire);
        continue;
      }
      const e = r.lenEnd(end, wire);
      r.path.enter('metrics', i++, METRIC_FIELDS);
      decodeMetric(r, e, scopeColumns, sink);
      r.path.leave();
      r.pos = e;
    }
  });
  const { batch, rejections, accepted } = sink;
  return { batch, accepted, rejected: rejections.count, errorMessage: rejections.message() };
}

function decodeMetric(r: ProtoReader, end: number, scopeColumns: string, sink: Sink): void {
  let name = '';
  let description = '';
  let unit = '';
  let kind = 0;
  let dataStart = 0;
  let dataEnd = 0;
  // Data oneof members that a later one replaced (never sent by real exporters).
  let superseded: number[] | undefined;
  while (r.pos < end) {
    const wire = r.tag(end);
    const f = r.field;
    switch (f) {
      case 1:
        name = r.string(end, wire);
        break;
      case 2:
        description = r.string(end, wire);
        break;
      case 3:
        unit = r.string(end, wire);
        break;
      case KIND_GAUGE:
      case KIND_SUM:
      case KIND_HISTOGRAM:
      case KIND_EXP_HISTOGRAM:
      case KIND_SUMMARY:
        if (kind !== 0) (superseded ??= []).push(kind, dataStart, dataEnd);
        dataEnd = r.lenEnd(end, wire);
        dataStart = r.pos;
        r.pos = dataEnd;
        kind = f;
        break;
      case 12:
        if (wire !== WIRE_LEN) throw r.wrongWire(wire, WIRE_LEN);
        r.skip(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  if (kind === 0) {
    sink.rejections.add(NO_DATA_PROBLEM, r.path);
    return;
  }
  const prefix = metricPrefix(scopeColumns, name, description, unit);
  if (superseded) {
    // Proto3 keeps the last member of a oneof, but every member on the wire
    // must still parse (as the collector's generated code does): decode the
    // replaced ones into a sink that is thrown away, so malformed bytes
    // there fail the request instead of slipping through unread.
    const discard: Sink = { batch: new TableBatch(), rejections: new Rejections('data points'), accepted: 0, inherited: '' };
    for (let i = 0; i < superseded.length; i += 3) {
      decodeData(r, superseded[i]!, superseded[i + 1]!, superseded[i + 2]!, prefix, discard);
    }
  }
  decodeData(r, kind, dataStart, dataEnd, prefix, sink);
}

/** The Gauge/Sum/Histogram/ExponentialHistogram/Summary message of `kind` in [dataStart, dataEnd). */
function decodeData(r: ProtoReader, kind: number, dataStart: number, dataEnd: number, prefix: string, sink: Sink): void {
  r.pos = dataStart;
  switch (kind) {
    case KIND_GAUGE:
      r.path.enter('gauge', -1, GAUGE_FIELDS);
      decodePoints(r, dataEnd, kind, prefix, '', 0, sink);
      break;
    case KIND_SUM: {
      r.path.enter('sum', -1, SUM_FIELDS);
      let temporality = 0;
      let monotonic = false;
      while (r.pos < dataEnd) {
        const wire = r.tag(dataEnd);
        if (r.field === 2) temporality = r.uint32(dataEnd, wire) | 0;
        else if (r.field === 3) monotonic = readBool(r, dataEnd, wire);
        else r.skip(dataEnd, wire);
      }
      r.pos = dataStart;
      decodePoints(r, dataEnd, kind, prefix, sumColumns(temporality, monotonic), 0, sink);
      break;
    }
    default: {
      const pathName = kind === KIND_HISTOGRAM ? 'histogram' : kind === KIND_SUMMARY ? 'summary' : 'exponential_histogram';
      r.path.enter(pathName, -1, kind === KIND_SUMMARY ? GAUGE_FIELDS : HISTOGRAM_FIELDS);
      let temporality = 0;
      if (kind !== KIND_SUMMARY) {
        while (r.pos < dataEnd) {
          const wire = r.tag(dataEnd);
          if (r.field === 2) temporality = r.uint32(dataEnd, wire) | 0;
          else r.skip(dataEnd, wire);
        }
        r.pos = dataStart;
      }
      decodePoints(r, dataEnd, kind, prefix, '', temporality, sink);
    }
  }
  r.path.leave();
}

function readBool(r: ProtoReader, end: number, wire: number): boolean {
  if (wire !== WIRE_VARINT) throw r.wrongWire(wire, WIRE_VARINT);
  r.varint64(end);
  return (r.lo | r.hi) !== 0;
}

const TABLES: Record<number, OtelTable> = {
  [KIND_GAUGE]: 'otel_metrics_gauge',
  [KIND_SUM]: 'otel_metrics_sum',
  [KIND_HISTOGRAM]: 'otel_metrics_histogram',
  [KIND_EXP_HISTOGRAM]: 'otel_metrics_exponential_histogram',
  [KIND_SUMMARY]: 'otel_metrics_summary',
};

/** The data_points (field 1) of a Gauge/Sum/Histogram/ExponentialHistogram/Summary. */
function decodePoints(
  r: ProtoReader,
  end: number,
  kind: number,
  prefix: string,
  extra: string,
  temporality: number,
  sink: Sink,
): void {
  const table = TABLES[kind]!;
  let i = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    if (r.field !== 1) {
      r.skip(end, wire);
      continue;
    }
    const e = r.lenEnd(end, wire);
    r.itemError = '';
    let line: string;
    switch (kind) {
      case KIND_GAUGE:
      case KIND_SUM:
        r.path.enter('data_points', i++, NUMBER_POINT_FIELDS);
        line = numberPoint(r, e, prefix, extra);
        break;
      case KIND_HISTOGRAM:
        r.path.enter('data_points', i++, HISTOGRAM_POINT_FIELDS);
        line = histogramPoint(r, e, prefix, temporality);
        break;
      case KIND_EXP_HISTOGRAM:
        r.path.enter('data_points', i++, EXP_HISTOGRAM_POINT_FIELDS);
        line = expHistogramPoint(r, e, prefix, temporality);
        break;
      default:
        r.path.enter('data_points', i++, SUMMARY_POINT_FIELDS);
        line = summaryPoint(r, e, prefix);
    }
    if (sink.inherited !== '') r.reject(sink.inherited);
    if (r.itemError === '') {
      sink.batch.append(table, line);
      sink.accepted++;
    } else {
      sink.rejections.add(r.itemError, r.path);
    }
    r.path.leave();
    r.pos = e;
  }
}

// Time, value, attributes of the point being decoded; one point at a time.
let startNs = '0';
let timeNs = '0';
const ex: ExemplarsText = { attributes: '', times: '', values: '', spanIds: '', traceIds: '' };
let nExemplars = 0;

function resetPoint(): void {
  startNs = timeNs = '0';
  ex.attributes = ex.times = ex.values = ex.spanIds = ex.traceIds = '';
  nExemplars = 0;
}

function numberPoint(r: ProtoReader, end: number, prefix: string, extra: string): string {
  resetPoint();
  let value = '0';
  let attrs = '';
  let nAttrs = 0;
  let flags = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 2:
        r.fixed64(end, wire);
        startNs = uint64Decimal(r.lo, r.hi);
        break;
      case 3:
        r.fixed64(end, wire);
        timeNs = uint64Decimal(r.lo, r.hi);
        break;
      case 4:
        value = float64Text(r.double(end, wire));
        break;
      case 5:
        exemplar(r, end, wire);
        break;
      case 6:
        r.fixed64(end, wire);
        value = float64Text(int64ToNumber(r.lo, r.hi));
        break;
      case 7:
        attrs = appendAttribute(r, end, wire, 'attributes', nAttrs++, attrs);
        break;
      case 8:
        flags = r.uint32(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  return numberPointRow(prefix, '{' + attrs + '}', dateTimeText(startNs), dateTimeText(timeNs), value, flags, ex, extra);
}

function histogramPoint(r: ProtoReader, end: number, prefix: string, temporality: number): string {
  resetPoint();
  let count = '0';
  let sum = '0';
  let min = '0';
  let max = '0';
  let buckets = '';
  let bounds = '';
  let attrs = '';
  let nAttrs = 0;
  let flags = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 2:
        r.fixed64(end, wire);
        startNs = uint64Decimal(r.lo, r.hi);
        break;
      case 3:
        r.fixed64(end, wire);
        timeNs = uint64Decimal(r.lo, r.hi);
        break;
      case 4:
        r.fixed64(end, wire);
        count = uint64Decimal(r.lo, r.hi);
        break;
      case 5:
        sum = float64Text(r.double(end, wire));
        break;
      case 6:
        buckets = appendFixed64s(r, end, wire, buckets);
        break;
      case 7:
        bounds = appendDoubles(r, end, wire, bounds);
        break;
      case 8:
        exemplar(r, end, wire);
        break;
      case 9:
        attrs = appendAttribute(r, end, wire, 'attributes', nAttrs++, attrs);
        break;
      case 10:
        flags = r.uint32(end, wire);
        break;
      case 11:
        min = float64Text(r.double(end, wire));
        break;
      case 12:
        max = float64Text(r.double(end, wire));
        break;
      default:
        r.skip(end, wire);
    }
  }
  return histogramPointRow(
    prefix, '{' + attrs + '}', dateTimeText(startNs), dateTimeText(timeNs), count, sum, buckets, bounds, ex,
    flags, min, max, temporality,
  );
}

function expHistogramPoint(r: ProtoReader, end: number, prefix: string, temporality: number): string {
  resetPoint();
  let count = '0';
  let sum = '0';
  let min = '0';
  let max = '0';
  let scale = 0;
  let zeroCount = '0';
  let attrs = '';
  let nAttrs = 0;
  let flags = 0;
  let posOffset = 0;
  let posCounts = '';
  let negOffset = 0;
  let negCounts = '';
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        attrs = appendAttribute(r, end, wire, 'attributes', nAttrs++, attrs);
        break;
      case 2:
        r.fixed64(end, wire);
        startNs = uint64Decimal(r.lo, r.hi);
        break;
      case 3:
        r.fixed64(end, wire);
        timeNs = uint64Decimal(r.lo, r.hi);
        break;
      case 4:
        r.fixed64(end, wire);
        count = uint64Decimal(r.lo, r.hi);
        break;
      case 5:
        sum = float64Text(r.double(end, wire));
        break;
      case 6:
        scale = zigzag32(r.uint32(end, wire));
        break;
      case 7:
        r.fixed64(end, wire);
        zeroCount = uint64Decimal(r.lo, r.hi);
        break;
      case 8:
      case 9: {
        const positive = r.field === 8;
        const e = r.lenEnd(end, wire);
        r.path.enter(positive ? 'positive' : 'negative', -1, BUCKETS_FIELDS);
        let offset = 0;
        let counts = '';
        while (r.pos < e) {
          const w = r.tag(e);
          const f: number = r.field; // (re-read: the outer switch narrowed r.field)
          if (f === 1) offset = zigzag32(r.uint32(e, w));
          else if (f === 2) counts = appendVarints(r, e, w, counts);
          else r.skip(e, w);
        }
        r.path.leave();
        // A repeated Buckets message merges: offset is last-wins, counts concatenate.
        if (positive) {
          posOffset = offset;
          posCounts = joinList(posCounts, counts);
        } else {
          negOffset = offset;
          negCounts = joinList(negCounts, counts);
        }
        break;
      }
      case 10:
        flags = r.uint32(end, wire);
        break;
      case 11:
        exemplar(r, end, wire);
        break;
      case 12:
        min = float64Text(r.double(end, wire));
        break;
      case 13:
        max = float64Text(r.double(end, wire));
        break;
      case 14:
        r.double(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  return exponentialHistogramPointRow(
    prefix, '{' + attrs + '}', dateTimeText(startNs), dateTimeText(timeNs), count, sum, scale, zeroCount,
    posOffset, posCounts, negOffset, negCounts, ex, flags, min, max, temporality,
  );
}

function summaryPoint(r: ProtoReader, end: number, prefix: string): string {
  resetPoint();
  let count = '0';
  let sum = '0';
  let quantiles = '';
  let values = '';
  let nQuantiles = 0;
  let attrs = '';
  let nAttrs = 0;
  let flags = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 2:
        r.fixed64(end, wire);
        startNs = uint64Decimal(r.lo, r.hi);
        break;
      case 3:
        r.fixed64(end, wire);
        timeNs = uint64Decimal(r.lo, r.hi);
        break;
      case 4:
        r.fixed64(end, wire);
        count = uint64Decimal(r.lo, r.hi);
        break;
      case 5:
        sum = float64Text(r.double(end, wire));
        break;
      case 6: {
        const e = r.lenEnd(end, wire);
        r.path.enter('quantile_values', nQuantiles, QUANTILE_FIELDS);
        let q = 0;
        let v = 0;
        while (r.pos < e) {
          const w = r.tag(e);
          const f: number = r.field; // (re-read: the outer switch narrowed r.field)
          if (f === 1) q = r.double(e, w);
          else if (f === 2) v = r.double(e, w);
          else r.skip(e, w);
        }
        r.path.leave();
        const sep = nQuantiles++ === 0 ? '' : ',';
        quantiles += sep + float64Text(q);
        values += sep + float64Text(v);
        break;
      }
      case 7:
        attrs = appendAttribute(r, end, wire, 'attributes', nAttrs++, attrs);
        break;
      case 8:
        flags = r.uint32(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  return summaryPointRow(
    prefix, '{' + attrs + '}', dateTimeText(startNs), dateTimeText(timeNs), count, sum, quantiles, values, flags,
  );
}

const ZERO_SPAN_ID = '0000000000000000';
const ZERO_TRACE_ID = '00000000000000000000000000000000';

/** Appends one Exemplar to the `ex` columns. */
function exemplar(r: ProtoReader, end: number, wire: number): void {
  const e = r.lenEnd(end, wire);
  r.path.enter('exemplars', nExemplars, EXEMPLAR_FIELDS);
  const buf = r.buf;
  let time = '0';
  let value = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let traceStart = 0;
  let traceEnd = 0;
  let attrs = '';
  let nAttrs = 0;
  while (r.pos < e) {
    const w = r.tag(e);
    switch (r.field) {
      case 2:
        r.fixed64(e, w);
        time = uint64Decimal(r.lo, r.hi);
        break;
      case 3:
        value = r.double(e, w);
        break;
      case 4:
        spanEnd = r.lenEnd(e, w);
        spanStart = r.pos;
        r.pos = spanEnd;
        break;
      case 5:
        traceEnd = r.lenEnd(e, w);
        traceStart = r.pos;
        r.pos = traceEnd;
        break;
      case 6:
        r.fixed64(e, w);
        value = int64ToNumber(r.lo, r.hi);
        break;
      case 7:
        attrs = appendAttribute(r, e, w, 'filtered_attributes', nAttrs++, attrs);
        break;
      default:
        r.skip(e, w);
    }
  }
  const spanLen = spanEnd - spanStart;
  const traceLen = traceEnd - traceStart;
  if (spanLen !== 0 && spanLen !== 8) r.reject(idLengthProblem('exemplar span_id', 8, spanLen));
  if (traceLen !== 0 && traceLen !== 16) r.reject(idLengthProblem('exemplar trace_id', 16, traceLen));
  r.path.leave();
  // The exporter hex-encodes the fixed-size id arrays, so an absent id is all zeros.
  const spanId = spanLen === 8 ? bytesToHex(buf, spanStart, spanEnd) : ZERO_SPAN_ID;
  const traceId = traceLen === 16 ? bytesToHex(buf, traceStart, traceEnd) : ZERO_TRACE_ID;
  const sep = nExemplars++ === 0 ? '' : ',';
  ex.attributes += sep + '{' + attrs + '}';
  ex.times += sep + dateTimeElement(time);
  ex.values += sep + float64Text(value);
  ex.spanIds += sep + "'" + spanId + "'";
  ex.traceIds += sep + "'" + traceId + "'";
}

function zigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

function joinList(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : a + ',' + b;
}

/** repeated fixed64, packed (LEN) or not (I64), appended as decimal list elements. */
function appendFixed64s(r: ProtoReader, end: number, wire: number, list: string): string {
  if (wire === WIRE_I64) {
    r.fixed64(end, wire);
    return joinList(list, uint64Decimal(r.lo, r.hi));
  }
  const e = r.lenEnd(end, wire);
  if ((e - r.pos) % 8 !== 0) throw r.fail(`packed fixed64 length ${e - r.pos} is not a multiple of 8`);
  while (r.pos < e) {
    r.fixed64(e, WIRE_I64);
    const v = uint64Decimal(r.lo, r.hi);
    list = list === '' ? v : list + ',' + v;
  }
  return list;
}

/** repeated double, packed (LEN) or not (I64). */
function appendDoubles(r: ProtoReader, end: number, wire: number, list: string): string {
  if (wire === WIRE_I64) return joinList(list, float64Text(r.double(end, wire)));
  const e = r.lenEnd(end, wire);
  if ((e - r.pos) % 8 !== 0) throw r.fail(`packed double length ${e - r.pos} is not a multiple of 8`);
  while (r.pos < e) {
    const v = float64Text(r.doubleAt(r.pos));
    list = list === '' ? v : list + ',' + v;
  }
  return list;
}

/** repeated uint64 varints, packed (LEN) or not (VARINT). */
function appendVarints(r: ProtoReader, end: number, wire: number, list: string): string {
  if (wire === WIRE_VARINT) {
    r.varint64(end);
    return joinList(list, uint64Decimal(r.lo, r.hi));
  }
  const e = r.lenEnd(end, wire);
  while (r.pos < e) {
    r.varint64(e);
    const v = uint64Decimal(r.lo, r.hi);
    list = list === '' ? v : list + ',' + v;
  }
  return list;
}
