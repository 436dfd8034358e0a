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
import { attributesBody } from './any-value-json.ts';
import { NO_DATA_PROBLEM } from './decode-metrics-proto.ts';
import { maxAnyValueDepth, type DecodeLimits } from './decode-limits.ts';
import { walkEnvelopeJson } from './envelope-json.ts';
import { field, JsonWalker, parseJson, type JsonObject } from './json-walker.ts';
import { Rejections } from './rejections.ts';

/** OTLP/JSON ExportMetricsServiceRequest → otel_metrics_* TSV rows (same text as the protobuf path). */

const NAMES = {
  resource: ['resourceMetrics', 'resource_metrics'],
  scope: ['scopeMetrics', 'scope_metrics'],
  item: ['metrics', 'metrics'],
} as const;

const NO_FIELDS: readonly string[] = [];

const TEMPORALITY_NAMES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

type Kind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

const KINDS: readonly [Kind, string, OtelTable][] = [
  ['gauge', 'gauge', 'otel_metrics_gauge'],
  ['sum', 'sum', 'otel_metrics_sum'],
  ['histogram', 'histogram', 'otel_metrics_histogram'],
  ['exponentialHistogram', 'exponential_histogram', 'otel_metrics_exponential_histogram'],
  ['summary', 'summary', 'otel_metrics_summary'],
];

interface Sink {
  batch: TableBatch;
  rejections: Rejections;
  accepted: number;
  inherited: string;
}

export function decodeMetricsJson(body: string, limits?: DecodeLimits): DecodeResult {
  const w = new JsonWalker(maxAnyValueDepth(limits));
  const sink: Sink = { batch: new TableBatch(), rejections: new Rejections('data points'), accepted: 0, inherited: '' };
  walkEnvelopeJson(w, parseJson(body), NAMES, (w, items, resource, scope) => {
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
    for (let i = 0; i < items.length; i++) {
      const metric = w.element(items[i], 'metrics', i);
      w.path.enter('metrics', i, NO_FIELDS);
      decodeMetric(w, metric, scopeColumns, sink);
      w.path.leave();
    }
  });
  const { batch, rejections, accepted } = sink;
  return { batch, accepted, rejected: rejections.count, errorMessage: rejections.message() };
}

function decodeMetric(w: JsonWalker, m: JsonObject, scopeColumns: string, sink: Sink): void {
  const name = w.string(m['name'], 'name');
  const description = w.string(m['description'], 'description');
  const unit = w.string(m['unit'], 'unit');
  w.array(m['metadata'], 'metadata');
  const present: [Kind, JsonObject, OtelTable][] = [];
  for (const [camel, snake, t] of KINDS) {
    const d = w.object(field(m, camel, snake), camel);
    if (d !== undefined) present.push([camel, d, t]);
  }
  const last = present.pop();
  if (last === undefined) {
    sink.rejections.add(NO_DATA_PROBLEM, w.path);
    return;
  }
  const prefix = metricPrefix(scopeColumns, name, description, unit);
  if (present.length > 0) {
    // Like the protobuf path: the last member is kept, the others must still be valid.
    const discard: Sink = { batch: new TableBatch(), rejections: new Rejections('data points'), accepted: 0, inherited: '' };
    for (const [kind, data, table] of present) decodeData(w, kind, data, table, prefix, discard);
  }
  decodeData(w, last[0], last[1], last[2], prefix, sink);
}

function decodeData(w: JsonWalker, kind: Kind, data: JsonObject, table: OtelTable, prefix: string, sink: Sink): void {
  w.path.enter(kind, -1, NO_FIELDS);
  const temporality = kind === 'gauge' || kind === 'summary'
    ? 0
    : w.enumValue(field(data, 'aggregationTemporality', 'aggregation_temporality'), 'aggregationTemporality', TEMPORALITY_NAMES);
  const extra = kind === 'sum'
    ? sumColumns(temporality, w.bool(field(data, 'isMonotonic', 'is_monotonic'), 'isMonotonic'))
    : '';
  const points = w.array(field(data, 'dataPoints', 'data_points'), 'dataPoints');
  for (let i = 0; i < points.length; i++) {
    const p = w.element(points[i], 'dataPoints', i);
    w.path.enter('dataPoints', i, NO_FIELDS);
    w.itemError = '';
    let line: string;
    switch (kind) {
      case 'gauge':
      case 'sum':
        line = numberPoint(w, p, prefix, extra);
        break;
      case 'histogram':
        line = histogramPoint(w, p, prefix, temporality);
        break;
      case 'exponentialHistogram':
        line = expHistogramPoint(w, p, prefix, temporality);
        break;
      default:
        line = summaryPoint(w, p, prefix);
    }
    if (sink.inherited !== '') w.reject(sink.inherited);
    if (w.itemError === '') {
      sink.batch.append(table, line);
      sink.accepted++;
    } else {
      sink.rejections.add(w.itemError, w.path);
    }
    w.path.leave();
  }
  w.path.leave();
}

