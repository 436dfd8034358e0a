/**
 * OTLP/JSON fixtures in, contrib `clickhouseexporter` rows out. Each field of
 * the upstream opentelemetry-proto examples (and of a supplementary request
 * covering what they leave out: summaries, exemplars, bytes, nested values,
 * span events and links, every kind and status, log flags) is checked in the
 * column the contrib exporter writes it to, in the encoding it uses:
 * lowercase hex ids, 'Server'/'Error' strings, attribute values as
 * pcommon.Value.AsString() (arrays and maps as JSON with sorted keys, bytes
 * as base64, doubles in ES6 number form), times in their column precision.
 * Then every Jaeger storage-integration trace is posted and read back whole.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet, postOtlp, type HttpReply, type Signal } from './helpers/http.ts';
import { queryRows, waitForRows } from './helpers/sql.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';
import { sharedPath } from './helpers/shared-dir.ts';

const FIXTURES = sharedPath('fixtures');
const OTLP_JSON = join(FIXTURES, 'otlp-json');
const JAEGER_TRACES = join(FIXTURES, 'jaeger-integration', 'traces');

type Row = Record<string, unknown>;

let ppo: TestPpo;

beforeAll(async () => {
  ppo = await startTestPpo();
});

afterAll(async () => {
  await ppo?.stop();
});

function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(OTLP_JSON, name), 'utf8'));
}

const REJECTED_KEY: Record<Signal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' };

/** A fully accepted export: 200, JSON body, no (or an empty) partial_success. */
function expectAccepted(reply: HttpReply, signal: Signal): void {
  expect(reply.status, reply.body.toString()).toBe(200);
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body = (reply.json ?? {}) as { partialSuccess?: Record<string, unknown> };
  const rejected = body.partialSuccess?.[REJECTED_KEY[signal]];
  expect(Number(rejected ?? 0), JSON.stringify(body)).toBe(0);
}

async function post(signal: Signal, payload: unknown): Promise<void> {
  expectAccepted(await postOtlp(ppo.otlpHttpUrl, signal, payload), signal);
}

function client() {
  return ppo.ppo.storage.client;
}

const SERVICE_RESOURCE = { 'service.name': 'my.service' };
const SCOPE_ATTRS = { 'my.scope.attribute': 'some scope attribute' };

