import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installContext } from './context.ts';
import { createHttpInstruments, tracedFetch, wrapHttpHandler } from './http.ts';

class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const tracer = provider.getTracer('test');
const reader = new TestReader();
const meters = new MeterProvider({ readers: [reader] });
const instruments = createHttpInstruments(meters.getMeter('test'));
let server: Server;
let base = '';

beforeAll(async () => {
  installContext();
  server = createServer(
    wrapHttpHandler(
      tracer,
      instruments,
      async (req, res) => {
        if (req.url?.startsWith('/orders/')) {
          // A child made inside the handler must hang under the server span.
          tracer.startSpan('load order').end();
          res.end('order');
        } else if (req.url === '/throw') {
          throw new Error('handler blew up');
        } else if (req.url === '/reject') {
          await Promise.resolve();
          throw new TypeError('async failure');
        } else {
          res.statusCode = 404;
          res.end();
        }
      },
      { route: (req) => (req.url?.startsWith('/orders/') ? '/orders/:id' : undefined) },
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

/** Ended spans, waiting briefly for the server side, which ends on the response's `finish`. */
async function finished(count: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100 && spans.getFinishedSpans().length < count; i++) await new Promise((r) => setTimeout(r, 5));
  return spans.getFinishedSpans();
}

async function histogram(name: string): Promise<HistogramMetricData | undefined> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return metric?.dataPointType === DataPointType.HISTOGRAM ? metric : undefined;
}

describe('tracedFetch + wrapHttpHandler', () => {
  it('links the client span to the server span across the hop and names it by route', async () => {
    spans.reset();
    const res = await tracedFetch(tracer, instruments, `${base}/orders/42?x=1`, { method: 'post' }, { peerService: 'orders', urlTemplate: '/orders/{id}' });
    expect(await res.text()).toBe('order');
    const done = await finished(3);
    const client = done.find((s) => s.kind === SpanKind.CLIENT);
    const srv = done.find((s) => s.kind === SpanKind.SERVER);
    const child = done.find((s) => s.name === 'load order');
    expect(client?.name).toBe('POST /orders/{id}');
    expect(client?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'peer.service': 'orders',
      'url.template': '/orders/{id}',
      // The query string stays out: it may carry secrets.
      'url.full': `${base}/orders/42`,
      'http.response.status_code': 200,
    });
    expect(srv?.name).toBe('POST /orders/:id');
    expect(srv?.spanContext().traceId).toBe(client?.spanContext().traceId);
    expect(srv?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
    expect(child?.parentSpanContext?.spanId).toBe(srv?.spanContext().spanId);
    expect(srv?.attributes).toMatchObject({ 'http.route': '/orders/:id', 'url.path': '/orders/42', 'http.response.status_code': 200 });
    expect(srv?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('turns a thrown or rejected handler into a 500 and an error span', async () => {
    spans.reset();
    expect((await fetch(`${base}/throw`)).status).toBe(500);
    expect((await fetch(`${base}/reject`)).status).toBe(500);
    const done = await finished(2);
    expect(done.map((s) => [s.name, s.status.code, s.attributes['error.type']])).toEqual([
      ['GET /throw', SpanStatusCode.ERROR, 'Error'],
      ['GET /reject', SpanStatusCode.ERROR, 'TypeError'],
    ]);
    expect(done[0]?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('marks a client call that fails, and one that answers 4xx', async () => {
    spans.reset();
    const res = await tracedFetch(tracer, instruments, `${base}/missing`);
    expect(res.status).toBe(404);
    await expect(tracedFetch(tracer, instruments, 'http://127.0.0.1:1/')).rejects.toThrow();
    const clients = (await finished(3)).filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients.map((s) => [s.status.code, s.attributes['error.type']])).toEqual([
      [SpanStatusCode.ERROR, '404'],
      [SpanStatusCode.ERROR, 'TypeError'],
    ]);
  });

  it('records request durations by route and status in seconds', async () => {
    const server = await histogram('http.server.request.duration');
    expect(server?.descriptor.unit).toBe('s');
    const byKey = new Map(
      (server?.dataPoints ?? []).map((p) => [`${p.attributes['http.route']} ${p.attributes['http.response.status_code']} ${p.attributes['error.type'] ?? ''}`, p.value]),
    );
    expect(byKey.get('/orders/:id 200 ')?.count).toBe(1);
    expect(byKey.get('/throw 500 Error')?.count).toBe(1);
    expect(byKey.get('/missing 404 ')?.count).toBe(1);
    const ordersSum = byKey.get('/orders/:id 200 ')?.sum ?? -1;
    expect(ordersSum).toBeGreaterThan(0);
    expect(ordersSum).toBeLessThan(5);
    const client = await histogram('http.client.request.duration');
    expect(client?.dataPoints.reduce((n, p) => n + p.value.count, 0)).toBe(3);
  });
});