function times(w: JsonWalker, p: JsonObject): [string, string] {
  return [
    dateTimeText(w.uint64(field(p, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano')),
    dateTimeText(w.uint64(field(p, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano')),
  ];
}

function optionalDouble(w: JsonWalker, p: JsonObject, key: string): string {
  return float64Text(w.double(p[key], key));
}

/** NumberDataPoint / Exemplar value oneof; as_int wins when both are present, as on the wire in field order. */
function numberValue(w: JsonWalker, o: JsonObject): number {
  const asInt = field(o, 'asInt', 'as_int');
  if (asInt !== undefined && asInt !== null) return Number(w.int64(asInt, 'asInt'));
  return w.double(field(o, 'asDouble', 'as_double'), 'asDouble');
}

function numberPoint(w: JsonWalker, p: JsonObject, prefix: string, extra: string): string {
  const [start, time] = times(w, p);
  const value = float64Text(numberValue(w, p));
  const attrs = attributesBody(w, p['attributes'], 'attributes');
  const flags = w.uint32(p['flags'], 'flags');
  const ex = exemplars(w, p);
  return numberPointRow(prefix, '{' + attrs + '}', start, time, value, flags, ex, extra);
}

function histogramPoint(w: JsonWalker, p: JsonObject, prefix: string, temporality: number): string {
  const [start, time] = times(w, p);
  const count = w.uint64(p['count'], 'count');
  const sum = optionalDouble(w, p, 'sum');
  const buckets = w.array(field(p, 'bucketCounts', 'bucket_counts'), 'bucketCounts')
    .map((v, i) => w.uint64(v, `bucketCounts[${i}]`))
    .join(',');
  const bounds = w.array(field(p, 'explicitBounds', 'explicit_bounds'), 'explicitBounds')
    .map((v, i) => float64Text(w.double(v, `explicitBounds[${i}]`)))
    .join(',');
  const ex = exemplars(w, p);
  const attrs = attributesBody(w, p['attributes'], 'attributes');
  const flags = w.uint32(p['flags'], 'flags');
  const min = optionalDouble(w, p, 'min');
  const max = optionalDouble(w, p, 'max');
  return histogramPointRow(
    prefix, '{' + attrs + '}', start, time, count, sum, buckets, bounds, ex, flags, min, max, temporality,
  );
}

function buckets(w: JsonWalker, p: JsonObject, key: 'positive' | 'negative'): [number, string] {
  const b = w.object(p[key], key);
  if (b === undefined) return [0, ''];
  w.path.enter(key, -1, NO_FIELDS);
  const offset = w.int32(b['offset'], 'offset');
  const counts = w.array(field(b, 'bucketCounts', 'bucket_counts'), 'bucketCounts')
    .map((v, i) => w.uint64(v, `bucketCounts[${i}]`))
    .join(',');
  w.path.leave();
  return [offset, counts];
}

function expHistogramPoint(w: JsonWalker, p: JsonObject, prefix: string, temporality: number): string {
  const attrs = attributesBody(w, p['attributes'], 'attributes');
  const [start, time] = times(w, p);
  const count = w.uint64(p['count'], 'count');
  const sum = optionalDouble(w, p, 'sum');
  const scale = w.int32(p['scale'], 'scale');
  const zeroCount = w.uint64(field(p, 'zeroCount', 'zero_count'), 'zeroCount');
  const [posOffset, posCounts] = buckets(w, p, 'positive');
  const [negOffset, negCounts] = buckets(w, p, 'negative');
  const flags = w.uint32(p['flags'], 'flags');
  const ex = exemplars(w, p);
  const min = optionalDouble(w, p, 'min');
  const max = optionalDouble(w, p, 'max');
  w.double(field(p, 'zeroThreshold', 'zero_threshold'), 'zeroThreshold');
  return exponentialHistogramPointRow(
    prefix, '{' + attrs + '}', start, time, count, sum, scale, zeroCount, posOffset, posCounts, negOffset,
    negCounts, ex, flags, min, max, temporality,
  );
}

function summaryPoint(w: JsonWalker, p: JsonObject, prefix: string): string {
  const [start, time] = times(w, p);
  const count = w.uint64(p['count'], 'count');
  const sum = optionalDouble(w, p, 'sum');
  let quantiles = '';
  let values = '';
  const qs = w.array(field(p, 'quantileValues', 'quantile_values'), 'quantileValues');
  for (let i = 0; i < qs.length; i++) {
    const q = w.element(qs[i], 'quantileValues', i);
    w.path.enter('quantileValues', i, NO_FIELDS);
    const sep = i === 0 ? '' : ',';
    quantiles += sep + float64Text(w.double(q['quantile'], 'quantile'));
    values += sep + float64Text(w.double(q['value'], 'value'));
    w.path.leave();
  }
  const attrs = attributesBody(w, p['attributes'], 'attributes');
  const flags = w.uint32(p['flags'], 'flags');
  return summaryPointRow(prefix, '{' + attrs + '}', start, time, count, sum, quantiles, values, flags);
}

const ZERO_SPAN_ID = '0000000000000000';
const ZERO_TRACE_ID = '00000000000000000000000000000000';

function exemplars(w: JsonWalker, p: JsonObject): ExemplarsText {
  const ex: ExemplarsText = { attributes: '', times: '', values: '', spanIds: '', traceIds: '' };
  const list = w.array(p['exemplars'], 'exemplars');
  for (let i = 0; i < list.length; i++) {
    const e = w.element(list[i], 'exemplars', i);
    w.path.enter('exemplars', i, NO_FIELDS);
    const sep = i === 0 ? '' : ',';
    const time = w.uint64(field(e, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano');
    const value = numberValue(w, e);
    const spanId = w.hexId(field(e, 'spanId', 'span_id'), 'spanId', 'exemplar span_id', 8, false);
    const traceId = w.hexId(field(e, 'traceId', 'trace_id'), 'traceId', 'exemplar trace_id', 16, false);
    const attrs = attributesBody(w, field(e, 'filteredAttributes', 'filtered_attributes'), 'filteredAttributes');
    w.path.leave();
    ex.attributes += sep + '{' + attrs + '}';
    ex.times += sep + dateTimeElement(time);
    ex.values += sep + float64Text(value);
    ex.spanIds += sep + "'" + (spanId === '' ? ZERO_SPAN_ID : spanId) + "'";
    ex.traceIds += sep + "'" + (traceId === '' ? ZERO_TRACE_ID : traceId) + "'";
  }
  return ex;
}
