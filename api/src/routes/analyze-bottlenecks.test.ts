/**
 * POST /api/ppo/analyze-bottlenecks over real chDB. Twenty checkout traces of
 * a known shape (an N+1 of six 8 ms queries, a cart call, a payment call that
 * grows by 1 ms per trace) and five slow admin reports, so every figure can be
 * worked out by hand; the comments give the arithmetic.
 */
import { LiveEvents } from '@ppo/analyzer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeBottlenecks } from '@ppo/analyzer';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import { spanTsvRow, type SpanRowInput } from '../../../analyzer/src/queries/testing/span-tsv.ts';
import { createApp } from '../app.ts';
import type { AnalyzeBottlenecksResponse } from './analyze-bottlenecks.ts';

const MS = 1_000_000n;
const BASE_NS = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const FROM = '2026-01-01T00:00:00Z';
const TO = '2026-01-01T01:00:00Z';

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

function checkoutTrace(i: number): SpanRowInput[] {
  const traceId = 'a' + hex(i, 31);
  const t0 = BASE_NS + BigInt(i) * 1_000n * MS;
  const span = (id: number, parent: number, service: string, name: string, kind: string, fromMs: number, toMs: number, attributes?: Record<string, string>): SpanRowInput => ({
    traceId,
    spanId: hex(i * 100 + id, 16),
    parentSpanId: parent < 0 ? '' : hex(i * 100 + parent, 16),
    service,
    name,
    kind,
    startNs: t0 + BigInt(fromMs) * MS,
    durationNs: BigInt(toMs - fromMs) * MS,
    ...(attributes === undefined ? {} : { attributes }),
  });
  const pay = 10 + i;
  const rows = [
    span(0, -1, 'shop', 'GET /checkout', 'Server', 0, 95 + pay),
    span(1, 0, 'shop', 'GET cart', 'Client', 5, 25),
    span(2, 1, 'cart', 'GET /cart', 'Server', 6, 24),
    span(3, 0, 'shop', 'POST payment', 'Client', 90, 90 + pay),
    span(4, 3, 'payment', 'POST /pay', 'Server', 91, 89 + pay),
  ];
  for (let k = 0; k < 6; k++) {
    rows.push(
      span(10 + k, 0, 'shop', 'SELECT items', 'Client', 30 + 10 * k, 38 + 10 * k, {
        'db.system': 'postgresql',
        'db.statement': `SELECT * FROM items WHERE id = ${k + 1}`,
      }),
    );
  }
  return rows;
}

function adminTrace(i: number): SpanRowInput[] {
  const traceId = 'b' + hex(i, 31);
  const t0 = BASE_NS + 60_000n * MS + BigInt(i) * 1_000n * MS;
  return [
    { traceId, spanId: hex(5000 + i * 2, 16), service: 'admin', name: 'GET /report', kind: 'Server', startNs: t0, durationNs: 1000n * MS },
    {
      traceId,
      spanId: hex(5001 + i * 2, 16),
      parentSpanId: hex(5000 + i * 2, 16),
      service: 'admin',
      name: 'render',
      kind: 'Internal',
      startNs: t0 + 10n * MS,
      durationNs: 980n * MS,
    },
  ];
}

let dir: string;
let storage: Storage;
let app: Hono;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-bottlenecks-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  app = createApp({ storage, apiKeys: [], checks: async () => ({}), metricsText: () => '', events: new LiveEvents() });
  const rows = [...Array.from({ length: 20 }, (_, i) => checkoutTrace(i)), ...Array.from({ length: 5 }, (_, i) => adminTrace(i))].flat();
  // A trace that started before the window must not count, even if it ends inside it.
  rows.push({ traceId: 'c'.repeat(32), spanId: 'c'.repeat(16), service: 'shop', name: 'GET /checkout', kind: 'Server', startNs: BASE_NS - 5n * MS, durationNs: 500n * MS });
  await storage.insertTsv('otel_traces', Buffer.from(rows.map(spanTsvRow).join('')), { columns: TABLE_COLUMNS.otel_traces });
});

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function post(body: unknown): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const res = await app.request('/api/ppo/analyze-bottlenecks', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: (await res.json()) as Record<string, unknown> };
}

