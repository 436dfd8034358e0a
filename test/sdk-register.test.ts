/**
 * @ppo/sdk end to end: an app with no telemetry code of its own (a node:http server
 * calling itself through http.get and fetch, logging with pino) runs in a child process
 * under `node --import @ppo/sdk/register`, exports over OTLP/gRPC to a PPO started here,
 * and is stopped with SIGTERM. Everything it buffered must be flushed on the way out, and
 * the stored spans, metrics and logs must carry the app's resource.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChildApp, type ChildExit } from './helpers/child-app.ts';
import { queryRows } from './helpers/sql.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

const APP = fileURLToPath(new URL('./fixtures/sdk-app/app.mjs', import.meta.url));
const SERVICE = 'sdk-register-app';
const ROUNDS = 3;

interface SpanRow {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  ScopeName: string;
  ResourceAttributes: Record<string, string>;
  SpanAttributes: Record<string, string>;
}

let ppo: TestPpo;
let exit: ChildExit;

beforeAll(async () => {
  ppo = await startTestPpo();
  exit = await runChildApp({
    args: ['--import', '@ppo/sdk/register', APP],
    env: {
      PPO_ENDPOINT: ppo.grpcUrl,
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=perf%20eng',
      APP_ROUNDS: String(ROUNDS),
      // Long intervals on purpose: nothing would be exported before SIGTERM without the flush on shutdown.
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_BLRP_SCHEDULE_DELAY: '60000',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    },
    stop: 'signal',
  });
});

afterAll(async () => {
  await ppo?.stop();
});

describe('node --import @ppo/sdk/register', () => {
  it('flushes on SIGTERM, then ends the process with that signal', () => {
    expect(exit.stdout).toContain('"bodies":["front+back","front+back","front+back"]');
    expect(exit.signal).toBe('SIGTERM');
  });

  it('stores server and client spans linked parent/child across each HTTP hop', async () => {
    const spans = await queryRows<SpanRow>(
      ppo.ppo.storage.client,
      `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ScopeName, ResourceAttributes, SpanAttributes
       FROM otel_traces WHERE ServiceName = {service:String}`,
      { service: SERVICE },
    );
    const traces = new Map<string, SpanRow[]>();
    for (const s of spans) traces.set(s.TraceId, [...(traces.get(s.TraceId) ?? []), s]);
    expect(traces.size).toBe(ROUNDS);
    for (const trace of traces.values()) {
      // http.get → GET /front → fetch → GET /back: two client spans, two server spans.
      const byId = new Map(trace.map((s) => [s.SpanId, s]));
      const servers = trace.filter((s) => s.SpanKind === 'Server');
      const clients = trace.filter((s) => s.SpanKind === 'Client');
      expect(servers).toHaveLength(2);
      expect(clients).toHaveLength(2);
      const root = clients.find((s) => s.ParentSpanId === '');
      expect(root?.ScopeName).toBe('@opentelemetry/instrumentation-http');
      const front = servers.find((s) => s.SpanAttributes['http.target'] === '/front' || s.SpanAttributes['url.path'] === '/front');
      const back = servers.find((s) => s !== front);
      expect(front?.ParentSpanId).toBe(root?.SpanId);
      const fetchSpan = clients.find((s) => s !== root);
      expect(fetchSpan?.ScopeName).toBe('@opentelemetry/instrumentation-undici');
      expect(fetchSpan?.ParentSpanId).toBe(front?.SpanId);
      expect(back?.ParentSpanId).toBe(fetchSpan?.SpanId);
      expect(byId.size).toBe(4);
    }
  });

  it('gives every span the resource: service name and version, env attributes, host and process', async () => {
    const [row] = await queryRows<{ r: Record<string, string> }>(
      ppo.ppo.storage.client,
      `SELECT any(ResourceAttributes) AS r FROM otel_traces WHERE ServiceName = {service:String}`,
      { service: SERVICE },
    );
    const r = row?.r ?? {};
    expect(r['service.name']).toBe(SERVICE);
    // From test/fixtures/sdk-app/package.json, the package nearest to the entry script.
    expect(r['service.version']).toBe('3.1.4');
    expect(r['deployment.environment.name']).toBe('test');
    expect(r['team']).toBe('perf eng');
    expect(r['host.name']).toBeTruthy();
    expect(r['host.arch']).toBeTruthy();
    expect(r['os.type']).toBe('linux');
    expect(Number(r['process.pid'])).toBeGreaterThan(0);
    expect(r['process.runtime.name']).toBe('nodejs');
    expect(r['process.runtime.version']).toBe(process.versions.node);
    expect(r['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r['telemetry.sdk.language']).toBe('nodejs');
  });

  it('stores runtime, process and HTTP metrics under the same resource', async () => {
    const names = await queryRows<{ MetricName: string; version: string; table: string }>(
      ppo.ppo.storage.client,
      `SELECT MetricName, any(ResourceAttributes['service.version']) AS version, 'gauge' AS table FROM otel_metrics_gauge WHERE ServiceName = {service:String} GROUP BY MetricName
       UNION ALL SELECT MetricName, any(ResourceAttributes['service.version']), 'sum' FROM otel_metrics_sum WHERE ServiceName = {service:String} GROUP BY MetricName
       UNION ALL SELECT MetricName, any(ResourceAttributes['service.version']), 'histogram' FROM otel_metrics_histogram WHERE ServiceName = {service:String} GROUP BY MetricName`,
      { service: SERVICE },
    );
    const tableOf = new Map(names.map((n) => [n.MetricName, n.table]));
    expect(tableOf.get('nodejs.eventloop.delay.p99')).toBe('gauge');
    expect(tableOf.get('nodejs.eventloop.utilization')).toBe('gauge');
    expect(tableOf.get('v8js.memory.heap.used')).toBe('gauge');
    expect(tableOf.get('v8js.gc.duration')).toBe('histogram');
    expect(tableOf.get('process.cpu.time')).toBe('sum');
    expect(tableOf.get('process.cpu.utilization')).toBe('gauge');
    expect(tableOf.get('process.memory.usage')).toBe('gauge');
    expect(tableOf.get('system.memory.usage')).toBe('gauge');
    expect(tableOf.get('http.server.duration')).toBe('histogram');
    expect(tableOf.get('http.client.duration')).toBe('histogram');
    for (const n of names) expect(n.version, n.MetricName).toBe('3.1.4');

    const [server] = await queryRows<{ count: string }>(
      ppo.ppo.storage.client,
      `SELECT sum(Count) AS count FROM otel_metrics_histogram WHERE ServiceName = {service:String} AND MetricName = 'http.server.duration'`,
      { service: SERVICE },
    );
    // One final cumulative export: every /front and /back request counted once.
    expect(Number(server?.count)).toBe(2 * ROUNDS);
  });

  it('stores the pino lines as OTLP logs, correlated with the span they were written in', async () => {
    const logs = await queryRows<{ Body: string; SeverityText: string; TraceId: string; SpanId: string; version: string }>(
      ppo.ppo.storage.client,
      `SELECT Body, SeverityText, TraceId, SpanId, ResourceAttributes['service.version'] AS version
       FROM otel_logs WHERE ServiceName = {service:String}`,
      { service: SERVICE },
    );
    expect(logs.filter((l) => l.Body === 'front handling a request')).toHaveLength(ROUNDS);
    expect(logs.filter((l) => l.Body === 'back answering' && l.SeverityText === 'warn')).toHaveLength(ROUNDS);
    const serverSpans = await queryRows<{ TraceId: string; SpanId: string }>(
      ppo.ppo.storage.client,
      `SELECT TraceId, SpanId FROM otel_traces WHERE ServiceName = {service:String} AND SpanKind = 'Server'`,
      { service: SERVICE },
    );
    const serverIds = new Set(serverSpans.map((s) => `${s.TraceId}/${s.SpanId}`));
    for (const l of logs) {
      expect(serverIds.has(`${l.TraceId}/${l.SpanId}`), l.Body).toBe(true);
      expect(l.version).toBe('3.1.4');
    }
  });
});
