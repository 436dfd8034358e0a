/**
 * GET /api/ppo/service-map: service → service edges from parent/child spans,
 * edges to un-instrumented databases, queues and hosts from client-span
 * attributes (current and older semantic conventions), node RED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpTraces, startApiHarness, type ApiHarness, type TestSpan } from '../testing/api-harness.ts';

const T1_MS = Date.UTC(2030, 1, 1);
const MS_NS = 1_000_000n;
const t1 = BigInt(T1_MS) * MS_NS;
const iso = (minutes: number): string => new Date(T1_MS + minutes * 60_000).toISOString();
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

interface MapNode {
  service: string;
  kind: string;
  rate_per_s: number;
  error_rate: number;
  p95_ms: number;
}

interface MapEdge {
  caller: string;
  callee: string;
  kind: string;
  calls: number;
  errors: number;
  p95_ms: number;
}

let traceNo = 0;

/** One trace of spans given as [service, name, kind, parent index | -1, attributes?, error?]. */
function trace(startNs: bigint, spans: [string, string, number, number, (Record<string, string> | undefined)?, boolean?][]): TestSpan[] {
  traceNo++;
  const traceId = traceNo.toString(16).padStart(32, '0');
  const spanId = (i: number): string => (traceNo * 100 + i).toString(16).padStart(16, '0');
  return spans.map(([service, name, kind, parent, attributes, error], i) => ({
    service,
    traceId,
    spanId: spanId(i),
    ...(parent >= 0 ? { parentSpanId: spanId(parent) } : {}),
    name,
    kind,
    startNs: startNs + BigInt(i) * MS_NS,
    durationNs: BigInt(20 - i) * MS_NS,
    ...(attributes ? { attributes } : {}),
    ...(error ? { error } : {}),
  }));
}

