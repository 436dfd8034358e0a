/**
 * createServiceTelemetry: two services in one process, each with its own providers,
 * exporters and resource, none registered globally. Service A calls service B over real
 * HTTP with W3C trace context injected by hand; B serves through the SDK's httpHandler and
 * db helpers. PPO must store each side under its own service.name and resource, with B's
 * server span the child of A's client span.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceTelemetry, type ServiceTelemetry } from '@ppo/sdk';
import { queryRows } from './helpers/sql.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

let ppo: TestPpo;
let a: ServiceTelemetry;
let b: ServiceTelemetry;
let server: Server;
let traceId = '';

interface SpanRow {
  ServiceName: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  ScopeName: string;
  ResourceAttributes: Record<string, string>;
}

beforeAll(async () => {
  ppo = await startTestPpo();
  // What an operator exported for the whole process: it describes the deployment but must
  // not rename the services sharing the process.
  const env = {
    OTEL_SERVICE_NAME: 'whole-process',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=demo',
    // Nothing is exported on a timer during the test: only forceFlush() can make rows appear.
    OTEL_BSP_SCHEDULE_DELAY: '60000',
    OTEL_BLRP_SCHEDULE_DELAY: '60000',
  };
  a = createServiceTelemetry(
    { serviceName: 'svc-a', serviceVersion: '1.0.0', endpoint: ppo.grpcUrl, resourceAttributes: { team: 'checkout' }, metricIntervalMs: 60_000 },
    env,
  );
  b = createServiceTelemetry(
    { serviceName: 'svc-b', serviceVersion: '2.0.0', endpoint: ppo.grpcUrl, metricIntervalMs: 60_000, runtimeMetrics: true },
    env,
  );

  const served = b.meter.createCounter('work.done', { description: 'units of work B did' });
  // B uses the SDK's helpers: a server span continuing A's trace from traceparent, and a DB span.
  server = createServer(
    b.httpHandler(async (_req, res) => {
      const rows = await b.db({ system: 'sqlite', statement: 'SELECT * FROM items WHERE id = ?', collection: 'items' }, () => [{ id: 1 }]);
      b.logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'b did the work' });
      served.add(rows.length, { route: '/work' });
      res.end('ok');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  await a.tracer.startActiveSpan('POST /checkout', { kind: SpanKind.SERVER }, async (span) => {
    traceId = span.spanContext().traceId;
    await a.tracer.startActiveSpan('GET svc-b', { kind: SpanKind.CLIENT }, async (client) => {
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      const res = await fetch(`http://127.0.0.1:${port}/work`, { headers });
      expect(await res.text()).toBe('ok');
      client.end();
    });
    a.logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'a checked out' });
    span.setStatus({ code: SpanStatusCode.OK });
    span.end();
  });
  // The runtime instrumentation reports event-loop delay only once its 10 ms monitor holds 5 samples:
  // on a fast run the flush could come first and the gauge would simply be absent.
  await new Promise((r) => setTimeout(r, 120));
  await Promise.all([a.forceFlush(), b.forceFlush()]);
});

afterAll(async () => {
  await Promise.all([a?.shutdown(), b?.shutdown()]);
  server?.close();
  await ppo?.stop();
});

describe('createServiceTelemetry', () => {
  it('registers nothing globally: the global tracer stays a no-op', () => {
    const probe = trace.getTracer('probe').startSpan('probe');
    expect(probe.isRecording()).toBe(false);
    probe.end();
  });

  it('stores each service under its own name, with the hop linked parent/child', async () => {
    const spans = await queryRows<SpanRow>(
      ppo.ppo.storage.client,
      `SELECT ServiceName, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ScopeName, ResourceAttributes
       FROM otel_traces WHERE TraceId = {traceId:String}`,
      { traceId },
    );
    expect(spans.map((s) => `${s.ServiceName} ${s.SpanKind} ${s.SpanName}`).sort()).toEqual([
      'svc-a Client GET svc-b',
      'svc-a Server POST /checkout',
      'svc-b Client SELECT items',
      'svc-b Server GET /work',
    ]);
    const named = (name: string): SpanRow | undefined => spans.find((s) => s.SpanName === name);
    expect(named('POST /checkout')?.ParentSpanId).toBe('');
    expect(named('GET svc-b')?.ParentSpanId).toBe(named('POST /checkout')?.SpanId);
    expect(named('GET /work')?.ParentSpanId).toBe(named('GET svc-b')?.SpanId);
    expect(named('SELECT items')?.ParentSpanId).toBe(named('GET /work')?.SpanId);
    expect(named('GET /work')?.ScopeName).toBe('svc-b');
    const [db] = await queryRows<{ a: Record<string, string> }>(
      ppo.ppo.storage.client,
      `SELECT SpanAttributes AS a FROM otel_traces WHERE TraceId = {traceId:String} AND SpanName = 'SELECT items'`,
      { traceId },
    );
    expect(db?.a).toMatchObject({ 'db.system.name': 'sqlite', 'db.query.text': 'SELECT * FROM items WHERE id = ?' });
  });

  it('gives each service its own resource over the shared host and process attributes', async () => {
    const rows = await queryRows<{ ServiceName: string; r: Record<string, string> }>(
      ppo.ppo.storage.client,
      `SELECT ServiceName, any(ResourceAttributes) AS r FROM otel_traces WHERE TraceId = {traceId:String} GROUP BY ServiceName`,
      { traceId },
    );
    const ra = rows.find((r) => r.ServiceName === 'svc-a')?.r ?? {};
    const rb = rows.find((r) => r.ServiceName === 'svc-b')?.r ?? {};
    expect(ra['service.version']).toBe('1.0.0');
    expect(rb['service.version']).toBe('2.0.0');
    expect(ra['team']).toBe('checkout');
    expect(rb['team']).toBeUndefined();
    expect(ra['deployment.environment.name']).toBe('demo');
    expect(rb['deployment.environment.name']).toBe('demo');
    expect(ra['service.instance.id']).not.toBe(rb['service.instance.id']);
    expect(ra['host.name']).toBe(rb['host.name']);
    expect(ra['host.name']).toBeTruthy();
    expect(ra['process.pid']).toBe(String(process.pid));
    expect(rb['process.pid']).toBe(String(process.pid));
  });

  it('keeps metrics apart: runtime metrics only for the service that asked, counters under their owner', async () => {
    const rows = await queryRows<{ ServiceName: string; MetricName: string }>(
      ppo.ppo.storage.client,
      `SELECT DISTINCT ServiceName, MetricName FROM otel_metrics_gauge WHERE ServiceName IN ('svc-a', 'svc-b')
       UNION ALL SELECT DISTINCT ServiceName, MetricName FROM otel_metrics_sum WHERE ServiceName IN ('svc-a', 'svc-b')`,
    );
    const of = (service: string): string[] => rows.filter((r) => r.ServiceName === service).map((r) => r.MetricName);
    expect(of('svc-b')).toContain('work.done');
    expect(of('svc-b')).toContain('nodejs.eventloop.delay.p99');
    expect(of('svc-b')).toContain('process.cpu.utilization');
    expect(of('svc-a')).toEqual([]);
    const [done] = await queryRows<{ v: number; version: string }>(
      ppo.ppo.storage.client,
      `SELECT sum(Value) AS v, any(ResourceAttributes['service.version']) AS version FROM otel_metrics_sum
       WHERE ServiceName = 'svc-b' AND MetricName = 'work.done'`,
    );
    expect(done).toEqual({ v: 1, version: '2.0.0' });
    const histograms = await queryRows<{ MetricName: string; n: string; route: string }>(
      ppo.ppo.storage.client,
      `SELECT MetricName, toString(sum(Count)) AS n, any(Attributes['http.route']) AS route FROM otel_metrics_histogram
       WHERE ServiceName = 'svc-b' AND MetricName IN ('http.server.request.duration', 'db.client.operation.duration')
       GROUP BY MetricName ORDER BY MetricName`,
    );
    expect(histograms).toEqual([
      { MetricName: 'db.client.operation.duration', n: '1', route: '' },
      { MetricName: 'http.server.request.duration', n: '1', route: '/work' },
    ]);
  });

  it('stores each service’s logs under its name, correlated with the active span', async () => {
    const logs = await queryRows<{ ServiceName: string; Body: string; SeverityText: string; SpanId: string }>(
      ppo.ppo.storage.client,
      `SELECT ServiceName, Body, SeverityText, SpanId FROM otel_logs WHERE TraceId = {traceId:String} ORDER BY ServiceName`,
      { traceId },
    );
    const spans = await queryRows<{ SpanName: string; SpanId: string }>(
      ppo.ppo.storage.client,
      `SELECT SpanName, SpanId FROM otel_traces WHERE TraceId = {traceId:String}`,
      { traceId },
    );
    const spanOf = new Map(spans.map((s) => [s.SpanName, s.SpanId]));
    expect(logs).toEqual([
      { ServiceName: 'svc-a', Body: 'a checked out', SeverityText: 'WARN', SpanId: spanOf.get('POST /checkout') },
      { ServiceName: 'svc-b', Body: 'b did the work', SeverityText: 'INFO', SpanId: spanOf.get('GET /work') },
    ]);
  });

  it('shuts down idempotently', async () => {
    const c = createServiceTelemetry({ serviceName: 'svc-c', endpoint: ppo.grpcUrl });
    const first = c.shutdown();
    expect(c.shutdown()).toBe(first);
    await first;
  });
});
