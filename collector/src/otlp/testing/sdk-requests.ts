import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/**
 * Export requests produced by the real OpenTelemetry JS SDK and serialized by
 * its own OTLP serializers, in both encodings, for parity tests and the
 * benchmark.
 */

export interface EncodedRequest {
  proto: Uint8Array;
  json: Uint8Array;
}

function must(bytes: Uint8Array | undefined): Uint8Array {
  if (!bytes) throw new Error('serializer returned nothing');
  return bytes;
}

const ATTRIBUTE_SAMPLES: Attributes = {
  'http.request.method': 'GET',
  'url.path': "/api/o'brien\\x\ttab\nline",
  'http.response.status_code': 200,
  'server.port': 8080,
  ratio: 0.25,
  tiny: 1e-9,
  // No |x| >= 2^53: the SDK sends those as intValue, which int64 cannot hold.
  negative: -17,
  'cache.hit': true,
  'array.strings': ['a', 'b"c', '<&>'],
  'array.numbers': [1, 2.5, -3],
  'array.bools': [true, false],
  unicode: 'ünïcødé ✓ 😀',
};

function spanAttributes(i: number): Attributes {
  return { ...ATTRIBUTE_SAMPLES, 'span.index': i, 'db.statement': `SELECT * FROM t WHERE id = ${i}` };
}

/** Finished spans of `services` services, `spansPerService` each, in traces of up to 5 spans. */
export function sdkSpans(services: number, spansPerService: number): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  for (let s = 0; s < services; s++) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': `service-${s}`,
        'service.version': `1.${s}.0`,
        'deployment.environment.name': 'bench',
        'host.name': `host-${s % 3}`,
        'process.pid': 1000 + s,
      }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer(`lib-${s % 2}`, '2.0.1');
    let made = 0;
    while (made < spansPerService) {
      const root = tracer.startSpan(`GET /route/${made}`, { kind: SpanKind.SERVER, attributes: spanAttributes(made) });
      made++;
      const ctx = trace.setSpan(context.active(), root);
      for (let c = 0; c < 4 && made < spansPerService; c++, made++) {
        const child = tracer.startSpan(
          `child ${c}`,
          {
            kind: [SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER][c]!,
            attributes: spanAttributes(made),
            links: c === 1 ? [{ context: root.spanContext(), attributes: { 'link.kind': 'follows' } }] : [],
          },
          ctx,
        );
        if (c === 0) child.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'boom' });
        if (c === 2) child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed: "x"' });
        child.end();
      }
      root.setStatus({ code: SpanStatusCode.OK });
      root.end();
    }
    spans.push(...exporter.getFinishedSpans());
  }
  return spans;
}

export function encodeSpans(spans: ReadableSpan[]): EncodedRequest {
  return {
    proto: must(ProtobufTraceSerializer.serializeRequest(spans)),
    json: must(JsonTraceSerializer.serializeRequest(spans)),
  };
}

class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** One collection of every instrument kind the SDK has (no summaries: the SDK cannot make them). */
export async function sdkMetricsRequest(): Promise<EncodedRequest> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'metrics-svc', 'service.instance.id': 'i-1' }),
    readers: [reader],
    views: [{ instrumentName: 'exp.*', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('meter-lib', '0.3.0');
  const counter = meter.createCounter('requests', { description: 'requests served', unit: '{request}' });
  const upDown = meter.createUpDownCounter('queue.depth');
  const histogram = meter.createHistogram('latency', { unit: 'ms' });
  const expHistogram = meter.createHistogram('exp.latency', { unit: 's' });
  const gauge = meter.createGauge('temperature');
  meter.createObservableGauge('cpu.utilization').addCallback((r) => r.observe(0.75, { cpu: 0 }));
  for (let i = 0; i < 20; i++) {
    const attrs = { route: `/r/${i % 3}`, ok: i % 5 !== 0 };
    counter.add(i + 1, attrs);
    upDown.add(i % 2 === 0 ? 3 : -2, attrs);
    histogram.record(i * 7.5, attrs);
    expHistogram.record(i === 0 ? 0 : i % 2 === 0 ? 1 / (i + 1) : i * 100, attrs);
    gauge.record(20 + i / 10, { room: 'a' });
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return {
    proto: must(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)),
    json: must(JsonMetricsSerializer.serializeRequest(resourceMetrics)),
  };
}

/** Log records with string, map and array bodies, event names and span context. */
export function sdkLogsRequest(): EncodedRequest {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'logs-svc' }),
    processors: [new SimpleLogRecordProcessor(exporter)],
  });
  const logger = provider.getLogger('log-lib', '4.5.6');
  const tracerProvider = new BasicTracerProvider();
  const span = tracerProvider.getTracer('t').startSpan('op');
  const inSpan = trace.setSpan(context.active(), span);
  logger.emit({ severityNumber: 9, severityText: 'INFO', body: 'plain message', attributes: { a: 1 } });
  logger.emit({ severityNumber: 17, body: { z: 1, a: ['x', 2], nested: { k: 'v' } }, context: inSpan, eventName: 'app.event' });
  logger.emit({ body: ['one', 2, true], attributes: { 'exception.stacktrace': 'at x\n\tat y' }, context: inSpan });
  logger.emit({ severityNumber: 5, timestamp: new Date(1700000000123), attributes: { list: [1, 2] } });
  span.end();
  const records = exporter.getFinishedLogRecords();
  return {
    proto: must(ProtobufLogsSerializer.serializeRequest(records)),
    json: must(JsonLogsSerializer.serializeRequest(records)),
  };
}