describe('opentelemetry-proto examples', () => {
  beforeAll(async () => {
    await post('traces', readFixture('trace.json'));
    await post('metrics', readFixture('metrics.json'));
    await post('logs', readFixture('logs.json'));
    await post('logs', readFixture('events.json'));
  });

  it('trace.json → otel_traces', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind,
              ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS duration,
              StatusCode, StatusMessage, Events.Name AS evNames, Links.TraceId AS linkTraceIds
       FROM otel_traces WHERE TraceId = {id:String}`,
      { id: '5b8efff798038103d269b633813fc60c' },
      1,
    );
    expect(rows).toEqual([
      {
        ts: '1544712660000000000',
        TraceId: '5b8efff798038103d269b633813fc60c',
        SpanId: 'eee19b7ec3c1b174',
        ParentSpanId: 'eee19b7ec3c1b173',
        TraceState: '',
        SpanName: "I'm a server span",
        SpanKind: 'Server',
        ServiceName: 'my.service',
        ResourceAttributes: SERVICE_RESOURCE,
        ScopeName: 'my.library',
        ScopeVersion: '1.0.0',
        SpanAttributes: { 'my.span.attr': 'some value' },
        duration: '1000000000',
        StatusCode: 'Unset',
        StatusMessage: '',
        evNames: [],
        linkTraceIds: [],
      },
    ]);
    // The trace-id lookup table the API (and Grafana) use is filled too.
    const lookup = await queryRows<Row>(
      client(),
      `SELECT toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end FROM otel_traces_trace_id_ts WHERE TraceId = {id:String}`,
      { id: '5b8efff798038103d269b633813fc60c' },
    );
    expect(lookup).toEqual([{ start: 1544712660, end: 1544712660 }]);
  });

  it('trace.json is served by GET /api/ppo/traces/{id} (upper-case id accepted)', async () => {
    const reply = await apiGet(ppo.apiBase, '/traces/5B8EFFF798038103D269B633813FC60C');
    expect(reply.status).toBe(200);
    const body = reply.json as { traceId: string; spans: Row[] };
    expect(body.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(body.spans).toHaveLength(1);
    expect(body.spans[0]).toMatchObject({
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: 'eee19b7ec3c1b173',
      name: "I'm a server span",
      kind: 'Server',
      serviceName: 'my.service',
      startTime: '1544712660000000000',
      endTime: '1544712661000000000',
      durationNs: '1000000000',
      status: { code: 'Unset', message: '' },
      attributes: { 'my.span.attr': 'some value' },
      resource: SERVICE_RESOURCE,
      scope: { name: 'my.library', version: '1.0.0' },
      events: [],
      links: [],
    });
  });

  const METRIC_COMMON = {
    ResourceAttributes: SERVICE_RESOURCE,
    ResourceSchemaUrl: '',
    ScopeName: 'my.library',
    ScopeVersion: '1.0.0',
    ScopeAttributes: SCOPE_ATTRS,
    ScopeDroppedAttrCount: 0,
    ScopeSchemaUrl: '',
    ServiceName: 'my.service',
    MetricUnit: '1',
    start: 1544712660, // DateTime columns keep whole seconds
    time: 1544712660,
    Flags: 0,
  };
  const META = `ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, ScopeDroppedAttrCount,
    ScopeSchemaUrl, ServiceName, MetricName, MetricDescription, MetricUnit, Attributes,
    toUnixTimestamp(StartTimeUnix) AS start, toUnixTimestamp(TimeUnix) AS time, Flags`;
  const EXEMPLARS = `Exemplars.FilteredAttributes AS exAttrs, arrayMap(t -> toUnixTimestamp(t), Exemplars.TimeUnix) AS exTimes,
    Exemplars.Value AS exValues, Exemplars.SpanId AS exSpanIds, Exemplars.TraceId AS exTraceIds`;
  const NO_EXEMPLARS = { exAttrs: [], exTimes: [], exValues: [], exSpanIds: [], exTraceIds: [] };

  it('metrics.json sum → otel_metrics_sum', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Value, AggregationTemporality, IsMonotonic, ${EXEMPLARS}
       FROM otel_metrics_sum WHERE ServiceName = 'my.service' AND MetricName = 'my.counter'`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...METRIC_COMMON,
        ...NO_EXEMPLARS,
        MetricName: 'my.counter',
        MetricDescription: 'I am a Counter',
        Attributes: { 'my.counter.attr': 'some value' },
        Value: 5,
        AggregationTemporality: 1,
        IsMonotonic: true,
      },
    ]);
  });

  it('metrics.json gauge → otel_metrics_gauge', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Value, ${EXEMPLARS} FROM otel_metrics_gauge WHERE ServiceName = 'my.service' AND MetricName = 'my.gauge'`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...METRIC_COMMON,
        ...NO_EXEMPLARS,
        start: 0, // no startTimeUnixNano in the fixture
        MetricName: 'my.gauge',
        MetricDescription: 'I am a Gauge',
        Attributes: { 'my.gauge.attr': 'some value' },
        Value: 10,
      },
    ]);
  });

  it('metrics.json histogram → otel_metrics_histogram', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Count, Sum, BucketCounts, ExplicitBounds, Min, Max, AggregationTemporality, ${EXEMPLARS}
       FROM otel_metrics_histogram WHERE ServiceName = 'my.service' AND MetricName = 'my.histogram'`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...METRIC_COMMON,
        ...NO_EXEMPLARS,
        MetricName: 'my.histogram',
        MetricDescription: 'I am a Histogram',
        Attributes: { 'my.histogram.attr': 'some value' },
        Count: '2',
        Sum: 2,
        BucketCounts: ['1', '1'],
        ExplicitBounds: [1],
        Min: 0,
        Max: 2,
        AggregationTemporality: 1,
      },
    ]);
  });

  it('metrics.json exponential histogram → otel_metrics_exponential_histogram', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Count, Sum, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts, NegativeOffset, NegativeBucketCounts,
              Min, Max, AggregationTemporality, ${EXEMPLARS}
       FROM otel_metrics_exponential_histogram WHERE ServiceName = 'my.service' AND MetricName = 'my.exponential.histogram'`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...METRIC_COMMON,
        ...NO_EXEMPLARS,
        MetricName: 'my.exponential.histogram',
        MetricDescription: 'I am an Exponential Histogram',
        Attributes: { 'my.exponential.histogram.attr': 'some value' },
        Count: '3',
        Sum: 10,
        Scale: 0,
        ZeroCount: '1',
        PositiveOffset: 1,
        PositiveBucketCounts: ['0', '2'],
        NegativeOffset: 0,
        NegativeBucketCounts: [],
        Min: 0,
        Max: 5,
        AggregationTemporality: 1,
      },
    ]);
  });

  const LOG_COLUMNS = `toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber,
    ServiceName, Body, ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
    LogAttributes, EventName`;
  const LOG_SCOPE = {
    ServiceName: 'my.service',
    ResourceSchemaUrl: '',
    ResourceAttributes: SERVICE_RESOURCE,
    ScopeSchemaUrl: '',
    ScopeName: 'my.library',
    ScopeVersion: '1.0.0',
    ScopeAttributes: SCOPE_ATTRS,
  };

  it('logs.json → otel_logs (every attribute type stringified as the contrib exporter does)', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${LOG_COLUMNS} FROM otel_logs WHERE ServiceName = 'my.service' AND EventName = ''`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...LOG_SCOPE,
        ts: '1544712660300000000',
        TraceId: '5b8efff798038103d269b633813fc60c',
        SpanId: 'eee19b7ec3c1b174',
        TraceFlags: 0,
        SeverityText: 'Information',
        SeverityNumber: 10,
        Body: 'Example log record',
        LogAttributes: {
          'string.attribute': 'some string',
          'boolean.attribute': 'true',
          'int.attribute': '10',
          'double.attribute': '637.704',
          'array.attribute': '["many","values"]',
          'map.attribute': '{"some.map.key":"some value"}',
        },
        EventName: '',
      },
    ]);
  });

  it('events.json → otel_logs with EventName and a map body as sorted-key JSON', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${LOG_COLUMNS} FROM otel_logs WHERE ServiceName = 'my.service' AND EventName != ''`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...LOG_SCOPE,
        ts: '1544712660300000000',
        TraceId: '',
        SpanId: '',
        TraceFlags: 0,
        SeverityText: 'test severity text',
        SeverityNumber: 9,
        Body: '{"referrer":"https://wwww.google.com","title":"Free Online GUID Generator","type":0,"url":"https://www.guidgenerator.com/online-guid-generator.aspx"}',
        LogAttributes: { 'event.attribute': 'some event attribute' },
        EventName: 'browser.page_view',
      },
    ]);
  });
});

// ---------------------------------------------------------------------------
// What the upstream examples leave out, in one request per signal.

const kv = (key: string, value: object) => ({ key, value });
const str = (s: string) => ({ stringValue: s });

const EXTRA_RESOURCE = {
  attributes: [kv('service.name', str('roundtrip-extra')), kv('res.int', { intValue: 7 })],
  droppedAttributesCount: 0,
};
const EXTRA_SCOPE = {
  name: 'extra.lib',
  version: '0.9.1',
  attributes: [kv('scope.flag', { boolValue: true })],
  droppedAttributesCount: 3,
};

const TRACE_A = '0102030405060708090a0b0c0d0e0f10';
const TRACE_B = 'ffeeddccbbaa99887766554433221100';

const extraTraces = {
  resourceSpans: [
    {
      resource: EXTRA_RESOURCE,
      schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      futureField: { ignored: true }, // receivers must ignore unknown fields
      scopeSpans: [
        {
          scope: EXTRA_SCOPE,
          spans: [
            {
              traceId: TRACE_A.toUpperCase(),
              spanId: 'A1A2A3A4A5A6A7A8',
              traceState: 'vendor=abc',
              name: 'all attribute types',
              kind: 1,
              startTimeUnixNano: '1700000000000000001',
              endTimeUnixNano: '1700000000000001000',
              flags: 257,
              attributes: [
                kv('a.string', str('héllo "quoted"\ttab')),
                kv('a.string.escapes', str('line1\nline2\\end\r\0nul')),
                kv('a.bool', { boolValue: false }),
                kv('a.int.number', { intValue: 42 }),
                kv('a.int.min', { intValue: '-9223372036854775808' }),
                kv('a.double', { doubleValue: 0.1 }),
                kv('a.double.whole', { doubleValue: 2 }),
                kv('a.double.big', { doubleValue: 1e21 }),
                kv('a.double.tiny', { doubleValue: 1e-7 }),
                kv('a.bytes', { bytesValue: 'AQID/w==' }),
                kv('a.array.mixed', {
                  arrayValue: {
                    values: [str('s'), { intValue: '9223372036854775807' }, { doubleValue: 2.5 }, { boolValue: true }, { bytesValue: 'AQI=' }, { kvlistValue: { values: [kv('k', str('v'))] } }],
                  },
                }),
                kv('a.array.empty', { arrayValue: {} }),
                kv('a.kvlist.nested', {
                  kvlistValue: { values: [kv('z', { intValue: '1' }), kv('a', { kvlistValue: { values: [kv('y', { arrayValue: { values: [{ boolValue: true }] } })] } }), kv('m', str('s'))] },
                }),
                kv('a.empty', {}),
              ],
              droppedAttributesCount: 1,
              events: [
                { timeUnixNano: '1700000000000000500', name: 'ev.one', attributes: [kv('ev.n', { intValue: '1' }), kv('ev.list', { arrayValue: { values: [str('x')] } })] },
                { timeUnixNano: '1700000000000000600', name: 'ev.two' },
              ],
              links: [
                { traceId: TRACE_B.toUpperCase(), spanId: '0011223344556677', traceState: 'rojo=1', attributes: [kv('l.a', { boolValue: true })], flags: 256 },
                { traceId: TRACE_A, spanId: 'b1b2b3b4b5b6b7b8' },
              ],
              status: { code: 1 },
            },
            { traceId: TRACE_A, spanId: 'b1b2b3b4b5b6b7b8', parentSpanId: 'A1A2A3A4A5A6A7A8', name: 'kind 0', kind: 0, startTimeUnixNano: '1700000000000000100', endTimeUnixNano: '1700000000000000200', status: { code: 2, message: 'it broke' } },
            { traceId: TRACE_A, spanId: 'c1c2c3c4c5c6c7c8', parentSpanId: 'a1a2a3a4a5a6a7a8', name: 'kind 3', kind: 3, startTimeUnixNano: '1700000000000000100', endTimeUnixNano: '1700000000000000300', status: {} },
            { traceId: TRACE_A, spanId: 'd1d2d3d4d5d6d7d8', parentSpanId: 'a1a2a3a4a5a6a7a8', name: 'kind 4', kind: 4, startTimeUnixNano: '1700000000000000100', endTimeUnixNano: '1700000000000000400' },
            { traceId: TRACE_A, spanId: 'e1e2e3e4e5e6e7e8', parentSpanId: 'a1a2a3a4a5a6a7a8', name: 'kind 5', kind: 5, startTimeUnixNano: '1700000000000000100', endTimeUnixNano: '1700000000000000500' },
            { traceId: TRACE_A, spanId: 'f1f2f3f4f5f6f7f8', parentSpanId: 'a1a2a3a4a5a6a7a8', name: 'kind 2', kind: 2, startTimeUnixNano: '1700000000000000100', endTimeUnixNano: '1700000000000000600' },
          ],
        },
      ],
    },
  ],
};

const EXEMPLAR_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const EXEMPLAR_SPAN = '00f067aa0ba902b7';

const extraMetrics = {
  resourceMetrics: [
    {
      resource: EXTRA_RESOURCE,
      schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      scopeMetrics: [
        {
          scope: EXTRA_SCOPE,
          schemaUrl: 'https://opentelemetry.io/schemas/1.29.0',
          metrics: [
            {
              name: 'extra.gauge',
              description: 'int gauge with an exemplar',
              unit: 'By',
              metadata: [kv('ignored', str('yes'))],
              gauge: {
                dataPoints: [
                  {
                    asInt: '42',
                    startTimeUnixNano: '1700000000000000000',
                    timeUnixNano: '1700000001000000000',
                    attributes: [kv('n', str('1'))],
                    exemplars: [
                      {
                        timeUnixNano: '1700000000500000000',
                        asDouble: 1.5,
                        traceId: EXEMPLAR_TRACE.toUpperCase(),
                        spanId: EXEMPLAR_SPAN.toUpperCase(),
                        filteredAttributes: [kv('user', str('u1')), kv('retries', { intValue: 2 })],
                      },
                      { timeUnixNano: '1700000000600000000', asInt: '-7', traceId: EXEMPLAR_TRACE, spanId: EXEMPLAR_SPAN },
                    ],
                  },
                  { asDouble: 0, timeUnixNano: '1700000002000000000', attributes: [kv('n', str('2'))], flags: 1 },
                ],
              },
            },
            {
              name: 'extra.sum',
              sum: {
                aggregationTemporality: 2,
                isMonotonic: false,
                dataPoints: [{ asDouble: -3.5, startTimeUnixNano: '1700000000000000000', timeUnixNano: '1700000001000000000' }],
              },
            },
            {
              name: 'extra.histogram',
              unit: 's',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    startTimeUnixNano: '1700000000000000000',
                    timeUnixNano: '1700000001000000000',
                    count: 6,
                    bucketCounts: ['1', 0, '2', '3'],
                    explicitBounds: [0.5, 1, 2.5],
                    exemplars: [{ timeUnixNano: '1700000000700000000', asDouble: 0.25, traceId: EXEMPLAR_TRACE, spanId: EXEMPLAR_SPAN }],
                    attributes: [kv('route', str('/x'))],
                  },
                ],
              },
            },
            {
              name: 'extra.exp',
              exponentialHistogram: {
                aggregationTemporality: 1,
                dataPoints: [
                  {
                    startTimeUnixNano: '1700000000000000000',
                    timeUnixNano: '1700000001000000000',
                    count: '8',
                    sum: -1.5,
                    scale: -1,
                    zeroCount: '0',
                    zeroThreshold: 0.001,
                    positive: { offset: 0, bucketCounts: ['3'] },
                    negative: { offset: -2, bucketCounts: ['1', '4'] },
                    min: -10,
                    max: 3,
                    flags: 0,
                    exemplars: [{ timeUnixNano: '1700000000800000000', asInt: '3', traceId: EXEMPLAR_TRACE, spanId: EXEMPLAR_SPAN }],
                  },
                ],
              },
            },
            {
              name: 'extra.summary',
              description: 'a summary',
              unit: 'ms',
              summary: {
                dataPoints: [
                  {
                    startTimeUnixNano: '1700000000000000000',
                    timeUnixNano: '1700000001000000000',
                    count: '10',
                    sum: 55.5,
                    quantileValues: [{ quantile: 0, value: 1 }, { quantile: 0.5, value: 5 }, { quantile: 0.99, value: 9.9 }, { quantile: 1, value: 10 }],
                    attributes: [kv('q', str('yes'))],
                    flags: 1,
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

const extraLogs = {
  resourceLogs: [
    {
      resource: EXTRA_RESOURCE,
      schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      scopeLogs: [
        {
          scope: EXTRA_SCOPE,
          schemaUrl: 'https://opentelemetry.io/schemas/1.29.0',
          logRecords: [
            {
              // No timeUnixNano: the observed time is the row's Timestamp.
              observedTimeUnixNano: '1700000000123456789',
              severityNumber: 17,
              flags: 1,
              traceId: EXEMPLAR_TRACE.toUpperCase(),
              spanId: EXEMPLAR_SPAN.toUpperCase(),
              body: { intValue: '12' },
              attributes: [kv('n', str('1')), kv('blob', { bytesValue: 'AAEC' })],
            },
            { timeUnixNano: '1700000000200000000', body: { boolValue: false }, attributes: [kv('n', str('2'))] },
            { timeUnixNano: '1700000000300000000', body: { doubleValue: 3.5 }, attributes: [kv('n', str('3'))], severityText: 'custom' },
            { timeUnixNano: '1700000000400000000', body: { bytesValue: 'AAEC' }, attributes: [kv('n', str('4'))] },
            { timeUnixNano: '1700000000500000000', body: { arrayValue: { values: [str('a'), { intValue: 1 }, { kvlistValue: { values: [kv('b', str('c'))] } }] } }, attributes: [kv('n', str('5'))] },
            { timeUnixNano: '1700000000600000000', attributes: [kv('n', str('6'))], eventName: 'only.an.event' },
          ],
        },
      ],
    },
  ],
};

describe('supplementary request: fields the examples do not cover', () => {
  beforeAll(async () => {
    await post('traces', extraTraces);
    await post('metrics', extraMetrics);
    await post('logs', extraLogs);
  });

  it('span attributes of every AnyValue type, events, links, trace state', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind,
              ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS duration,
              StatusCode, StatusMessage,
              arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS evTimes, Events.Name AS evNames,
              Events.Attributes AS evAttrs, Links.TraceId AS linkTraceIds, Links.SpanId AS linkSpanIds,
              Links.TraceState AS linkStates, Links.Attributes AS linkAttrs
       FROM otel_traces WHERE TraceId = {id:String} AND SpanId = 'a1a2a3a4a5a6a7a8'`,
      { id: TRACE_A },
      1,
    );
    expect(rows).toEqual([
      {
        ts: '1700000000000000001',
        TraceId: TRACE_A,
        SpanId: 'a1a2a3a4a5a6a7a8',
        ParentSpanId: '',
        TraceState: 'vendor=abc',
        SpanName: 'all attribute types',
        SpanKind: 'Internal',
        ServiceName: 'roundtrip-extra',
        ResourceAttributes: { 'service.name': 'roundtrip-extra', 'res.int': '7' },
        ScopeName: 'extra.lib',
        ScopeVersion: '0.9.1',
        SpanAttributes: {
          'a.string': 'héllo "quoted"\ttab',
          'a.string.escapes': 'line1\nline2\\end\r\0nul',
          'a.bool': 'false',
          'a.int.number': '42',
          'a.int.min': '-9223372036854775808',
          'a.double': '0.1',
          'a.double.whole': '2',
          'a.double.big': '1e+21',
          'a.double.tiny': '1e-7',
          'a.bytes': 'AQID/w==',
          'a.array.mixed': '["s",9223372036854775807,2.5,true,"AQI=",{"k":"v"}]',
          'a.array.empty': '[]',
          'a.kvlist.nested': '{"a":{"y":[true]},"m":"s","z":1}',
          'a.empty': '',
        },
        duration: '999',
        StatusCode: 'Ok',
        StatusMessage: '',
        evTimes: ['1700000000000000500', '1700000000000000600'],
        evNames: ['ev.one', 'ev.two'],
        evAttrs: [{ 'ev.n': '1', 'ev.list': '["x"]' }, {}],
        linkTraceIds: [TRACE_B, TRACE_A],
        linkSpanIds: ['0011223344556677', 'b1b2b3b4b5b6b7b8'],
        linkStates: ['rojo=1', ''],
        linkAttrs: [{ 'l.a': 'true' }, {}],
      },
    ]);
  });

  it('every span kind and status code', async () => {
    const rows = await queryRows<Row>(
      client(),
      `SELECT SpanName, SpanKind, ParentSpanId, StatusCode, StatusMessage, toString(Duration) AS duration
       FROM otel_traces WHERE TraceId = {id:String} AND SpanId != 'a1a2a3a4a5a6a7a8' ORDER BY SpanName`,
      { id: TRACE_A },
    );
    const child = { ParentSpanId: 'a1a2a3a4a5a6a7a8', StatusCode: 'Unset', StatusMessage: '' };
    expect(rows).toEqual([
      { SpanName: 'kind 0', SpanKind: 'Unspecified', ParentSpanId: 'a1a2a3a4a5a6a7a8', StatusCode: 'Error', StatusMessage: 'it broke', duration: '100' },
      { SpanName: 'kind 2', SpanKind: 'Server', ...child, duration: '500' },
      { SpanName: 'kind 3', SpanKind: 'Client', ...child, duration: '200' },
      { SpanName: 'kind 4', SpanKind: 'Producer', ...child, duration: '300' },
      { SpanName: 'kind 5', SpanKind: 'Consumer', ...child, duration: '400' },
    ]);
  });

  const META = `ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, ScopeDroppedAttrCount,
    ScopeSchemaUrl, ServiceName, MetricName, MetricDescription, MetricUnit, Attributes,
    toUnixTimestamp(StartTimeUnix) AS start, toUnixTimestamp(TimeUnix) AS time, Flags`;
  const EXEMPLARS = `Exemplars.FilteredAttributes AS exAttrs, arrayMap(t -> toUnixTimestamp(t), Exemplars.TimeUnix) AS exTimes,
    Exemplars.Value AS exValues, Exemplars.SpanId AS exSpanIds, Exemplars.TraceId AS exTraceIds`;
  const COMMON = {
    ResourceAttributes: { 'service.name': 'roundtrip-extra', 'res.int': '7' },
    ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
    ScopeName: 'extra.lib',
    ScopeVersion: '0.9.1',
    ScopeAttributes: { 'scope.flag': 'true' },
    ScopeDroppedAttrCount: 3,
    ScopeSchemaUrl: 'https://opentelemetry.io/schemas/1.29.0',
    ServiceName: 'roundtrip-extra',
    start: 1700000000,
    time: 1700000001,
  };

  it('gauge: int value, exemplars (double and int), no-recorded-value flag', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Value, ${EXEMPLARS} FROM otel_metrics_gauge
       WHERE ServiceName = 'roundtrip-extra' ORDER BY Attributes['n']`,
      {},
      2,
    );
    expect(rows).toEqual([
      {
        ...COMMON,
        MetricName: 'extra.gauge',
        MetricDescription: 'int gauge with an exemplar',
        MetricUnit: 'By',
        Attributes: { n: '1' },
        Flags: 0,
        Value: 42,
        exAttrs: [{ user: 'u1', retries: '2' }, {}],
        exTimes: [1700000000, 1700000000],
        exValues: [1.5, -7],
        exSpanIds: [EXEMPLAR_SPAN, EXEMPLAR_SPAN],
        exTraceIds: [EXEMPLAR_TRACE, EXEMPLAR_TRACE],
      },
      {
        ...COMMON,
        start: 0,
        time: 1700000002,
        MetricName: 'extra.gauge',
        MetricDescription: 'int gauge with an exemplar',
        MetricUnit: 'By',
        Attributes: { n: '2' },
        Flags: 1,
        Value: 0,
        exAttrs: [],
        exTimes: [],
        exValues: [],
        exSpanIds: [],
        exTraceIds: [],
      },
    ]);
  });

  it('sum: cumulative, not monotonic, negative double', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Value, AggregationTemporality, IsMonotonic FROM otel_metrics_sum WHERE ServiceName = 'roundtrip-extra'`,
      {},
      1,
    );
    expect(rows).toEqual([
      { ...COMMON, MetricName: 'extra.sum', MetricDescription: '', MetricUnit: '', Attributes: {}, Flags: 0, Value: -3.5, AggregationTemporality: 2, IsMonotonic: false },
    ]);
  });

  it('histogram: absent sum/min/max, bucket counts as numbers or strings, exemplar', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Count, Sum, BucketCounts, ExplicitBounds, Min, Max, AggregationTemporality, ${EXEMPLARS}
       FROM otel_metrics_histogram WHERE ServiceName = 'roundtrip-extra'`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...COMMON,
        MetricName: 'extra.histogram',
        MetricDescription: '',
        MetricUnit: 's',
        Attributes: { route: '/x' },
        Flags: 0,
        Count: '6',
        Sum: 0,
        BucketCounts: ['1', '0', '2', '3'],
        ExplicitBounds: [0.5, 1, 2.5],
        Min: 0,
        Max: 0,
        AggregationTemporality: 2,
        exAttrs: [{}],
        exTimes: [1700000000],
        exValues: [0.25],
        exSpanIds: [EXEMPLAR_SPAN],
        exTraceIds: [EXEMPLAR_TRACE],
      },
    ]);
  });

  it('exponential histogram: negative scale, negative buckets and offset, exemplar', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Count, Sum, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts, NegativeOffset, NegativeBucketCounts,
              Min, Max, AggregationTemporality, ${EXEMPLARS}
       FROM otel_metrics_exponential_histogram WHERE ServiceName = 'roundtrip-extra'`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...COMMON,
        MetricName: 'extra.exp',
        MetricDescription: '',
        MetricUnit: '',
        Attributes: {},
        Flags: 0,
        Count: '8',
        Sum: -1.5,
        Scale: -1,
        ZeroCount: '0',
        PositiveOffset: 0,
        PositiveBucketCounts: ['3'],
        NegativeOffset: -2,
        NegativeBucketCounts: ['1', '4'],
        Min: -10,
        Max: 3,
        AggregationTemporality: 1,
        exAttrs: [{}],
        exTimes: [1700000000],
        exValues: [3],
        exSpanIds: [EXEMPLAR_SPAN],
        exTraceIds: [EXEMPLAR_TRACE],
      },
    ]);
  });

  it('summary: count, sum, quantiles, flags', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT ${META}, Count, Sum, ValueAtQuantiles.Quantile AS quantiles, ValueAtQuantiles.Value AS values
       FROM otel_metrics_summary WHERE ServiceName = 'roundtrip-extra'`,
      {},
      1,
    );
    expect(rows).toEqual([
      {
        ...COMMON,
        MetricName: 'extra.summary',
        MetricDescription: 'a summary',
        MetricUnit: 'ms',
        Attributes: { q: 'yes' },
        Flags: 1,
        Count: '10',
        Sum: 55.5,
        quantiles: [0, 0.5, 0.99, 1],
        values: [1, 5, 9.9, 10],
      },
    ]);
  });

  it('logs: observed-time fallback, flags, ids in any case, bodies of every type', async () => {
    const rows = await waitForRows<Row>(
      client(),
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber,
              Body, ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
              LogAttributes, EventName
       FROM otel_logs WHERE ServiceName = 'roundtrip-extra' ORDER BY LogAttributes['n']`,
      {},
      6,
    );
    const scope = {
      ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      ResourceAttributes: { 'service.name': 'roundtrip-extra', 'res.int': '7' },
      ScopeSchemaUrl: 'https://opentelemetry.io/schemas/1.29.0',
      ScopeName: 'extra.lib',
      ScopeVersion: '0.9.1',
      ScopeAttributes: { 'scope.flag': 'true' },
    };
    const plain = { ...scope, TraceId: '', SpanId: '', TraceFlags: 0, SeverityText: '', SeverityNumber: 0, EventName: '' };
    expect(rows).toEqual([
      {
        ...scope,
        ts: '1700000000123456789',
        TraceId: EXEMPLAR_TRACE,
        SpanId: EXEMPLAR_SPAN,
        TraceFlags: 1,
        SeverityText: '',
        SeverityNumber: 17,
        Body: '12',
        LogAttributes: { n: '1', blob: 'AAEC' },
        EventName: '',
      },
      { ...plain, ts: '1700000000200000000', Body: 'false', LogAttributes: { n: '2' } },
      { ...plain, ts: '1700000000300000000', Body: '3.5', LogAttributes: { n: '3' }, SeverityText: 'custom' },
      { ...plain, ts: '1700000000400000000', Body: 'AAEC', LogAttributes: { n: '4' } },
      { ...plain, ts: '1700000000500000000', Body: '["a",1,{"b":"c"}]', LogAttributes: { n: '5' } },
      { ...plain, ts: '1700000000600000000', Body: '', LogAttributes: { n: '6' }, EventName: 'only.an.event' },
    ]);
  });
});

