/**
 * POST /api/ppo/monitor-performance and GET /api/ppo/monitors over real chDB:
 * validation (400 / 422 problems), create vs update, and the status computed
 * from spans that went through the collector's decoder and the SLO rollups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpTraces, startApiHarness, type ApiHarness, type Reply, type TestSpan } from '../testing/api-harness.ts';

const T0_MS = Date.UTC(2030, 0, 1, 12, 0, 0);
const MS_NS = 1_000_000n;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
// Evaluate at 12:30:30: the last 30 minutes hold 30 x 20 requests.
const AT = new Date(T0_MS + 30 * 60_000 + 30_000).toISOString();

let h: ApiHarness;

async function post(body: unknown): Promise<Reply> {
  const res = await h.app.request('/api/ppo/monitor-performance', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) };
}

/**
 * `orders` from 12:00 to 12:30: 20 server requests a minute; 1 in 20 takes
 * 450 ms (the rest 80 ms) and 1 in 50 fails. So 95 % are under 300 ms, 2 % fail.
 */
function orderSpans(): TestSpan[] {
  const spans: TestSpan[] = [];
  let n = 0;
  for (let m = 0; m < 30; m++) {
    for (let i = 0; i < 20; i++) {
      n++;
      spans.push({
        service: 'orders',
        traceId: hex(n, 32),
        spanId: hex(n, 16),
        name: 'POST /orders',
        kind: 2,
        startNs: BigInt(T0_MS + m * 60_000 + i * 2_000) * MS_NS,
        durationNs: (n % 20 === 0 ? 450n : 80n) * MS_NS,
        error: n % 50 === 0,
      });
    }
  }
  return spans;
}

beforeAll(async () => {
  h = await startApiHarness();
  expect(await h.insertOtlp(otlpTraces(orderSpans()))).toBe(600);
});

afterAll(async () => {
  await h?.close();
});

const objectives = [
  { kind: 'latency', percentile: 99, threshold_ms: 300, target: 0.99 },
  { kind: 'error_rate', target: 0.05 },
  { kind: 'availability', target: 0.999 },
];

