/**
 * The API core over real chDB with `app.request()`: the OpenAPI document (and
 * that it covers every mounted route), every seed route, API keys, CORS and
 * request logging.
 */
import { LiveEvents } from '@ppo/analyzer';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, ROUTE_DOCS } from './app.ts';
import { otlpTraces, startApiHarness, type ApiHarness, type TestSpan } from './testing/api-harness.ts';

interface LogLine {
  level: number;
  msg: string;
  method?: string;
  path?: string;
  status?: number;
  ms?: number;
}

const logLines: LogLine[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as LogLine);
    done();
  },
});

const KEY = 'test-key';
const auth = { Authorization: `Bearer ${KEY}` };
const nowMs = Date.now();
const TRACE = 'ab'.repeat(16);

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({
    apiKeys: [KEY],
    corsOrigins: ['https://dash.example.com'],
    log: pino({ level: 'debug' }, logStream),
    metricsText: () => 'ppo_spans_received_total 42\n',
  });
  const start = BigInt(nowMs - 60_000) * 1_000_000n;
  const spans: TestSpan[] = [
    { service: 'app-web', traceId: TRACE, spanId: 'ab00000000000001', name: 'GET /', kind: 2, startNs: start, durationNs: 30_000_000n },
    { service: 'app-api', traceId: TRACE, spanId: 'ab00000000000002', parentSpanId: 'ab00000000000001', name: 'GET /items', kind: 2, startNs: start + 1_000_000n, durationNs: 20_000_000n, error: true },
  ];
  await h.insertOtlp(otlpTraces(spans));
});

afterAll(async () => {
  await h?.close();
});

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown>; description?: string }[]; responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { securitySchemes: Record<string, unknown> };
}

describe('GET /api/ppo/openapi.json', () => {
  let doc: OpenApiDoc;

  beforeAll(async () => {
    const reply = await h.get('/api/ppo/openapi.json', auth);
    expect(reply.status).toBe(200);
    doc = reply.json as OpenApiDoc;
  });

  it('is OpenAPI 3.1 with bearer auth', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes['bearerAuth']).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents exactly the mounted routes', () => {
    const mounted = h.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
      .sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
      .sort();
    expect(documented).toEqual(mounted);
  });

  it('derives parameters from the routes\' zod schemas', () => {
    const pm = doc.paths['/api/ppo/performance-metrics']?.['get'];
    const params = Object.fromEntries((pm?.parameters ?? []).map((p) => [p.name, p]));
    expect(Object.keys(params).sort()).toEqual(['from', 'operation', 'service', 'spanKind', 'step', 'to']);
    expect(params['service']).toMatchObject({ in: 'query', required: true, schema: { type: 'string', minLength: 1 } });
    expect(params['spanKind']?.schema['enum']).toContain('server');
    expect(params['step']?.description).toMatch(/multiple of 60/);
    const search = doc.paths['/api/ppo/traces']?.['get'];
    const limit = search?.parameters?.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } });
    const byId = doc.paths['/api/ppo/traces/{traceId}']?.['get'];
    expect(byId?.parameters).toEqual([expect.objectContaining({ name: 'traceId', in: 'path', required: true })]);
    expect(byId?.responses['404']).toBeDefined();
  });

  it('marks health and /metrics as open', () => {
    expect(doc.paths['/api/ppo/health']?.['get']?.security).toEqual([]);
    expect(doc.paths['/metrics']?.['get']?.security).toEqual([]);
    expect(doc.paths['/api/ppo/services']?.['get']?.security).toBeUndefined();
  });

  it('has a response schema the routes\' answers satisfy', async () => {
    const from = new Date(nowMs - 10 * 60_000).toISOString();
    const to = new Date(nowMs + 60_000).toISOString();
    const calls: [string, string][] = [
      ['/health', '/api/ppo/health'],
      ['/services', `/api/ppo/services?from=${from}&to=${to}`],
      ['/service-map', `/api/ppo/service-map?from=${from}&to=${to}`],
      ['/performance-metrics', `/api/ppo/performance-metrics?service=app-api&from=${from}&to=${to}`],
      ['/traces', `/api/ppo/traces?from=${from}&to=${to}`],
      ['/traces/{traceId}', `/api/ppo/traces/${TRACE}`],
    ];
    for (const [path, url] of calls) {
      const route = ROUTE_DOCS.find((d) => d.path === path && d.method === 'get');
      const reply = await h.get(url, auth);
      expect(reply.status, url).toBe(200);
      const parsed = route?.response.schema?.safeParse(reply.json);
      expect(parsed?.success, `${url}: ${JSON.stringify(parsed?.error?.issues)}`).toBe(true);
    }
  });
});

describe('seed routes through app.request()', () => {
  it('health is ok and open', async () => {
    const reply = await h.get('/api/ppo/health');
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ status: 'ok', checks: { clickhouse: { status: 'ok' } } });
  });

  it('services lists both services with counts', async () => {
    const reply = await h.get(`/api/ppo/services?from=${new Date(nowMs - 600_000).toISOString()}`, auth);
    expect((reply.json as { services: { name: string; spans: number; errors: number }[] }).services.map((s) => [s.name, s.spans, s.errors])).toEqual([
      ['app-api', 1, 1],
      ['app-web', 1, 0],
    ]);
  });

  it('traces/{traceId} returns the spans; unknown → 404 problem', async () => {
    const reply = await h.get(`/api/ppo/traces/${TRACE.toUpperCase()}`, auth);
    expect(reply.status).toBe(200);
    expect((reply.json as { spans: { spanId: string }[] }).spans.map((s) => s.spanId)).toEqual(['ab00000000000001', 'ab00000000000002']);
    const missing = await h.get(`/api/ppo/traces/${'cd'.repeat(16)}`, auth);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('GET /metrics is Prometheus text, open', async () => {
    const res = await h.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    expect(await res.text()).toBe('ppo_spans_received_total 42\n');
  });
});

describe('API keys on the new routes', () => {
  it.each(['/api/ppo/openapi.json', '/api/ppo/performance-metrics?service=x', '/api/ppo/service-map', '/api/ppo/traces'])('%s without a key → 401 problem', async (path) => {
    const reply = await h.get(path);
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('CORS', () => {
  const origin = 'https://dash.example.com';

  it('answers a preflight from an allowed origin without a key', async () => {
    const res = await h.app.request('/api/ppo/traces', {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('labels real responses, refusals included, for the allowed origin only', async () => {
    const ok = await h.get('/api/ppo/health', { Origin: origin });
    expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
    const refused = await h.get('/api/ppo/services', { Origin: origin });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(origin);
    const other = await h.get('/api/ppo/health', { Origin: 'https://evil.example.com' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers when no origins are configured', async () => {
    // Same storage (chDB allows one data dir per process), no corsOrigins.
    const plain = createApp({ storage: h.storage, checks: async () => ({}), apiKeys: [], metricsText: () => '', events: new LiveEvents() });
    const res = await plain.request('/api/ppo/health', { headers: { Origin: origin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('request log', () => {
  it('logs method, path, status and ms per request; probes at debug', async () => {
    logLines.length = 0;
    await h.get('/api/ppo/services?from=yesterday', auth);
    await h.get('/api/ppo/health');
    await h.get('/api/ppo/nowhere', auth);
    const requests = logLines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.method, l.path, l.status, l.level])).toEqual([
      ['GET', '/api/ppo/services', 400, 30],
      ['GET', '/api/ppo/health', 200, 20],
      ['GET', '/api/ppo/nowhere', 404, 30],
    ]);
    for (const l of requests) expect(typeof l.ms).toBe('number');
  });
});