describe('POST /analyze-bottlenecks', () => {
  it('ranks the operations of one entry point by what halving them saves at p50', async () => {
    const r = await post({ service: 'shop', operation: 'GET /checkout', from: FROM, to: TO });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const body = r.json as unknown as AnalyzeBottlenecksResponse;
    expect(body).toMatchObject({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-01T01:00:00.000Z',
      entry_point: { service: 'shop', operation: 'GET /checkout' },
      traces_analyzed: 20,
      traces_total: 20,
      sampled: false,
      sample_modulus: 1,
      // Latencies 105 + i ms, i = 0..19.
      latency_p50_ms: 114.5,
    });
    // Savings: queries 6 × 4 = 24; the root's own 27 ms → 13.5; cart 18 → 9;
    // payment (8 + i) halved → latencies 101 + i/2, p50 105.75 → 8.75; the
    // two client spans 2 ms each → 1.
    expect(body.bottlenecks.map((b) => [b.service, b.operation, b.est_saving_ms])).toEqual([
      ['shop', 'SELECT items', 24],
      ['shop', 'GET /checkout', 13.5],
      ['cart', 'GET /cart', 9],
      ['payment', 'POST /pay', 8.75],
      ['shop', 'GET cart', 1],
      ['shop', 'POST payment', 1],
    ]);
    const [db] = body.bottlenecks;
    // 6 × 8 ms of each trace's 105 + i ms: 960 / 2290.
    expect(db).toMatchObject({ critical_path_share: 0.4192, self_time_p50_ms: 48, self_time_p95_ms: 48, traces: 20, pattern: 'n-plus-one' });
    const payment = body.bottlenecks.find((b) => b.service === 'payment');
    expect(payment).toMatchObject({ self_time_p50_ms: 17.5, self_time_p95_ms: 26.05, traces: 20 });
    expect(payment?.pattern).toBeUndefined();
    // Longest on-path payment time first: trace 19, then 18, 17.
    expect(payment?.evidence.map((e) => e.trace_id)).toEqual(['a' + hex(19, 31), 'a' + hex(18, 31), 'a' + hex(17, 31)]);
    const shares = body.bottlenecks.reduce((sum, b) => sum + b.critical_path_share, 0);
    expect(shares).toBeCloseTo(1, 3);

    expect(body.patterns.map((p) => [p.kind, p.service, p.operation, p.traces])).toEqual([['n-plus-one', 'shop', 'GET /checkout', 20]]);
    const evidence = db?.evidence.find((e) => e.detail.length > 0 && e.span_ids.length === 6);
    expect(evidence?.trace_id).toMatch(/^a/);
  });

  it('without an entry point analyzes every trace in the window as one population (unix-ns times)', async () => {
    const from = BASE_NS.toString();
    const to = (BASE_NS + 3_600_000n * MS).toString();
    const r = await post({ from, to });
    expect(r.status).toBe(200);
    const body = r.json as unknown as AnalyzeBottlenecksResponse;
    expect(body).toMatchObject({ entry_point: null, traces_total: 25, traces_analyzed: 25, sampled: false });
    // 20 checkouts (105..124 ms) and 5 reports (1000 ms): p50 is the 13th, 117 ms; the queries' 24 ms moves it to 93.
    expect(body.latency_p50_ms).toBe(117);
    expect(body.bottlenecks[0]).toMatchObject({ service: 'shop', operation: 'SELECT items', est_saving_ms: 24 });
    expect(body.bottlenecks.some((b) => b.service === 'admin' && b.operation === 'render')).toBe(true);
  });

  it('a service alone selects its root spans; an empty window answers with nothing', async () => {
    const r = await post({ service: 'admin', from: FROM, to: TO });
    expect(r.json).toMatchObject({ entry_point: { service: 'admin', operation: null }, traces_total: 5, traces_analyzed: 5 });
    const empty = await post({ service: 'nobody', from: FROM, to: TO });
    expect(empty.status).toBe(200);
    expect(empty.json).toMatchObject({ traces_total: 0, traces_analyzed: 0, bottlenecks: [], patterns: [] });
  });

  it('samples deterministically by cityHash64(TraceId) when over the cap', async () => {
    const req = { service: 'shop', operation: 'GET /checkout', from: BASE_NS, to: BASE_NS + 3_600_000n * MS };
    const a = await analyzeBottlenecks(storage.client, req, { maxTraces: 7 });
    const b = await analyzeBottlenecks(storage.client, req, { maxTraces: 7 });
    expect(a).toMatchObject({ tracesTotal: 20, sampled: true, sampleModulus: 3 });
    const rs = await storage.client.query({
      query: `SELECT count() AS n FROM otel_traces WHERE ParentSpanId = '' AND SpanName = 'GET /checkout' AND Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND cityHash64(TraceId) % 3 = 0`,
      query_params: { from: BASE_NS.toString() },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const [row] = await rs.json<{ n: number }>();
    expect(a.tracesAnalyzed).toBe(row?.n);
    expect(a.tracesAnalyzed).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  describe('bad input → 400 problem naming the field', () => {
    const cases: [string, unknown, string][] = [
      ['missing from', { to: TO }, 'from'],
      ['unparseable to', { from: FROM, to: 'yesterday' }, 'to'],
      ['from not before to', { from: TO, to: FROM }, 'from'],
      ['empty service', { service: '', from: FROM, to: TO }, 'service'],
      ['unknown field', { from: FROM, to: TO, limit: 3 }, ''],
      ['not JSON', '{"from": ', 'body'],
    ];
    for (const [name, body, field] of cases) {
      it(name, async () => {
        const r = await post(body);
        expect(r.status).toBe(400);
        expect(r.type).toMatch(/^application\/problem\+json/);
        const errors = r.json['errors'] as { path: string; message: string }[];
        if (field !== '') expect(errors.map((e) => e.path)).toContain(field);
        else expect(errors.length).toBeGreaterThan(0);
      });
    }
  });
});
