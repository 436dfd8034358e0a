/**
 * The dashboard summary over real chDB: spans through the collector's decoder
 * (so the RED rollups fill), recommendations made by the real engine, and
 * anomalies, an SLO status, a capacity plan and a forecast planted the way
 * their jobs store them. Checks the joins, not just the shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertSloMonitor, writeAnomalies } from '@ppo/analyzer';
import { saveSloStatus } from '../../../analyzer/src/queries/slo-store.ts';
import { ROUTE_DOCS } from '../app.ts';
import { otlpTraces, startApiHarness, type ApiHarness, type TestSpan } from '../testing/api-harness.ts';

const MS = 1_000_000n;
const MIN = 60_000n * MS;
const T0 = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z: the summary period is [T0, T0 + 10 min)
const T0_MS = Number(T0 / MS);

let h: ApiHarness;

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

/** `orders`: GET /orders with an N+1 of 6 queries (now 40 ms, the period before 20 ms). `pay`: a third of its calls fail. */
function traffic(): TestSpan[] {
  const spans: TestSpan[] = [];
  let id = 0;
  const orders = (start: bigint, rootMs: bigint, queryMs: bigint): void => {
    const traceId = hex(++id, 32);
    const root = hex(id, 12) + '0000';
    spans.push({ service: 'orders', traceId, spanId: root, name: 'GET /orders', kind: 2, startNs: start, durationNs: rootMs * MS });
    for (let k = 0; k < 6; k++) {
      spans.push({
        service: 'orders',
        traceId,
        spanId: hex(id, 12) + hex(k + 1, 4),
        parentSpanId: root,
        name: 'SELECT items',
        kind: 3,
        startNs: start + (1n + BigInt(k) * (queryMs + 1n)) * MS,
        durationNs: queryMs * MS,
        attributes: { 'db.system.name': 'postgresql', 'db.query.text': `SELECT * FROM items WHERE id = ${id * 6 + k}` },
      });
    }
  };
  for (let i = 0; i < 30; i++) orders(T0 - 10n * MIN + BigInt(i) * 10_000n * MS, 20n, 2n);
  for (let i = 0; i < 30; i++) orders(T0 + BigInt(i) * 10_000n * MS, 40n, 5n);
  for (let i = 0; i < 30; i++) {
    spans.push({ service: 'pay', traceId: hex(++id, 32), spanId: hex(id, 16), name: 'POST /pay', kind: 2, startNs: T0 + BigInt(i) * 15_000n * MS, durationNs: 10n * MS, error: i % 3 === 0 });
  }
  return spans;
}

function schemaOf(path: string) {
  const doc = ROUTE_DOCS.find((d) => d.method === 'get' && d.path === path);
  if (!doc?.response.schema) throw new Error(`no documented schema for ${path}`);
  return doc.response.schema;
}

const dt = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

