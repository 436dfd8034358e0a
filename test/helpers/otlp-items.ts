import { parseMessage, WIRE_LEN, type WireField } from './protobuf-wire.ts';

/**
 * How many items (spans, data points, log records) an OTLP export request
 * carries, counted without PPO's decoders: the number a receiver's
 * `accepted + rejected` must add up to. A metric without data counts as one
 * item (receivers reject it as a unit). Throws when the envelope itself is
 * not valid OTLP, which a request answered 200 must not be.
 */

export type Signal = 'traces' | 'metrics' | 'logs';

const METRIC_DATA_FIELDS = new Set([5, 7, 9, 10, 11]);

function lenChildren(f: WireField, what: string): WireField[] {
  if (f.wire !== WIRE_LEN) throw new Error(`${what} (field ${f.no}) has wire type ${f.wire}, not LEN`);
  return parseMessage(f.bytes);
}

/**
 * Data points of one Metric. The data oneof follows what OTLP receivers'
 * generated code does: every member on the wire must parse, the last one
 * replaces the others (a repeated member replaces too, it does not merge).
 */
function metricPoints(metric: WireField[]): number {
  let points: number | undefined;
  for (const f of metric) {
    if (!METRIC_DATA_FIELDS.has(f.no)) continue;
    points = lenChildren(f, 'metric data').filter((d) => d.no === 1).length;
  }
  return points ?? 1;
}

export function countProtoItems(signal: Signal, body: Uint8Array): number {
  let items = 0;
  for (const rx of parseMessage(body)) {
    if (rx.no !== 1) continue;
    for (const sx of lenChildren(rx, 'resource')) {
      if (sx.no !== 2) continue;
      for (const item of lenChildren(sx, 'scope')) {
        if (item.no !== 2) continue;
        if (signal === 'metrics') items += metricPoints(lenChildren(item, 'metric'));
        else {
          if (item.wire !== WIRE_LEN) throw new Error(`item has wire type ${item.wire}`);
          items++;
        }
      }
    }
  }
  return items;
}

const JSON_KEYS: Record<Signal, readonly [readonly [string, string], readonly [string, string], readonly [string, string]]> = {
  traces: [['resourceSpans', 'resource_spans'], ['scopeSpans', 'scope_spans'], ['spans', 'spans']],
  metrics: [['resourceMetrics', 'resource_metrics'], ['scopeMetrics', 'scope_metrics'], ['metrics', 'metrics']],
  logs: [['resourceLogs', 'resource_logs'], ['scopeLogs', 'scope_logs'], ['logRecords', 'log_records']],
};

const METRIC_KINDS: readonly [string, string][] = [
  ['gauge', 'gauge'],
  ['sum', 'sum'],
  ['histogram', 'histogram'],
  ['exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary'],
];

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** OTLP/JSON: lowerCamelCase key, or the proto name; null is absent. */
function get(o: Obj, [camel, snake]: readonly [string, string]): unknown {
  const v = o[camel];
  return v === undefined || v === null ? o[snake] : v;
}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what} is not an array`);
  return v;
}

function obj(v: unknown, what: string): Obj {
  if (!isObject(v)) throw new Error(`${what} is not an object`);
  return v;
}

/**
 * JSON cannot order oneof members; this counts the last one present in
 * gauge, sum, histogram, exponentialHistogram, summary order (OTLP/JSON
 * senders only ever set one).
 */
function jsonMetricPoints(m: Obj): number {
  let points: number | undefined;
  for (const k of METRIC_KINDS) {
    const d = get(m, k);
    if (d === undefined || d === null) continue;
    points = list(get(obj(d, 'metric data'), ['dataPoints', 'data_points']), 'dataPoints').length;
  }
  return points ?? 1;
}

export function countJsonItems(signal: Signal, body: Uint8Array): number {
  const [resKey, scopeKey, itemKey] = JSON_KEYS[signal];
  const root = obj(JSON.parse(Buffer.from(body).toString('utf8')) as unknown, 'request');
  let items = 0;
  for (const rx of list(get(root, resKey), resKey[0])) {
    for (const sx of list(get(obj(rx, resKey[0]), scopeKey), scopeKey[0])) {
      for (const item of list(get(obj(sx, scopeKey[0]), itemKey), itemKey[0])) {
        const o = obj(item, itemKey[0]);
        items += signal === 'metrics' ? jsonMetricPoints(o) : 1;
      }
    }
  }
  return items;
}

export function countItems(signal: Signal, encoding: 'proto' | 'json', body: Uint8Array): number {
  return encoding === 'proto' ? countProtoItems(signal, body) : countJsonItems(signal, body);
}
