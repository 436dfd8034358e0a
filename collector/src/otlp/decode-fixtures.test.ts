import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArray, parseMap, rowsOf, unescapeTsv } from '../rows/testing/tsv-read.ts';
import { decodeBoth } from './testing/decode-both.ts';
import { sharedPath } from '../../../test/helpers/shared-dir.ts';

/**
 * Every field of the opentelemetry-proto example requests, decoded from JSON
 * and from protobuf, lands in the column the contrib exporter writes it to,
 * in its encoding.
 */

const DIR = sharedPath('fixtures/otlp-json');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(DIR, name), 'utf8'));

const RESOURCE = "{'service.name':'my.service'}";
const SCOPE_ATTRS = { 'my.scope.attribute': 'some scope attribute' };

describe('trace.json', () => {
  const result = decodeBoth('traces', fixture('trace.json'));
  const [row] = rowsOf(result.batch, 'otel_traces');

  it('accepts its one span', () => {
    expect(result).toMatchObject({ accepted: 1, rejected: 0, errorMessage: '' });
    expect(row).toBeDefined();
  });

  it('writes every span field in the contrib encoding', () => {
    expect(row).toEqual({
      Timestamp: '1544712660000000000',
      TraceId: '5b8efff798038103d269b633813fc60c',
      SpanId: 'eee19b7ec3c1b174',
      ParentSpanId: 'eee19b7ec3c1b173',
      TraceState: '',
      SpanName: "I'm a server span",
      SpanKind: 'Server',
      ServiceName: 'my.service',
      ResourceAttributes: RESOURCE,
      ScopeName: 'my.library',
      ScopeVersion: '1.0.0',
      ScopeAttributes: "{'my.scope.attribute':'some scope attribute'}",
      SpanAttributes: "{'my.span.attr':'some value'}",
      Duration: '1000000000',
      StatusCode: 'Unset',
      StatusMessage: '',
      'Events.Timestamp': '[]',
      'Events.Name': '[]',
      'Events.Attributes': '[]',
      'Links.TraceId': '[]',
      'Links.SpanId': '[]',
      'Links.TraceState': '[]',
      'Links.Attributes': '[]',
    });
    expect(parseMap(row!.SpanAttributes!)).toEqual({ 'my.span.attr': 'some value' });
  });
});

describe('metrics.json', () => {
  const result = decodeBoth('metrics', fixture('metrics.json'));
  const common = {
    ResourceAttributes: RESOURCE,
    ResourceSchemaUrl: '',
    ScopeName: 'my.library',
    ScopeVersion: '1.0.0',
    ScopeDroppedAttrCount: '0',
    ScopeSchemaUrl: '',
    ServiceName: 'my.service',
    MetricUnit: '1',
    // StartTimeUnix/TimeUnix are second-precision DateTime columns.
    StartTimeUnix: '1544712660',
    TimeUnix: '1544712660',
    'Exemplars.FilteredAttributes': '[]',
    'Exemplars.TimeUnix': '[]',
    'Exemplars.Value': '[]',
    'Exemplars.SpanId': '[]',
    'Exemplars.TraceId': '[]',
  };

  it('accepts one point per metric type', () => {
    expect(result).toMatchObject({ accepted: 4, rejected: 0 });
  });

  it('sum → otel_metrics_sum with temporality and monotonicity', () => {
    const [row] = rowsOf(result.batch, 'otel_metrics_sum');
    const { ScopeAttributes, Attributes, ...rest } = row!;
    expect(parseMap(ScopeAttributes!)).toEqual(SCOPE_ATTRS);
    expect(parseMap(Attributes!)).toEqual({ 'my.counter.attr': 'some value' });
    expect(rest).toEqual({
      ...common,
      MetricName: 'my.counter',
      MetricDescription: 'I am a Counter',
      Value: '5',
      Flags: '0',
      AggregationTemporality: '1',
      IsMonotonic: 'true',
    });
  });

  it('gauge → otel_metrics_gauge; an absent start time is the epoch', () => {
    const [row] = rowsOf(result.batch, 'otel_metrics_gauge');
    const { ScopeAttributes, Attributes, ...rest } = row!;
    expect(parseMap(ScopeAttributes!)).toEqual(SCOPE_ATTRS);
    expect(parseMap(Attributes!)).toEqual({ 'my.gauge.attr': 'some value' });
    expect(rest).toEqual({
      ...common,
      StartTimeUnix: '0000000000',
      MetricName: 'my.gauge',
      MetricDescription: 'I am a Gauge',
      Value: '10',
      Flags: '0',
    });
  });

  it('histogram → otel_metrics_histogram with buckets, bounds, min and max', () => {
    const [row] = rowsOf(result.batch, 'otel_metrics_histogram');
    const { ScopeAttributes, Attributes, ...rest } = row!;
    expect(parseMap(ScopeAttributes!)).toEqual(SCOPE_ATTRS);
    expect(parseMap(Attributes!)).toEqual({ 'my.histogram.attr': 'some value' });
    expect(rest).toEqual({
      ...common,
      MetricName: 'my.histogram',
      MetricDescription: 'I am a Histogram',
      Count: '2',
      Sum: '2',
      BucketCounts: '[1,1]',
      ExplicitBounds: '[1]',
      Flags: '0',
      Min: '0',
      Max: '2',
      AggregationTemporality: '1',
    });
  });

  it('exponential histogram → otel_metrics_exponential_histogram with offsets and bucket counts', () => {
    const [row] = rowsOf(result.batch, 'otel_metrics_exponential_histogram');
    const { ScopeAttributes, Attributes, ...rest } = row!;
    expect(parseMap(ScopeAttributes!)).toEqual(SCOPE_ATTRS);
    expect(parseMap(Attributes!)).toEqual({ 'my.exponential.histogram.attr': 'some value' });
    expect(rest).toEqual({
      ...common,
      MetricName: 'my.exponential.histogram',
      MetricDescription: 'I am an Exponential Histogram',
      Count: '3',
      Sum: '10',
      Scale: '0',
      ZeroCount: '1',
      PositiveOffset: '1',
      PositiveBucketCounts: '[0,2]',
      NegativeOffset: '0',
      NegativeBucketCounts: '[]',
      Flags: '0',
      Min: '0',
      Max: '5',
      AggregationTemporality: '1',
    });
  });
});