// ---------------------------------------------------------------------------

interface JaegerFixture {
  resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string }[] }[] }[];
}

describe('Jaeger storage-integration traces', () => {
  const files = readdirSync(JAEGER_TRACES).filter((f) => f.endsWith('.json')).sort();
  /** trace id (lowercase) → span ids, over every file */
  const expected = new Map<string, Set<string>>();

  beforeAll(async () => {
    for (const file of files) {
      const payload = JSON.parse(readFileSync(join(JAEGER_TRACES, file), 'utf8')) as JaegerFixture;
      for (const rs of payload.resourceSpans) {
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) {
            const id = span.traceId.toLowerCase();
            const set = expected.get(id) ?? new Set<string>();
            set.add(span.spanId.toLowerCase());
            expected.set(id, set);
          }
        }
      }
      const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', payload);
      expect(reply.status, `${file}: ${reply.body.toString()}`).toBe(200);
    }
  });

  it('has all 32 fixture files', () => {
    expect(files).toHaveLength(32);
    expect(expected.size).toBe(32);
  });

  it('GET /api/ppo/traces/{id} returns every span of every trace', async () => {
    const mismatches: string[] = [];
    for (const [traceId, spanIds] of expected) {
      const reply = await apiGet(ppo.apiBase, `/traces/${traceId}`);
      if (reply.status !== 200) {
        mismatches.push(`${traceId}: HTTP ${reply.status}`);
        continue;
      }
      const spans = (reply.json as { spans: { spanId: string }[] }).spans;
      const got = spans.map((s) => s.spanId).sort();
      const want = [...spanIds].sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${traceId}: got ${got.join(',')} want ${want.join(',')}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('example_trace.json: 5 spans over 3 services', async () => {
    const reply = await apiGet(ppo.apiBase, '/traces/00000000000000000000000000000011');
    const spans = (reply.json as { spans: { serviceName: string }[] }).spans;
    expect(spans).toHaveLength(5);
    expect(new Set(spans.map((s) => s.serviceName)).size).toBe(3);
  });
});
