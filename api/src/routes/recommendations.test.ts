/**
 * The recommendation routes through app.request() over real chDB: what the
 * OpenAPI document promises (response schemas), validation and problem+json
 * errors, status transitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_DOCS } from '../app.ts';
import { otlpTraces, startApiHarness, type ApiHarness, type TestSpan } from '../testing/api-harness.ts';

const MS = 1_000_000n;
const T0 = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z

let h: ApiHarness;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; json: any }> {
  const res = await h.app.request(path, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), json: text ? JSON.parse(text) : undefined };
}

function schemaOf(method: string, path: string) {
  const doc = ROUTE_DOCS.find((d) => d.method === method && d.path === path);
  if (!doc?.response.schema) throw new Error(`no documented schema for ${method} ${path}`);
  return doc.response.schema;
}

/** 30 traces of `GET /orders` in `orders`, each loading 6 items one query at a time. */
function nPlusOneTraces(): TestSpan[] {
  const spans: TestSpan[] = [];
  for (let i = 0; i < 30; i++) {
    const traceId = (i + 1).toString(16).padStart(32, '0');
    const root = `${(i + 1).toString(16).padStart(12, '0')}0000`;
    const start = T0 + BigInt(i) * 10_000n * MS;
    spans.push({ service: 'orders', traceId, spanId: root, name: 'GET /orders', kind: 2, startNs: start, durationNs: 40n * MS, resource: { 'service.version': '1.0' } });
    for (let k = 0; k < 6; k++) {
      spans.push({
        service: 'orders',
        traceId,
        spanId: `${(i + 1).toString(16).padStart(12, '0')}${(k + 1).toString(16).padStart(4, '0')}`,
        parentSpanId: root,
        name: 'SELECT items',
        kind: 3,
        startNs: start + (1n + BigInt(k) * 6n) * MS,
        durationNs: 5n * MS,
        attributes: { 'db.system.name': 'postgresql', 'db.query.text': `SELECT * FROM items WHERE id = ${i * 6 + k}` },
        resource: { 'service.version': '1.0' },
      });
    }
  }
  return spans;
}

beforeAll(async () => {
  h = await startApiHarness();
  await h.insertOtlp(otlpTraces(nPlusOneTraces()));
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('POST /api/ppo/optimize-performance', () => {
  let id = '';

  it('returns ranked recommendations in the documented shape, the window ending at the newest span', async () => {
    const r = await call('POST', '/api/ppo/optimize-performance', { service: 'orders' });
    expect(r.status).toBe(200);
    const parsed = schemaOf('post', '/optimize-performance').safeParse(r.json);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(Date.parse(r.json.to)).toBeLessThanOrEqual(Date.parse('2026-01-01T00:05:00Z'));
    const rec = r.json.recommendations.find((x: { kind: string }) => x.kind === 'batch-n-plus-one');
    expect(rec).toMatchObject({ service: 'orders', operation: 'GET /orders', status: 'open', expected_improvement: { metric: 'latency_p50_ms', current: 40 } });
    // 6 × 5 ms → one ~5 ms batch: 25 ms saved on every request
    expect(rec.expected_improvement.expected).toBeCloseTo(15, 0);
    id = rec.id;
  });

  it('validates the body', async () => {
    const bad = await call('POST', '/api/ppo/optimize-performance', { service: '', from: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['from', 'service']);
    const reversed = await call('POST', '/api/ppo/optimize-performance', { from: '2026-01-01T01:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(reversed.status).toBe(400);
  });

  it('lists, filters and transitions recommendations', async () => {
    const list = await call('GET', '/api/ppo/recommendations?service=orders&status=open');
    expect(list.status).toBe(200);
    expect(schemaOf('get', '/recommendations').safeParse(list.json).success).toBe(true);
    expect(list.json.recommendations.map((x: { id: string }) => x.id)).toContain(id);
    expect((await call('GET', '/api/ppo/recommendations?status=applied')).json.recommendations).toEqual([]);
    expect((await call('GET', '/api/ppo/recommendations?status=bogus')).status).toBe(400);

    const applied = await call('PATCH', `/api/ppo/recommendations/${id}`, { status: 'applied', note: 'batched in PR 42' });
    expect(applied.status).toBe(200);
    expect(schemaOf('patch', '/recommendations/{id}').safeParse(applied.json).success).toBe(true);
    expect(applied.json).toMatchObject({ status: 'applied', note: 'batched in PR 42' });
    // "now" in the service's telemetry: its newest span, not the wall clock
    expect(Date.parse(applied.json.applied_at)).toBeLessThan(Date.parse('2026-01-01T00:06:00Z'));
    expect((await call('GET', `/api/ppo/recommendations/${id}`)).json.status).toBe('applied');

    const dismissed = await call('PATCH', `/api/ppo/recommendations/${id}`, { status: 'dismissed' });
    expect(dismissed.json).toMatchObject({ status: 'dismissed', note: 'batched in PR 42' });
    expect((await call('PATCH', `/api/ppo/recommendations/${id}`, { status: 'verified' })).status).toBe(400);
    expect((await call('PATCH', `/api/ppo/recommendations/${id}`, '{')).status).toBe(400);
    expect((await call('PATCH', '/api/ppo/recommendations/not-an-id', { status: 'applied' })).status).toBe(400);
    const missing = await call('PATCH', '/api/ppo/recommendations/rec_0123456789abcdef0123', { status: 'applied' });
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
  });
});

describe('POST /api/ppo/events', () => {
  it('records a deploy marker as pending', async () => {
    const r = await call('POST', '/api/ppo/events', { type: 'deploy', service: 'orders', version: '2.0', at: '2026-01-01T00:05:00Z' });
    expect(r.status).toBe(200);
    expect(r.json.deployment).toMatchObject({ service: 'orders', version: '2.0', at: '2026-01-01T00:05:00.000Z', source: 'api', status: 'pending' });
    expect((await call('POST', '/api/ppo/events', { type: 'rollback', service: 'orders', version: '2.0' })).status).toBe(400);
  });
});

describe('POST /api/ppo/optimize', () => {
  it('is 503 with a clear message where the analyzer role does not run', async () => {
    const r = await call('POST', '/api/ppo/optimize', {});
    expect(r.status).toBe(503);
    expect(r.type).toContain('application/problem+json');
    expect(r.json.detail).toMatch(/analyzer role/);
  });
});

describe('GET /api/ppo/metrics', () => {
  it('reports issued recommendations per kind and deployments', async () => {
    const r = await call('GET', '/api/ppo/metrics');
    expect(r.status).toBe(200);
    const parsed = schemaOf('get', '/metrics').safeParse(r.json);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(r.json.recommendations).toMatchObject({ issued: 1, dismissed: 1, measured: 0, success_rate: null });
    expect(r.json.recommendations.by_kind).toEqual([expect.objectContaining({ kind: 'batch-n-plus-one', issued: 1, success_rate: null })]);
    expect(r.json.deployments).toMatchObject({ detected: 1, pending: 1 });
    expect(r.json.detections.by_source).toEqual({ 'trace-patterns': 1 });
  });
});
