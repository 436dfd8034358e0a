/**
 * POST /root-cause and POST /coordinate over real chDB: a synthetic fleet
 * (gateway → orders → fx, orders → an un-instrumented PostgreSQL, and
 * bystander services) stored through the collector's TSV path; fx slows
 * down and fails in the window, its callers only inherit it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveEvents, type LiveEvent } from '@ppo/analyzer';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import { fetchFlows } from '../../../analyzer/src/queries/root-cause-flows.ts';
import { spanTsvRow, type SpanRowInput } from '../../../analyzer/src/queries/testing/span-tsv.ts';
import { createApp } from '../app.ts';
import type { CoordinateResponse } from './coordinate.ts';
import type { RootCauseResponse } from './root-cause.ts';

const MS = 1_000_000n;
const T0 = 1_767_225_600_000n * MS; // 2026-01-01T00:00:00Z
const MIN = 60_000n * MS;
const WINDOW_FROM = T0 + 30n * MIN;
const WINDOW_TO = T0 + 40n * MIN;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** One request through the chain every 10 s; in the window fx takes 60 ms instead of 5 and fails 40 % of the time. */
function chainTrace(i: number): SpanRowInput[] {
  const start = T0 + BigInt(i) * 10_000n * MS;
  const faulty = start >= WINDOW_FROM;
  const jitter = BigInt(i % 7) * 100_000n;
  const fxMs = (faulty ? 60n : 5n) * MS + jitter;
  const fails = faulty && i % 5 < 2;
  const traceId = hex(i + 1, 32);
  const id = (k: number): string => hex(i * 16 + k + 1, 16);
  const dbMs = 2n * MS + jitter;
  const ordersMs = 3n * MS + 1n * MS + fxMs + dbMs;
  const gatewayMs = 2n * MS + 1n * MS + ordersMs;
  const status = fails ? ('Error' as const) : ('Unset' as const);
  return [
    { traceId, spanId: id(0), service: 'gateway', name: 'GET /checkout', kind: 'Server', startNs: start, durationNs: gatewayMs, status },
    { traceId, spanId: id(1), parentSpanId: id(0), service: 'gateway', name: 'HTTP GET', kind: 'Client', startNs: start + 1n * MS, durationNs: ordersMs + 1n * MS, status },
    { traceId, spanId: id(2), parentSpanId: id(1), service: 'orders', name: 'GET /orders', kind: 'Server', startNs: start + 1n * MS, durationNs: ordersMs, status },
    {
      traceId, spanId: id(3), parentSpanId: id(2), service: 'orders', name: 'SELECT orders', kind: 'Client', startNs: start + 2n * MS, durationNs: dbMs,
      attributes: { 'db.system': 'postgresql', 'server.address': 'pg-main' },
    },
    { traceId, spanId: id(4), parentSpanId: id(2), service: 'orders', name: 'HTTP GET', kind: 'Client', startNs: start + 2n * MS + dbMs, durationNs: fxMs + 1n * MS, status },
    { traceId, spanId: id(5), parentSpanId: id(4), service: 'fx', name: 'GET /rates', kind: 'Server', startNs: start + 2n * MS + dbMs, durationNs: fxMs, status },
  ];
}

/** Services that have nothing to do with the fault (the population common-mode changes are measured on). */
function bystanderTrace(i: number, s: number): SpanRowInput[] {
  const start = T0 + BigInt(i) * 10_000n * MS + BigInt(s) * MS;
  const traceId = hex(1_000_000 + i * 10 + s, 32);
  const ms = BigInt(3 + s) * MS + BigInt(i % 5) * 100_000n;
  return [
    { traceId, spanId: hex(9_000_000 + i * 10 + s, 16), service: `svc-${s}`, name: `GET /svc-${s}`, kind: 'Server', startNs: start, durationNs: ms },
  ];
}