const LOG_SCOPE = {
  ServiceName: 'my.service',
  ResourceSchemaUrl: '',
  ResourceAttributes: RESOURCE,
  ScopeSchemaUrl: '',
  ScopeName: 'my.library',
  ScopeVersion: '1.0.0',
};

describe('logs.json', () => {
  const result = decodeBoth('logs', fixture('logs.json'));
  const [row] = rowsOf(result.batch, 'otel_logs');

  it('writes every log field; attribute values are stringified as AsString() does', () => {
    expect(result).toMatchObject({ accepted: 1, rejected: 0 });
    const { ScopeAttributes, LogAttributes, ...rest } = row!;
    expect(rest).toEqual({
      ...LOG_SCOPE,
      Timestamp: '1544712660300000000',
      TraceId: '5b8efff798038103d269b633813fc60c',
      SpanId: 'eee19b7ec3c1b174',
      TraceFlags: '0',
      SeverityText: 'Information',
      SeverityNumber: '10',
      Body: 'Example log record',
      EventName: '',
    });
    expect(parseMap(ScopeAttributes!)).toEqual(SCOPE_ATTRS);
    expect(parseMap(LogAttributes!)).toEqual({
      'string.attribute': 'some string',
      'boolean.attribute': 'true',
      'int.attribute': '10',
      'double.attribute': '637.704',
      'array.attribute': '["many","values"]',
      'map.attribute': '{"some.map.key":"some value"}',
    });
  });

  it('keeps attribute order as sent', () => {
    expect(Object.keys(parseMap(row!.LogAttributes!))).toEqual([
      'string.attribute', 'boolean.attribute', 'int.attribute', 'double.attribute', 'array.attribute', 'map.attribute',
    ]);
  });
});

describe('events.json', () => {
  const result = decodeBoth('logs', fixture('events.json'));
  const [row] = rowsOf(result.batch, 'otel_logs');

  it('writes EventName, no ids, and the kvlist body as JSON with sorted keys', () => {
    expect(result).toMatchObject({ accepted: 1, rejected: 0 });
    const { ScopeAttributes, LogAttributes, Body, ...rest } = row!;
    expect(rest).toEqual({
      ...LOG_SCOPE,
      Timestamp: '1544712660300000000',
      TraceId: '',
      SpanId: '',
      TraceFlags: '0',
      SeverityText: 'test severity text',
      SeverityNumber: '9',
      EventName: 'browser.page_view',
    });
    expect(parseMap(ScopeAttributes!)).toEqual(SCOPE_ATTRS);
    expect(parseMap(LogAttributes!)).toEqual({ 'event.attribute': 'some event attribute' });
    expect(unescapeTsv(Body!)).toBe(
      '{"referrer":"https://wwww.google.com","title":"Free Online GUID Generator","type":0,' +
        '"url":"https://www.guidgenerator.com/online-guid-generator.aspx"}',
    );
  });
});