describe('POST /monitor-performance', () => {
  it('creates a monitor (201) and returns its status from the rollups', async () => {
    const r = await post({ service: 'orders', objectives, window: '30d', at: AT });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const s = r.json as {
      id: string;
      created: boolean;
      operation: null;
      state: string;
      alerts: { fast: boolean; slow: boolean };
      objectives: { key: string; sli: number; events: number; bad: number; error_budget_remaining: number; exact: boolean; burn_rates: { pair: string; factor: number; long: { burn_rate: number }; short: { burn_rate: number }; firing: boolean }[] }[];
    };
    expect(s).toMatchObject({ created: true, operation: null, evaluated_at: AT });
    expect(s.id).toMatch(/^[0-9a-f]{16}$/);
    const [latency, errors, availability] = s.objectives;
    // 30 of 600 over 300 ms: SLI 0.95 against 0.99 → burn 5 everywhere; 6h/30m (6) no, 3d/6h (1) yes.
    expect(latency).toMatchObject({ key: 'latency:p99<=300ms@0.99', events: 600, bad: 30, sli: 0.95, exact: true });
    expect(latency?.burn_rates.map((b) => [b.pair, b.factor, b.firing])).toEqual([
      ['1h/5m', 14.4, false],
      ['6h/30m', 6, false],
      ['3d/6h', 1, true],
    ]);
    expect(latency?.burn_rates[2]?.long.burn_rate).toBeCloseTo(5, 6);
    expect(latency?.error_budget_remaining).toBeCloseTo(1 - 30 / 6, 6);
    // 12 of 600 failed = 2 %: within a 5 % error rate (burn 0.4), far over 99.9 % availability (burn 20: pages).
    expect(errors).toMatchObject({ key: 'error_rate<=0.05', bad: 12, sli: 0.98 });
    expect(errors?.burn_rates[0]?.long.burn_rate).toBeCloseTo(0.4, 6);
    expect(errors?.error_budget_remaining).toBeCloseTo(0.6, 6);
    expect(availability?.burn_rates[0]?.long.burn_rate).toBeCloseTo(20, 6);
    expect(availability?.burn_rates[0]?.firing).toBe(true);
    expect(s.state).toBe('fast_burn');
    expect(s.alerts).toMatchObject({ fast: true, slow: true });
  });

  it('updates the same (service, operation) in place (200), keeping id and creation time', async () => {
    const before = (await post({ service: 'orders', objectives, at: AT })).json as { id: string; created_at: string };
    const r = await post({ service: 'orders', objectives: [{ kind: 'latency', percentile: 90, threshold_ms: 500 }], window: '4w', at: AT });
    expect(r.status).toBe(200);
    const s = r.json as { id: string; created: boolean; created_at: string; window: string; objectives: { target: number; sli: number; alerts: object }[] };
    expect(s).toMatchObject({ id: before.id, created: false, created_at: before.created_at, window: '4w' });
    // target defaults to percentile / 100; every request is under 500 ms.
    expect(s.objectives).toHaveLength(1);
    expect(s.objectives[0]).toMatchObject({ target: 0.9, sli: 1, alerts: { fast: false, slow: false } });
  });

  it('keeps an operation monitor apart and interpolates an in-between threshold', async () => {
    const r = await post({ service: 'orders', operation: 'POST /orders', objectives: [{ kind: 'latency', percentile: 95, threshold_ms: 420, target: 0.95 }], at: AT });
    expect(r.status).toBe(201);
    const s = r.json as { operation: string; objectives: { exact: boolean; bad: number }[] };
    expect(s.operation).toBe('POST /orders');
    // 420 ms is inside the (400, 500] bucket that holds the 450 ms requests: part of them count as good.
    expect(s.objectives[0]?.exact).toBe(false);
    expect(s.objectives[0]?.bad).toBeGreaterThan(0);
    expect(s.objectives[0]?.bad).toBeLessThan(30);
  });

  it('reports no_data for a service without traffic', async () => {
    const r = await post({ service: 'ghost', objectives: [{ kind: 'availability', target: 0.99 }], at: AT });
    expect(r.json).toMatchObject({ state: 'no_data', objectives: [{ sli: null, error_budget_remaining: 1 }] });
  });

  it.each([
    ['not JSON', '{', 'body'],
    ['no objectives', { service: 'orders', objectives: [] }, 'objectives'],
    ['an unknown kind', { service: 'orders', objectives: [{ kind: 'throughput', target: 0.9 }] }, 'objectives.0.kind'],
    ['a target of 1', { service: 'orders', objectives: [{ kind: 'availability', target: 1 }] }, 'objectives.0.target'],
    ['a latency without threshold', { service: 'orders', objectives: [{ kind: 'latency', percentile: 99 }] }, 'objectives.0.threshold_ms'],
    ['a malformed window', { service: 'orders', objectives, window: 'monthly' }, 'window'],
    ['an unknown field', { service: 'orders', objectives, owner: 'me' }, ''],
  ])('400 for %s', async (_name, body, path) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const errors = (r.json as { errors: { path: string }[] }).errors;
    expect(errors.some((e) => e.path.startsWith(path))).toBe(true);
  });

  it.each([
    ['a window under 7 days', { service: 'orders', objectives, window: '1d' }, 'window'],
    ['a window over 90 days', { service: 'orders', objectives, window: '365d' }, 'window'],
    ['an error_rate written as a success ratio', { service: 'orders', objectives: [{ kind: 'error_rate', target: 0.99 }] }, 'objectives.0.target'],
    ['the same objective twice', { service: 'orders', objectives: [objectives[2], objectives[2]] }, 'objectives.1'],
  ])('422 for %s', async (_name, body, path) => {
    const r = await post(body);
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((r.json as { errors: { path: string }[] }).errors[0]?.path).toBe(path);
  });
});

describe('GET /monitors', () => {
  it('lists every monitor with its status, filtered by service', async () => {
    const all = await h.get(`/api/ppo/monitors?at=${encodeURIComponent(AT)}`);
    expect(all.status).toBe(200);
    const monitors = (all.json as { monitors: { service: string; operation: string | null; state: string }[] }).monitors;
    expect(monitors.map((m) => [m.service, m.operation])).toEqual([
      ['ghost', null],
      ['orders', null],
      ['orders', 'POST /orders'],
    ]);
    const orders = await h.get(`/api/ppo/monitors?service=orders&at=${encodeURIComponent(AT)}`);
    expect((orders.json as { monitors: unknown[] }).monitors).toHaveLength(2);
  });

  it('gets one monitor by id, 404 for an unknown one', async () => {
    const list = (await h.get('/api/ppo/monitors?service=ghost')).json as { monitors: { id: string }[] };
    const id = list.monitors[0]?.id ?? '';
    const one = await h.get(`/api/ppo/monitors/${id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id, service: 'ghost' });
    expect((await h.get('/api/ppo/monitors/0000000000000000')).status).toBe(404);
    expect((await h.get('/api/ppo/monitors/not-an-id')).status).toBe(400);
  });

  it('deletes a monitor: 204, then 404, gone from the list; posting it again creates it anew', async () => {
    const list = (await h.get('/api/ppo/monitors?service=ghost')).json as { monitors: { id: string }[] };
    const id = list.monitors[0]?.id ?? '';
    expect((await h.app.request(`/api/ppo/monitors/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.app.request(`/api/ppo/monitors/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await h.get(`/api/ppo/monitors/${id}`)).status).toBe(404);
    expect(((await h.get('/api/ppo/monitors')).json as { monitors: { service: string }[] }).monitors.map((m) => m.service)).not.toContain('ghost');
    const again = await post({ service: 'ghost', objectives: [{ kind: 'availability', target: 0.99 }], at: AT });
    expect(again.status).toBe(201);
    expect(again.json).toMatchObject({ id });
  });
});