let dir: string;
let storage: Storage;
let app: Hono;
const events: LiveEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-root-cause-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  const live = new LiveEvents();
  live.subscribe((e) => events.push(e));
  app = createApp({ storage, apiKeys: [], checks: async () => ({}), metricsText: () => '', events: live });
  const rows: SpanRowInput[] = [];
  for (let i = 0; i < 240; i++) {
    rows.push(...chainTrace(i));
    for (let s = 0; s < 5; s++) rows.push(...bystanderTrace(i, s));
  }
  await storage.insertTsv('otel_traces', Buffer.from(rows.map(spanTsvRow).join('')), { columns: TABLE_COLUMNS.otel_traces });
});

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const res = await app.request(`/api/ppo${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: (await res.json()) as Record<string, unknown> };
}

describe('POST /root-cause', () => {
  it('ranks the failing service at the bottom of the chain first, with its evidence, over the default baseline', async () => {
    const r = await post('/root-cause', { from: '2026-01-01T00:30:00Z', to: WINDOW_TO.toString() });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const body = r.json as unknown as RootCauseResponse;
    expect(body.baseline_from).toBe('2026-01-01T00:00:00.000Z');
    expect(body.baseline_to).toBe('2026-01-01T00:30:00.000Z');
    expect(body.candidates[0]!.service).toBe('fx');
    const signals = body.candidates[0]!.evidence.map((e) => e.signal);
    expect(signals).toContain('self_time');
    expect(signals).toContain('origin_errors');
    // The callers propagate fx's errors; none of them is where an error starts.
    for (const c of body.candidates.filter((x) => x.service !== 'fx')) expect(c.evidence.map((e) => e.signal)).not.toContain('origin_errors');
    expect(body.edges).toContainEqual({ caller: 'orders', callee: 'postgresql/pg-main', calls: 240, uninstrumented: true });
    expect(body.edges).toContainEqual(expect.objectContaining({ caller: 'gateway', callee: 'orders', uninstrumented: false }));
    expect(events.at(-1)).toMatchObject({ type: 'root_cause', data: { top: [expect.objectContaining({ service: 'fx' })] } });
  });

  it('reads a capped sample of whole traces of both periods for flow shapes', async () => {
    const periods = { fromNs: WINDOW_FROM, toNs: WINDOW_TO, baselineFromNs: T0, baselineToNs: WINDOW_FROM };
    const all = await fetchFlows(storage.client, periods);
    // 180 chain + 900 bystander traces before the window, 60 + 300 in it: all under the cap, every span of each.
    expect(new Set(all.spans.map((s) => s.traceId)).size).toBe(180 + 900 + 60 + 300);
    expect(all.spans.filter((s) => s.service === 'fx' && s.inWindow === 1)).toHaveLength(60);
    const capped = await fetchFlows(storage.client, periods, 50);
    const traces = new Map<string, number>();
    for (const s of capped.spans) if (!s.parentId) traces.set(s.traceId, s.inWindow);
    expect([...traces.values()].filter((w) => w === 0)).toHaveLength(50);
    expect([...traces.values()].filter((w) => w === 1)).toHaveLength(50);
    // Whole traces: every span of a sampled chain trace comes with it (6 per chain trace).
    const perTrace = new Map<string, number>();
    for (const s of capped.spans) perTrace.set(s.traceId, (perTrace.get(s.traceId) ?? 0) + 1);
    for (const [id, n] of perTrace) expect(n).toBe(capped.spans.some((s) => s.traceId === id && s.service === 'gateway') ? 6 : 1);
    // The chain's flows keep their shape (fx fails, but every call is still made): no flow evidence.
    const r = (await post('/root-cause', { from: WINDOW_FROM.toString(), to: WINDOW_TO.toString() })).json as unknown as RootCauseResponse;
    expect(r.candidates.flatMap((c) => c.evidence).filter((e) => e.signal === 'flow_truncated')).toEqual([]);
  });

  it('accepts an explicit baseline', async () => {
    const r = await post('/root-cause', { from: WINDOW_FROM.toString(), to: WINDOW_TO.toString(), baseline_from: T0.toString(), baseline_to: (T0 + 20n * MIN).toString() });
    expect(r.status).toBe(200);
    expect((r.json as unknown as RootCauseResponse).candidates[0]!.service).toBe('fx');
  });

  it('400 for from >= to, half a baseline, or an unreadable time', async () => {
    for (const body of [
      { from: WINDOW_TO.toString(), to: WINDOW_FROM.toString() },
      { from: WINDOW_FROM.toString(), to: WINDOW_FROM.toString() },
      { from: WINDOW_FROM.toString(), to: WINDOW_TO.toString(), baseline_from: T0.toString() },
      { from: 'yesterday', to: WINDOW_TO.toString() },
      { from: WINDOW_FROM.toString(), to: WINDOW_TO.toString(), extra: 1 },
    ]) {
      const r = await post('/root-cause', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.type).toContain('application/problem+json');
    }
  });

  it('422 for a window without telemetry', async () => {
    const r = await post('/root-cause', { from: '2025-06-01T00:00:00Z', to: '2025-06-01T00:10:00Z' });
    expect(r.status).toBe(422);
    expect(String(r.json['detail'])).toMatch(/no spans, metric points or log records/);
  });
});

describe('POST /coordinate', () => {
  it('correlates the degradations, walks from fx to the entry point, and says to fix fx first', async () => {
    const r = await post('/coordinate', { from: WINDOW_FROM.toString(), to: WINDOW_TO.toString() });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const body = r.json as unknown as CoordinateResponse;
    expect(body.step_s).toBe(60);
    expect(body.propagation).toContainEqual(['gateway', 'orders', 'fx']);
    expect(body.actions[0]).toMatchObject({ order: 1, service: 'fx' });
    expect(body.actions[0]!.action).toMatch(/^Fix fx/);
    // fx, orders and gateway all degrade at the window's start: their series move together.
    expect(body.correlated.some((p) => [p.a, p.b].includes('fx') && p.correlation > 0.8)).toBe(true);
    expect(body.series.find((s) => s.service === 'fx')?.degradation.length).toBe(20);
    expect(body.root_cause[0]!.service).toBe('fx');
  });

  it('400 for from >= to', async () => {
    expect((await post('/coordinate', { from: WINDOW_TO.toString(), to: WINDOW_FROM.toString() })).status).toBe(400);
  });
});

// Last: it changes the table's TTL.
describe('retention', () => {
  it('422 for a window that starts before the retention horizon', async () => {
    await storage.client.command({ query: 'ALTER TABLE otel_traces MODIFY TTL toDateTime(Timestamp) + toIntervalDay(1)', clickhouse_settings: { materialize_ttl_after_modify: 0 } });
    const r = await post('/root-cause', { from: '2020-01-01T00:00:00Z', to: '2020-01-01T00:10:00Z' });
    expect(r.status).toBe(422);
    expect(String(r.json['detail'])).toMatch(/retention/);
  });
});