beforeAll(async () => {
  h = await startApiHarness();
  await h.insertOtlp(otlpTraces(traffic()));
  const client = h.storage.client;
  const res = await h.app.request('/api/ppo/optimize-performance', {
    method: 'POST',
    body: JSON.stringify({ from: (T0 - 10n * MIN).toString(), to: (T0 + 10n * MIN).toString() }),
    headers: { 'Content-Type': 'application/json' },
  });
  expect(res.status).toBe(200);
  const anomaly = { service: 'orders', metric: 'latency_p95', kind: 'level_shift', direction: 'up', score: 12, actual: 40, expected: 20, detectedAt: T0_MS, updatedAt: T0_MS } as const;
  await writeAnomalies(
    client,
    [
      { ...anomaly, id: 'a-active', severity: 'critical', status: 'active', start: T0_MS, end: T0_MS + 300_000, peakAt: T0_MS + 60_000 },
      { ...anomaly, id: 'a-resolved', severity: 'minor', status: 'resolved', start: T0_MS - 3_600_000, end: T0_MS - 3_000_000, peakAt: T0_MS - 3_300_000 },
    ],
    1,
  );
  const { monitor } = await upsertSloMonitor(client, { service: 'orders', objectives: [{ kind: 'latency', percentile: 95, thresholdMs: 50, target: 0.99 }], window: '30d' }, Date.now());
  await saveSloStatus(client, {
    monitorId: monitor.id,
    evaluatedAt: Date.now(),
    firing: ['latency:p95:50|fast'],
    status: { state: 'fast_burn', objectives: [{ key: 'latency:p95:50', kind: 'latency', sli: 0.9, target: 0.99, error_budget_remaining: -2, budget_exhausted_in_s: 0 }] },
  });
  const now = Date.now();
  await client.insert({
    table: 'ppo_capacity',
    format: 'JSONEachRow',
    values: [{ ComputedAt: dt(now), ServiceName: 'orders', WindowStart: 0, WindowEnd: 0, HorizonS: 86_400, CurrentRps: 3, SaturationRps: 5, HeadroomPct: 40, TimeToSaturationS: 1800, TimeToSaturationUpper80S: 1200, ReplicasNow: 1, ReplicasNeeded: 2, CpuUtilization: 0.5, MemoryUtilization: null, Confidence: 0.9, Method: 'cpu-utilization-law+theil-sen-trend', Detail: '{}' }],
  });
  // The latest forecast of orders' p95 crosses the SLO threshold (50 ms) at its peak; an older issue must be ignored.
  const fc = (issuedMs: number, values: number[]) =>
    values.map((v, i) => ({ IssuedAt: (issuedMs / 1000).toFixed(3), ServiceName: 'orders', Metric: 'latency_p95', T: Number(T0 / 1_000_000_000n) + 600 + i * 60, StepSeconds: 60, Model: 'ETS(A,A,N)', Value: v, Lower80: v - 5, Upper80: v + 5, Lower95: v - 8, Upper95: v + 8, TrainingPoints: 100, BacktestMase: 0.8, BacktestSmape: 0.1, BacktestCoverage80: 0.8 }));
  await client.insert({ table: 'ppo_forecasts', format: 'JSONEachRow', values: [...fc(now - 60_000, [1, 1, 1]), ...fc(now, [40, 48, 55])] });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('GET /performance-analytics', () => {
  it('joins health, anomalies, SLOs, forecasts, bottlenecks and recommendations per service', async () => {
    const r = await h.get(`/api/ppo/performance-analytics?from=${T0}&to=${T0 + 10n * MIN}`);
    expect(r.status).toBe(200);
    const body = schemaOf('/performance-analytics').parse(r.json) as any;

    expect(body.previous).toEqual({ from: '2025-12-31T23:50:00.000Z', to: '2026-01-01T00:00:00.000Z' });
    const orders = body.services.find((s: any) => s.service === 'orders');
    const pay = body.services.find((s: any) => s.service === 'pay');
    // orders: a fast burn and a critical anomaly; pay: 10 of 30 calls failed.
    expect(orders).toMatchObject({ health: 'critical', active_anomalies: 1, slo_alerts_firing: 1 });
    expect(orders.now.calls).toBe(30);
    expect(orders.previous.calls).toBe(30);
    expect(orders.now.p95_ms).toBeGreaterThan(orders.previous.p95_ms * 1.5);
    expect(orders.change.p95_pct).toBeGreaterThan(50);
    expect(orders.change.rate_pct).toBe(0);
    expect(orders.open_recommendations).toBeGreaterThan(0);
    expect(pay).toMatchObject({ health: 'critical', active_anomalies: 0 });
    expect(pay.now.error_rate).toBeCloseTo(10 / 30, 3);
    expect(pay.reasons.join(' ')).toMatch(/error rate 33\.33%/);
    expect(body.fleet).toMatchObject({ services: 2, critical: 2, calls: 60 });

    // Only the active anomaly.
    expect(body.anomalies.map((a: any) => a.id)).toEqual(['a-active']);
    expect(body.slo).toHaveLength(1);
    expect(body.slo[0]).toMatchObject({ service: 'orders', state: 'fast_burn', alerts_firing: ['latency:p95:50|fast'] });

    expect(body.forecasts.capacity).toEqual([expect.objectContaining({ service: 'orders', time_to_saturation_s: 1800, replicas_needed: 2 })]);
    const f = body.forecasts.red.find((x: any) => x.metric === 'latency_p95');
    expect(f).toMatchObject({ service: 'orders', peak_value: 55, end_value: 55, model: 'ETS(A,A,N)' });
    expect(f.limit).toMatchObject({ value: 50, breached_value: true, breached_upper80: true });

    // The N+1 is the top bottleneck of the period and the recommendation to batch it leads the list.
    expect(body.bottlenecks.traces_analyzed).toBeGreaterThan(0);
    expect(body.bottlenecks.top[0]).toMatchObject({ service: 'orders', operation: 'SELECT items' });
    expect(body.recommendations.map((x: any) => x.kind)).toContain('batch-n-plus-one');
    expect(body.track_record).toMatchObject({ measured: 0, success_rate: null });
    expect(body.track_record.issued).toBeGreaterThan(0);
  });

  it('answers fast on a small dataset', async () => {
    const started = performance.now();
    const r = await h.get(`/api/ppo/performance-analytics?from=${T0}&to=${T0 + 10n * MIN}`);
    expect(r.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('defaults to the last hour, empty but well-formed', async () => {
    const r = await h.get('/api/ppo/performance-analytics');
    expect(r.status).toBe(200);
    const body = schemaOf('/performance-analytics').parse(r.json) as any;
    // orders still listed: its monitor and stored plan do not depend on the period.
    expect(body.services.map((s: any) => s.service)).toEqual(['orders']);
    expect(body.services[0].now.calls).toBe(0);
    expect(body.anomalies).toEqual([]);
  });

  it('rejects a reversed range and unknown parameters with problem+json', async () => {
    const bad = await h.get(`/api/ppo/performance-analytics?from=${T0 + MIN}&to=${T0}`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((await h.get('/api/ppo/performance-analytics?service=x')).status).toBe(400);
  });
});
