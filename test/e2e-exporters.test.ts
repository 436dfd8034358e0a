/**
 * End to end with the real OpenTelemetry JS exporters: every transport
 * (OTLP/gRPC, OTLP/HTTP protobuf, OTLP/HTTP JSON) × every signal, plain and
 * gzip, against PPO's receivers on 127.0.0.1; then the stored rows are read
 * back through the API (spans) and SQL (metrics, logs) and compared field by
 * field with what the SDK produced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type HrTime, type Link } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, setGlobalErrorHandler, TraceState, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  PeriodicExportingMetricReader,
  type ExponentialHistogram,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { apiGet, hrNanos } from './helpers/http.ts';
import { waitForRows } from './helpers/sql.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

type Transport = 'grpc' | 'proto' | 'json';

interface ApiSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: string;
  serviceName: string;
  startTime: string;
  endTime: string;
  durationNs: string;
  status: { code: string; message: string };
  attributes: Record<string, string>;
  resource: Record<string, string>;
  scope: { name: string; version: string };
  events: { time: string; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[];
}

let ppo: TestPpo;
/** Everything the SDK reports through its global error handler (failed exports land here). */
const sdkErrors: unknown[] = [];

beforeAll(async () => {
  setGlobalErrorHandler((err) => sdkErrors.push(err));
  ppo = await startTestPpo();
});

afterAll(async () => {
  await ppo?.stop();
});

function compression(gzip: boolean): CompressionAlgorithm {
  return gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;
}

function traceExporter(t: Transport, gzip: boolean): SpanExporter {
  const c = compression(gzip);
  switch (t) {
    case 'grpc':
      return new GrpcTraceExporter({ url: ppo.grpcUrl, compression: c });
    case 'proto':
      return new ProtoTraceExporter({ url: `${ppo.otlpHttpUrl}/v1/traces`, compression: c });
    case 'json':
      return new JsonTraceExporter({ url: `${ppo.otlpHttpUrl}/v1/traces`, compression: c });
  }
}

function metricExporter(t: Transport, gzip: boolean, temporality: AggregationTemporalityPreference): PushMetricExporter {
  const c = compression(gzip);
  switch (t) {
    case 'grpc':
      return new GrpcMetricExporter({ url: ppo.grpcUrl, compression: c, temporalityPreference: temporality });
    case 'proto':
      return new ProtoMetricExporter({ url: `${ppo.otlpHttpUrl}/v1/metrics`, compression: c, temporalityPreference: temporality });
    case 'json':
      return new JsonMetricExporter({ url: `${ppo.otlpHttpUrl}/v1/metrics`, compression: c, temporalityPreference: temporality });
  }
}

function logExporter(t: Transport, gzip: boolean): LogRecordExporter & { forceFlush(): Promise<void> } {
  const c = compression(gzip);
  switch (t) {
    case 'grpc':
      return new GrpcLogExporter({ url: ppo.grpcUrl, compression: c });
    case 'proto':
      return new ProtoLogExporter({ url: `${ppo.otlpHttpUrl}/v1/logs`, compression: c });
    case 'json':
      return new JsonLogExporter({ url: `${ppo.otlpHttpUrl}/v1/logs`, compression: c });
  }
}

function exportWith<T>(exporter: { export(items: T, done: (r: ExportResult) => void): void }, items: T): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items, resolve));
}

function expectSuccess(result: ExportResult): void {
  expect(result.error?.message ?? '', 'export error').toBe('');
  expect(result.code).toBe(ExportResultCode.SUCCESS);
}

async function fetchTrace(traceId: string): Promise<ApiSpan[]> {
  const reply = await apiGet(ppo.apiBase, `/traces/${traceId}`);
  expect(reply.status, `GET /traces/${traceId}: ${reply.body.toString()}`).toBe(200);
  const body = reply.json as { traceId: string; spans: ApiSpan[] };
  expect(body.traceId).toBe(traceId);
  return body.spans;
}

/** An HrTime `offsetNs` after `base` (offset < 1 s keeps the arithmetic obvious). */
function after(base: HrTime, offsetNs: number): HrTime {
  const nanos = base[1] + offsetNs;
  return [base[0] + Math.floor(nanos / 1e9), nanos % 1e9];
}