function fleet(): TestSpan[] {
  const spans: TestSpan[] = [];
  for (let r = 0; r < 3; r++) {
    const at = t1 + BigInt(r) * 60_000n * MS_NS;
    // frontend → payments (client→server; the client names a host that must not become an external node),
    // payments → postgres (new conventions), payments → kafka → shipping (producer→consumer).
    spans.push(
      ...trace(at, [
        ['frontend', 'GET /checkout', SERVER, -1],
        ['frontend', 'POST /pay', CLIENT, 0, { 'server.address': 'payments.internal', 'http.request.method': 'POST' }],
        ['payments', 'POST /pay', SERVER, 1, undefined, r === 0],
        ['payments', 'SELECT payments', CLIENT, 2, { 'db.system.name': 'postgresql', 'server.address': 'pg-1', 'db.namespace': 'payments' }],
        ['payments', 'orders publish', PRODUCER, 2, { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' }],
        ['shipping', 'orders process', CONSUMER, 4, { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' }],
      ]),
    );
    // frontend → redis (old conventions), → api.stripe.com (bare host), → geo-api (peer.service wins over the address).
    spans.push(
      ...trace(at + 10_000n * MS_NS, [
        ['frontend', 'GET /cart', SERVER, -1],
        ['frontend', 'GET', CLIENT, 0, { 'db.system': 'redis', 'net.peer.name': 'cache-1' }],
        ['frontend', 'POST', CLIENT, 0, { 'server.address': 'api.stripe.com' }, true],
        ['frontend', 'GET', CLIENT, 0, { 'peer.service': 'geo-api', 'server.address': '10.0.0.5' }],
      ]),
    );
    // Spans without a kind across services, and a same-service child (not an edge).
    spans.push(
      ...trace(at + 20_000n * MS_NS, [
        ['frontend', 'render', 0, -1],
        ['frontend', 'template', 1, 0],
        ['legacy', 'handle', 0, 0],
      ]),
    );
    // A queue whose producer is not instrumented (old attribute names), and a producer no one consumes.
    spans.push(...trace(at + 30_000n * MS_NS, [['billing', 'invoices process', CONSUMER, -1, { 'messaging.system': 'rabbitmq', 'messaging.destination': 'invoices' }]]));
    spans.push(
      ...trace(at + 40_000n * MS_NS, [
        ['payments', 'POST /refund', SERVER, -1],
        ['payments', 'orders publish', PRODUCER, 0, { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' }],
      ]),
    );
  }
  // A parent that started 2 minutes before the window still explains its child inside it.
  spans.push(
    ...trace(t1 - 120_000n * MS_NS, [
      ['batch', 'nightly', 0, -1],
      ['legacy', 'handle', 0, 0],
    ]).map((s, i) => (i === 1 ? { ...s, startNs: t1 + 5_000n * MS_NS } : s)),
  );
  return spans;
}

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
  await h.insertOtlp(otlpTraces(fleet()));
});

afterAll(async () => {
  await h?.close();
});

async function serviceMap(qs: string): Promise<{ nodes: MapNode[]; edges: MapEdge[]; from: string; to: string }> {
  const reply = await h.get(`/api/ppo/service-map?${qs}`);
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json as { nodes: MapNode[]; edges: MapEdge[]; from: string; to: string };
}

describe('GET /api/ppo/service-map', () => {
  it('finds every edge with its kind, calls and errors', async () => {
    const m = await serviceMap(`from=${iso(0)}&to=${iso(10)}`);
    expect(m.from).toBe(iso(0));
    const edges = m.edges.map((e) => [e.caller, e.callee, e.kind, e.calls, e.errors]).sort();
    expect(edges).toEqual(
      [
        ['frontend', 'payments', 'request', 3, 1],
        ['payments', 'postgresql/pg-1/payments', 'database', 3, 0],
        ['payments', 'shipping', 'messaging', 3, 0],
        ['payments', 'kafka/orders', 'messaging', 3, 0],
        ['frontend', 'redis/cache-1', 'database', 3, 0],
        ['frontend', 'api.stripe.com', 'external', 3, 3],
        ['frontend', 'geo-api', 'external', 3, 0],
        ['frontend', 'legacy', 'request', 3, 0],
        ['batch', 'legacy', 'request', 1, 0],
        ['rabbitmq/invoices', 'billing', 'messaging', 3, 0],
      ].sort(),
    );
    for (const e of m.edges) expect(e.p95_ms).toBeGreaterThan(0);
    // Sorted by calls, most first.
    expect(m.edges.at(-1)?.calls).toBe(1);
  });

  it('has service nodes with RED and peer nodes by kind', async () => {
    const m = await serviceMap(`from=${iso(0)}&to=${iso(10)}`);
    const kinds = Object.fromEntries(m.nodes.map((n) => [n.service, n.kind]));
    expect(kinds).toEqual({
      'api.stripe.com': 'external',
      batch: 'service',
      billing: 'service',
      frontend: 'service',
      'geo-api': 'external',
      'kafka/orders': 'messaging',
      legacy: 'service',
      payments: 'service',
      'postgresql/pg-1/payments': 'database',
      'rabbitmq/invoices': 'messaging',
      'redis/cache-1': 'database',
      shipping: 'service',
    });
    expect(m.nodes.map((n) => n.service)).toEqual(Object.keys(kinds).sort());
    const node = (name: string): MapNode => m.nodes.find((n) => n.service === name)!;
    // frontend's entry spans: 3 × (GET /checkout, GET /cart, render) over 600 s.
    expect(node('frontend').rate_per_s).toBeCloseTo(9 / 600, 6);
    expect(node('payments').rate_per_s).toBeCloseTo(6 / 600, 6);
    expect(node('payments').error_rate).toBeCloseTo(1 / 6, 6);
    expect(node('api.stripe.com')).toMatchObject({ error_rate: 1 });
    expect(node('api.stripe.com').rate_per_s).toBeCloseTo(3 / 600, 6);
    expect(node('postgresql/pg-1/payments').p95_ms).toBeGreaterThan(0);
    // The host the frontend's client span named is answered by payments, an instrumented service.
    expect(kinds['payments.internal']).toBeUndefined();
  });

  it('a window before the spans has no nodes or edges', async () => {
    expect(await serviceMap(`from=${iso(-60)}&to=${iso(-30)}`)).toMatchObject({ nodes: [], edges: [] });
  });

  it.each([
    [`from=${iso(10)}&to=${iso(0)}`, 'from'],
    [`from=${iso(0)}&to=${iso(25 * 60)}`, 'from'],
    ['to=later', 'to'],
  ])('%s → 400 naming %s', async (qs, field) => {
    const reply = await h.get(`/api/ppo/service-map?${qs}`);
    expect(reply.status).toBe(400);
    expect((reply.json as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });
});
