/**
 * Generated traffic for the learning-loop tests: an `orders` service whose
 * `GET /orders` loads its items one query at a time (an N+1: v1), or with
 * one batched query (the fix: v2), exported through the real OpenTelemetry
 * JS SDK and OTLP/HTTP protobuf exporter with the given (possibly past)
 * timestamps.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface OrdersTrafficOptions {
  readonly otlpHttpUrl: string;
  /** Default `orders`. */
  readonly service?: string;
  readonly version: string;
  /** 'n-plus-one': one query per item; 'batched': one IN-list query. */
  readonly shape: 'n-plus-one' | 'batched';
  /** Unix ms of the first request. */
  readonly startMs: number;
  readonly durationMs: number;
  /** One request every this many ms. */
  readonly intervalMs: number;
  readonly itemsPerOrder?: number;
  /** Share of requests that fail in the database (0..1). */
  readonly errorRate?: number;
  readonly seed?: number;
  /** Multiplies every query's duration (a slower release: 1.5). */
  readonly queryScale?: number;
}

/** Sends the requests and resolves once the exporter has delivered all of them. */
export async function sendOrdersTraffic(o: OrdersTrafficOptions): Promise<number> {
  let s = (o.seed ?? 7) >>> 0;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.service ?? 'orders', 'service.version': o.version, 'deployment.environment.name': 'test' }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${o.otlpHttpUrl}/v1/traces` }), { maxQueueSize: 100_000, maxExportBatchSize: 2_000, scheduledDelayMillis: 200 }),
    ],
  });
  const tracer = provider.getTracer('orders-traffic', '1.0.0');
  const items = o.itemsPerOrder ?? 8;
  let requests = 0;
  for (let t = o.startMs; t < o.startMs + o.durationMs; t += o.intervalMs) {
    requests++;
    const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: t, attributes: { 'http.request.method': 'GET', 'http.route': '/orders' } });
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    let cursor = t + 0.5 + uniform();
    const fail = uniform() < (o.errorRate ?? 0);
    const query = (text: string, baseMs: number): void => {
      const ms = baseMs * (o.queryScale ?? 1);
      const span = tracer.startSpan('SELECT items', { kind: SpanKind.CLIENT, startTime: cursor, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } }, ctx);
      if (fail) span.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
      span.end(cursor + ms);
      cursor += ms + 0.05;
    };
    if (o.shape === 'n-plus-one') {
      for (let k = 0; k < items; k++) query(`SELECT * FROM items WHERE id = ${requests * items + k}`, 4 + 2 * uniform());
    } else {
      const ids = Array.from({ length: items }, (_, k) => requests * items + k).join(', ');
      query(`SELECT * FROM items WHERE id IN (${ids})`, 6 + 2 * uniform());
    }
    if (fail) root.setStatus({ code: SpanStatusCode.ERROR });
    root.end(cursor + 0.5 + uniform());
  }
  await provider.forceFlush();
  await provider.shutdown();
  return requests;
}