/** Collects on demand, so a test can see exactly what the SDK aggregated. */
class CollectingReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const cases: { transport: Transport; gzip: boolean }[] = [
  { transport: 'grpc', gzip: false },
  { transport: 'grpc', gzip: true },
  { transport: 'proto', gzip: false },
  { transport: 'proto', gzip: true },
  { transport: 'json', gzip: false },
  { transport: 'json', gzip: true },
];

describe.each(cases)('$transport exporters (gzip: $gzip)', ({ transport, gzip }) => {
  const suffix = `${transport}${gzip ? '-gzip' : ''}`;

  it('traces: every span field survives the round trip', async () => {
    const serviceName = `e2e-${suffix}-traces`;
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': serviceName,
        'service.version': '1.4.2',
        'host.cores': 8,
        'deployment.environment.name': 'e2e',
      }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('e2e-tracer', '2.1.0');

    const base: HrTime = [Math.floor(Date.now() / 1000) - 30, 123_456_789];
    const other = tracer.startSpan('unrelated-root', { startTime: base });
    other.end(after(base, 1000));

    const root = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER, startTime: base });
    root.setStatus({ code: SpanStatusCode.OK });
    const remote: Link = {
      context: {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
        traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
      },
      attributes: { 'link.kind': 'remote' },
    };
    const child = tracer.startSpan(
      'charge card',
      {
        kind: SpanKind.CLIENT,
        startTime: after(base, 1_000_000),
        attributes: {
          'http.request.method': 'POST',
          'http.response.status_code': 503,
          'retry.ratio': 0.75,
          'cache.hit': false,
          'payment.tags': ['visa', 'eu'],
          'net.ports': [80, 443],
          'feature.flags': [true, false],
          'latency.samples': [0.5, 1.25],
        },
        links: [{ context: other.spanContext(), attributes: { 'link.reason': 'retry-of', 'link.n': 1 } }, remote],
      },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.addEvent('retry', { attempt: 2, 'backoff.ms': 12.5, final: false }, after(base, 1_200_000));
    child.addEvent('gave up', after(base, 2_000_000));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream returned 503' });
    child.end(after(base, 2_500_000));
    root.end(after(base, 5_000_000));

    const spans = memory.getFinishedSpans();
    expect(spans).toHaveLength(3);
    const exporter = traceExporter(transport, gzip);
    try {
      expectSuccess(await exportWith(exporter, spans));
    } finally {
      await exporter.shutdown();
      await provider.shutdown();
    }

    const traceId = root.spanContext().traceId;
    const stored = await fetchTrace(traceId);
    expect(stored.map((s) => s.name).sort()).toEqual(['GET /checkout', 'charge card']);
    const r = stored.find((s) => s.name === 'GET /checkout');
    const c = stored.find((s) => s.name === 'charge card');
    if (!r || !c) throw new Error('spans missing');

    const resource = {
      'service.name': serviceName,
      'service.version': '1.4.2',
      'host.cores': '8',
      'deployment.environment.name': 'e2e',
    };
    expect(r).toMatchObject({
      traceId,
      spanId: root.spanContext().spanId,
      parentSpanId: '',
      kind: 'Server',
      serviceName,
      startTime: hrNanos(base),
      endTime: hrNanos(after(base, 5_000_000)),
      durationNs: '5000000',
      status: { code: 'Ok', message: '' },
      attributes: {},
      scope: { name: 'e2e-tracer', version: '2.1.0' },
      events: [],
      links: [],
    });
    expect(r.resource).toMatchObject(resource);

    expect(c).toMatchObject({
      traceId,
      spanId: child.spanContext().spanId,
      parentSpanId: root.spanContext().spanId,
      kind: 'Client',
      serviceName,
      startTime: hrNanos(after(base, 1_000_000)),
      endTime: hrNanos(after(base, 2_500_000)),
      durationNs: '1500000',
      status: { code: 'Error', message: 'upstream returned 503' },
      scope: { name: 'e2e-tracer', version: '2.1.0' },
    });
    expect(c.resource).toMatchObject(resource);
    // Attribute values as the contrib exporter stores them (pcommon.Value.AsString).
    expect(c.attributes).toEqual({
      'http.request.method': 'POST',
      'http.response.status_code': '503',
      'retry.ratio': '0.75',
      'cache.hit': 'false',
      'payment.tags': '["visa","eu"]',
      'net.ports': '[80,443]',
      'feature.flags': '[true,false]',
      'latency.samples': '[0.5,1.25]',
    });
    expect(c.events).toEqual([
      { time: hrNanos(after(base, 1_200_000)), name: 'retry', attributes: { attempt: '2', 'backoff.ms': '12.5', final: 'false' } },
      { time: hrNanos(after(base, 2_000_000)), name: 'gave up', attributes: {} },
    ]);
    expect(c.links).toEqual([
      { traceId: other.spanContext().traceId, spanId: other.spanContext().spanId, traceState: '', attributes: { 'link.reason': 'retry-of', 'link.n': '1' } },
      { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', attributes: { 'link.kind': 'remote' } },
    ]);

    const unrelated = await fetchTrace(other.spanContext().traceId);
    expect(unrelated).toHaveLength(1);
    expect(unrelated[0]).toMatchObject({ name: 'unrelated-root', kind: 'Internal', durationNs: '1000', status: { code: 'Unset', message: '' } });
  });

  it('metrics: counter, up-down counter, gauge, histogram and exponential histogram land in their tables', async () => {
    const serviceName = `e2e-${suffix}-metrics`;
    // Delta on the protobuf transport, cumulative elsewhere: both temporalities get stored.
    const delta = transport === 'proto';
    const exporter = metricExporter(transport, gzip, delta ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 10_000 });
    const sdkView = new CollectingReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName, 'host.name': 'e2e-host' }, { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }),
      readers: [reader, sdkView],
      views: [{ instrumentName: 'e2e.payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const meter = provider.getMeter('e2e-meter', '3.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.29.0' });

    const before = Math.floor(Date.now() / 1000);
    const requests = meter.createCounter('e2e.requests', { description: 'requests served', unit: '{request}' });
    requests.add(3, { route: '/a' });
    requests.add(4, { route: '/a' });
    requests.add(10, { route: '/b' });
    const inflight = meter.createUpDownCounter('e2e.inflight', { description: 'requests in flight' });
    inflight.add(5);
    inflight.add(-2);
    const temperature = meter.createGauge('e2e.temperature', { unit: 'Cel' });
    temperature.record(21.5, { room: 'lab' });
    const latency = meter.createHistogram('e2e.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
    for (const v of [5, 7, 50, 500]) latency.record(v, { route: '/a' });
    const size = meter.createHistogram('e2e.payload.size', { unit: 'By' });
    for (const v of [0, 1, 2, 4, 8]) size.record(v);

    const errorsBefore = sdkErrors.length;
    try {
      await provider.forceFlush();
      expect(sdkErrors.slice(errorsBefore)).toEqual([]);
      const client = ppo.ppo.storage.client;
      const params = { svc: serviceName };

      const sums = await waitForRows<Record<string, unknown>>(
        client,
        `SELECT MetricName, MetricDescription, MetricUnit, Attributes, Value, IsMonotonic, AggregationTemporality,
                ResourceAttributes, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeSchemaUrl,
                toUnixTimestamp(StartTimeUnix) AS start, toUnixTimestamp(TimeUnix) AS time
         FROM otel_metrics_sum WHERE ServiceName = {svc:String}
         ORDER BY MetricName, Attributes['route']`,
        params,
        3,
      );
      expect(sums).toHaveLength(3);
      const common = {
        ResourceAttributes: { 'service.name': serviceName, 'host.name': 'e2e-host' },
        ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        ScopeName: 'e2e-meter',
        ScopeVersion: '3.0.0',
        ScopeSchemaUrl: 'https://opentelemetry.io/schemas/1.29.0',
      };
      expect(sums[0]).toMatchObject({
        ...common,
        MetricName: 'e2e.inflight',
        MetricDescription: 'requests in flight',
        Attributes: {},
        Value: 3,
        IsMonotonic: false,
        AggregationTemporality: 2, // up-down counters stay cumulative even under a delta preference
      });
      const temporality = delta ? 1 : 2;
      expect(sums[1]).toMatchObject({
        ...common,
        MetricName: 'e2e.requests',
        MetricDescription: 'requests served',
        MetricUnit: '{request}',
        Attributes: { route: '/a' },
        Value: 7,
        IsMonotonic: true,
        AggregationTemporality: temporality,
      });
      expect(sums[2]).toMatchObject({ MetricName: 'e2e.requests', Attributes: { route: '/b' }, Value: 10, IsMonotonic: true });
      for (const row of sums) {
        expect(Number(row['time'])).toBeGreaterThanOrEqual(before - 1);
        expect(Number(row['time'])).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
        expect(Number(row['start'])).toBeLessThanOrEqual(Number(row['time']));
      }

      const gauges = await waitForRows<Record<string, unknown>>(
        client,
        `SELECT MetricName, MetricUnit, Attributes, Value, ScopeName, toUnixTimestamp(TimeUnix) AS time
         FROM otel_metrics_gauge WHERE ServiceName = {svc:String}`,
        params,
        1,
      );
      expect(gauges).toEqual([{ MetricName: 'e2e.temperature', MetricUnit: 'Cel', Attributes: { room: 'lab' }, Value: 21.5, ScopeName: 'e2e-meter', time: expect.anything() }]);

      const histograms = await waitForRows<Record<string, unknown>>(
        client,
        `SELECT MetricName, MetricUnit, Attributes, Count, Sum, BucketCounts, ExplicitBounds, Min, Max, AggregationTemporality, ScopeName
         FROM otel_metrics_histogram WHERE ServiceName = {svc:String}`,
        params,
        1,
      );
      expect(histograms).toEqual([
        {
          MetricName: 'e2e.latency',
          MetricUnit: 'ms',
          Attributes: { route: '/a' },
          Count: '4',
          Sum: 562,
          BucketCounts: ['2', '1', '1'],
          ExplicitBounds: [10, 100],
          Min: 5,
          Max: 500,
          AggregationTemporality: temporality,
          ScopeName: 'e2e-meter',
        },
      ]);

      // The exponential buckets are whatever the SDK computed; compare with its own view.
      const { resourceMetrics } = await sdkView.collect();
      const sdkMetric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'e2e.payload.size');
      expect(sdkMetric?.dataPointType).toBe(DataPointType.EXPONENTIAL_HISTOGRAM);
      const sdkPoint = sdkMetric?.dataPoints[0]?.value as ExponentialHistogram | undefined;
      if (!sdkPoint) throw new Error('SDK produced no exponential histogram point');
      const expHistograms = await waitForRows<Record<string, unknown>>(
        client,
        `SELECT MetricName, MetricUnit, Count, Sum, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts,
                NegativeOffset, NegativeBucketCounts, Min, Max, AggregationTemporality
         FROM otel_metrics_exponential_histogram WHERE ServiceName = {svc:String}`,
        params,
        1,
      );
      expect(expHistograms).toEqual([
        {
          MetricName: 'e2e.payload.size',
          MetricUnit: 'By',
          Count: '5',
          Sum: 15,
          Scale: sdkPoint.scale,
          ZeroCount: '1',
          PositiveOffset: sdkPoint.positive.offset,
          PositiveBucketCounts: sdkPoint.positive.bucketCounts.map(String),
          NegativeOffset: sdkPoint.negative.offset,
          NegativeBucketCounts: sdkPoint.negative.bucketCounts.map(String),
          Min: 0,
          Max: 8,
          AggregationTemporality: temporality,
        },
      ]);
      expect(sdkPoint.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(4);
    } finally {
      await provider.shutdown();
    }
  });

  it('logs: body, severity, attributes and trace correlation', async () => {
    const serviceName = `e2e-${suffix}-logs`;
    const exporter = logExporter(transport, gzip);
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName, 'k8s.pod.name': 'pod-1' }, { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }),
      processors: [new SimpleLogRecordProcessor(exporter)],
    });
    const logger = provider.getLogger('e2e-logger', '4.0.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.28.0' });
    // A sampled span to correlate with; it is never exported.
    const tracerProvider = new BasicTracerProvider();
    const span = tracerProvider.getTracer('log-correlation').startSpan('handle request');
    const t1: HrTime = [Math.floor(Date.now() / 1000) - 20, 987_654_321];
    const t2 = after(t1, 1_000);

    const errorsBefore = sdkErrors.length;
    logger.emit({
      timestamp: t1,
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'disk almost full',
      attributes: {
        'disk.path': '/var',
        'disk.free_bytes': 1024,
        'disk.ratio': 0.05,
        retry: true,
        codes: [1, 2],
        raw: new Uint8Array([1, 2, 3]),
        ctx: { b: 2, a: 'x' },
      },
      context: trace.setSpan(ROOT_CONTEXT, span),
    });
    logger.emit({
      timestamp: t2,
      severityNumber: SeverityNumber.INFO,
      eventName: 'e2e.checkout.completed',
      body: { total: 12.5, currency: 'EUR', items: ['a', 'b'] },
    });
    span.end();
    try {
      await provider.forceFlush();
      // SimpleLogRecordProcessor does not wait for its exports; the exporter does.
      await exporter.forceFlush();
      expect(sdkErrors.slice(errorsBefore)).toEqual([]);

      const rows = await waitForRows<Record<string, unknown>>(
        ppo.ppo.storage.client,
        `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber,
                ServiceName, Body, ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion,
                LogAttributes, EventName
         FROM otel_logs WHERE ServiceName = {svc:String} ORDER BY Timestamp`,
        { svc: serviceName },
        2,
      );
      expect(rows).toHaveLength(2);
      const scope = {
        ServiceName: serviceName,
        ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        ResourceAttributes: { 'service.name': serviceName, 'k8s.pod.name': 'pod-1' },
        ScopeSchemaUrl: 'https://opentelemetry.io/schemas/1.28.0',
        ScopeName: 'e2e-logger',
        ScopeVersion: '4.0.0',
      };
      expect(rows[0]).toEqual({
        ...scope,
        ts: hrNanos(t1),
        TraceId: span.spanContext().traceId,
        SpanId: span.spanContext().spanId,
        TraceFlags: 1,
        SeverityText: 'WARN',
        SeverityNumber: 13,
        Body: 'disk almost full',
        LogAttributes: {
          'disk.path': '/var',
          'disk.free_bytes': '1024',
          'disk.ratio': '0.05',
          retry: 'true',
          codes: '[1,2]',
          raw: 'AQID',
          ctx: '{"a":"x","b":2}',
        },
        EventName: '',
      });
      expect(rows[1]).toEqual({
        ...scope,
        ts: hrNanos(t2),
        TraceId: '',
        SpanId: '',
        TraceFlags: 0,
        SeverityText: '',
        SeverityNumber: 9,
        // A map body is stored as JSON with sorted keys (pcommon.Value.AsString).
        Body: '{"currency":"EUR","items":["a","b"],"total":12.5}',
        LogAttributes: {},
        EventName: 'e2e.checkout.completed',
      });
    } finally {
      await provider.shutdown();
      await tracerProvider.shutdown();
    }
  });
});

describe('SDK pipelines', () => {
  it('BatchSpanProcessor + forceFlush delivers a trace through OTLP/HTTP JSON', async () => {
    const serviceName = 'e2e-batch-traces';
    const exporter = new JsonTraceExporter({ url: `${ppo.otlpHttpUrl}/v1/traces` });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000, maxExportBatchSize: 512 })],
    });
    const tracer = provider.getTracer('batch');
    const root = tracer.startSpan('batch-root');
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let i = 0; i < 20; i++) tracer.startSpan(`batch-child-${i}`, {}, ctx).end();
    root.end();
    const errorsBefore = sdkErrors.length;
    try {
      await provider.forceFlush();
      expect(sdkErrors.slice(errorsBefore)).toEqual([]);
      const spans = await fetchTrace(root.spanContext().traceId);
      expect(spans).toHaveLength(21);
      expect(spans.filter((s) => s.parentSpanId === root.spanContext().spanId)).toHaveLength(20);
      expect(new Set(spans.map((s) => s.serviceName))).toEqual(new Set([serviceName]));
    } finally {
      await provider.shutdown();
    }
  });
});