describe('fields the examples leave out', () => {
  const kv = (key: string, value: object) => ({ key, value });
  const TRACE = '0102030405060708090a0b0c0d0e0f10';

  it('span events, links, trace state, status and flags', () => {
    const result = decodeBoth('traces', {
      resourceSpans: [{
        resource: { attributes: [kv('service.name', { stringValue: 'svc' })] },
        scopeSpans: [{
          scope: { name: 's' },
          spans: [{
            traceId: TRACE.toUpperCase(),
            spanId: 'A1A2A3A4A5A6A7A8',
            traceState: 'vendor=abc',
            name: 'n',
            kind: 'SPAN_KIND_CONSUMER',
            startTimeUnixNano: '1700000000000000001',
            endTimeUnixNano: '1700000000000001000',
            flags: 257,
            events: [
              { timeUnixNano: '1700000000000000500', name: "ev'1", attributes: [kv('n', { intValue: '1' })] },
              { timeUnixNano: 5, name: 'early' }, // int64 as a JSON number
            ],
            links: [
              { traceId: 'FFEEDDCCBBAA99887766554433221100', spanId: '0011223344556677', traceState: 'rojo=1', attributes: [kv('l', { boolValue: true })] },
              { traceId: '00000000000000000000000000000000', spanId: '' },
            ],
            status: { code: 2, message: 'it\tbroke' },
          }],
        }],
      }],
    });
    const [row] = rowsOf(result.batch, 'otel_traces');
    expect(row).toMatchObject({
      Timestamp: '1700000000000000001',
      TraceId: TRACE,
      SpanId: 'a1a2a3a4a5a6a7a8',
      TraceState: 'vendor=abc',
      SpanKind: 'Consumer',
      ScopeVersion: '',
      Duration: '999',
      StatusCode: 'Error',
      StatusMessage: 'it\\tbroke',
      // Array elements of DateTime64(9) are ticks, however short.
      'Events.Timestamp': '[1700000000000000500,5]',
      'Links.TraceId': "['ffeeddccbbaa99887766554433221100','']",
      'Links.SpanId': "['0011223344556677','']",
      'Links.TraceState': "['rojo=1','']",
    });
    expect(parseArray(row!['Events.Name']!)).toEqual(["ev'1", 'early']);
    expect(row!['Events.Attributes']).toBe("[{'n':'1'},{}]");
    expect(row!['Links.Attributes']).toBe("[{'l':'true'},{}]");
  });

  it('summary points, exemplars, int values and flags', () => {
    const result = decodeBoth('metrics', {
      resourceMetrics: [{
        schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        scopeMetrics: [{
          scope: { name: 'lib', version: '1', droppedAttributesCount: 3 },
          schemaUrl: 'https://opentelemetry.io/schemas/1.29.0',
          metrics: [
            {
              name: 'g',
              gauge: {
                dataPoints: [{
                  asInt: '-42',
                  timeUnixNano: '1700000001999999999',
                  flags: 1,
                  exemplars: [
                    { timeUnixNano: '1700000000500000000', asDouble: 1.5, traceId: '4BF92F3577B34DA6A3CE929D0E0E4736', spanId: '00F067AA0BA902B7', filteredAttributes: [kv('u', { stringValue: 'x' })] },
                    { timeUnixNano: '1700000000600000000', asInt: 7 },
                  ],
                }],
              },
            },
            {
              name: 'q',
              summary: {
                dataPoints: [{
                  startTimeUnixNano: '1700000000000000000',
                  timeUnixNano: '1700000001000000000',
                  count: '10',
                  sum: 55.5,
                  quantileValues: [{ quantile: 0, value: 1 }, { quantile: 0.99, value: 9.9 }, { quantile: 1 }],
                  flags: 1,
                }],
              },
            },
          ],
        }],
      }],
    });
    const [gauge] = rowsOf(result.batch, 'otel_metrics_gauge');
    expect(gauge).toMatchObject({
      ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      ScopeSchemaUrl: 'https://opentelemetry.io/schemas/1.29.0',
      ScopeDroppedAttrCount: '3',
      ServiceName: '',
      TimeUnix: '1700000001',
      Value: '-42',
      Flags: '1',
      'Exemplars.FilteredAttributes': "[{'u':'x'},{}]",
      'Exemplars.TimeUnix': '[1700000000,1700000000]',
      'Exemplars.Value': '[1.5,7]',
      // The exporter hex-encodes fixed-size ids, so absent ones are zeros.
      'Exemplars.SpanId': "['00f067aa0ba902b7','0000000000000000']",
      'Exemplars.TraceId': "['4bf92f3577b34da6a3ce929d0e0e4736','00000000000000000000000000000000']",
    });
    const [summary] = rowsOf(result.batch, 'otel_metrics_summary');
    expect(summary).toMatchObject({
      MetricName: 'q',
      StartTimeUnix: '1700000000',
      Count: '10',
      Sum: '55.5',
      'ValueAtQuantiles.Quantile': '[0,0.99,1]',
      'ValueAtQuantiles.Value': '[1,9.9,0]',
      Flags: '1',
    });
  });

  it('logs: observed-time fallback, trace flags byte, severity names', () => {
    const result = decodeBoth('logs', {
      resourceLogs: [{
        scopeLogs: [{
          logRecords: [
            { observedTimeUnixNano: '1700000000123456789', severityNumber: 'SEVERITY_NUMBER_ERROR', flags: 0x101, body: { intValue: '12' } },
            { timeUnixNano: '999', observedTimeUnixNano: '1700000000123456789' },
          ],
        }],
      }],
    });
    const [a, b] = rowsOf(result.batch, 'otel_logs');
    expect(a).toMatchObject({ Timestamp: '1700000000123456789', SeverityNumber: '17', TraceFlags: '1', Body: '12' });
    // Before 2001 a DateTime64(9) needs the seconds.nanos form to parse.
    expect(b).toMatchObject({ Timestamp: '0000000000.000000999' });
  });
});
