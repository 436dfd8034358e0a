/**
 * The capacity, SLO-burn and anomaly joins of the recommendation engine on
 * real chDB: a stored capacity plan becomes scale-out, firing SLO alerts
 * become restore-slo pointed at the slow query / the failing call, active
 * anomalies raise the priority of the service's recommendations, and a
 * second run updates the same records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS, type OtelTable } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import { decodeRequest } from '../../../../collector/src/otlp/decode.ts';
import { writeAnomalies } from '../anomaly-store.ts';
import { saveSloStatus, upsertSloMonitor } from '../slo-store.ts';
import { spanTsvRow, type SpanRowInput } from '../testing/span-tsv.ts';
import { capacitySource, rightSizingSource, sloBurnSource } from './capacity-sources.ts';
import { runRecommendationEngine } from './recommendation-engine.ts';

const MIN = 60_000_000_000n;
const MS = 1_000_000n;
const T0 = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const T0_MS = Number(T0 / MS);

let dir: string;
let storage: Storage;
let seq = 0;
const id = (n: number, len: number): string => n.toString(16).padStart(len, '0');

/** reports: a slow aggregate query holds most of GET /report. stock: GET /stock fails every 5th call. */
function traffic(): SpanRowInput[] {
  const out: SpanRowInput[] = [];
  let i = 0;
  for (let t = T0; t < T0 + 20n * MIN; t += 20_000_000_000n) {
    const trace = id(++seq, 32);
    const root = id(++seq, 16);
    out.push(
      { startNs: t, durationNs: 212n * MS, traceId: trace, spanId: root, name: 'GET /report', kind: 'Server', service: 'reports' },
      { startNs: t + 5n * MS, durationNs: 200n * MS, traceId: trace, spanId: id(++seq, 16), parentSpanId: root, name: 'SELECT sales', kind: 'Client', service: 'reports', attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT region, sum(amount) FROM sales GROUP BY region' } },
    );
    const fail = i++ % 5 === 0;
    out.push({ startNs: t, durationNs: 8n * MS, traceId: id(++seq, 32), spanId: id(++seq, 16), name: 'GET /stock', kind: 'Server', service: 'stock', status: fail ? 'Error' : 'Unset' });
    out.push({ startNs: t, durationNs: 30n * MS, traceId: id(++seq, 32), spanId: id(++seq, 16), name: 'POST /work', kind: 'Server', service: 'busy', resource: { 'service.instance.id': 'b1' } });
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-capacity-sources-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  await storage.insertTsv('otel_traces', Buffer.from(traffic().map(spanTsvRow).join('')), { columns: TABLE_COLUMNS.otel_traces });
  // busy: one replica using ~0.47 of its 0.5-core limit (throttling) and 100 MiB of a 1 GiB memory limit.
  const ns = (sec: number): string => `${BigInt(sec) * 1_000_000_000n}`;
  const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
  const times = Array.from({ length: 20 * 6 }, (_, i) => Number(T0 / 1_000_000_000n) + i * 10);
  const gauge = (name: string, v: (i: number) => number) => ({ name, gauge: { dataPoints: times.map((t, i) => ({ timeUnixNano: ns(t), asDouble: v(i) })) } });
  const metrics = {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': 'busy', 'service.instance.id': 'b1' }) },
        scopeMetrics: [
          {
            scope: { name: 't' },
            metrics: [
              gauge('container.cpu.usage', (i) => 0.46 + 0.02 * ((i * 7) % 5) / 4),
              gauge('k8s.container.cpu_limit', () => 0.5),
              gauge('container.memory.working_set', () => 100 * 2 ** 20),
              gauge('k8s.container.memory_limit', () => 2 ** 30),
            ],
          },
        ],
      },
    ],
  };
  const decoded = decodeRequest('metrics', 'json', Buffer.from(JSON.stringify(metrics)));
  expect(decoded.rejected).toBe(0);
  for (const [table, batch] of decoded.batch.tables) await storage.insertTsv(table, Buffer.from(batch.text), { columns: TABLE_COLUMNS[table as OtelTable] });
  const client = storage.client;
  const now = Date.now();
  const dt = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  const plan = { WindowStart: 0, WindowEnd: 0, HorizonS: 86_400, CpuUtilization: 0.6, MemoryUtilization: null, Method: 'cpu-utilization-law+theil-sen-trend', Detail: '{}' };
  await client.insert({
    table: 'ppo_capacity',
    format: 'JSONEachRow',
    values: [
      // An older plan of reports said all was fine; the latest one needs 4 replicas within the hour.
      { ...plan, ComputedAt: dt(now - 600_000), ServiceName: 'reports', CurrentRps: 3, SaturationRps: 10, HeadroomPct: 70, TimeToSaturationS: null, TimeToSaturationUpper80S: null, ReplicasNow: 2, ReplicasNeeded: 2, Confidence: 0.9 },
      { ...plan, ComputedAt: dt(now), ServiceName: 'reports', CurrentRps: 3, SaturationRps: 5, HeadroomPct: 40, TimeToSaturationS: 3600, TimeToSaturationUpper80S: 2400, ReplicasNow: 2, ReplicasNeeded: 4, Confidence: 0.9 },
      // stock: 6 replicas where 2 carry the whole horizon.
      { ...plan, ComputedAt: dt(now), ServiceName: 'stock', CurrentRps: 1, SaturationRps: 30, HeadroomPct: 96, TimeToSaturationS: null, TimeToSaturationUpper80S: null, ReplicasNow: 6, ReplicasNeeded: 2, Confidence: 0.8 },
      // A stale plan is ignored.
      { ...plan, ComputedAt: dt(now - 3 * 86_400_000), ServiceName: 'old', CurrentRps: 1, SaturationRps: 2, HeadroomPct: 50, TimeToSaturationS: 60, TimeToSaturationUpper80S: 60, ReplicasNow: 1, ReplicasNeeded: 3, Confidence: 0.8 },
    ],
  });
  const lat = await upsertSloMonitor(client, { service: 'reports', objectives: [{ kind: 'latency', percentile: 95, thresholdMs: 100, target: 0.99 }], window: '30d' }, now);
  await saveSloStatus(client, {
    monitorId: lat.monitor.id,
    evaluatedAt: now,
    firing: ['latency:p95:100|fast', 'latency:p95:100|slow'],
    status: { state: 'fast_burn', objectives: [{ key: 'latency:p95:100', kind: 'latency', error_budget_remaining: -50, burn_rates: [{ severity: 'fast', firing: true, short: { burn_rate: 100 } }] }] },
  });
  const err = await upsertSloMonitor(client, { service: 'stock', objectives: [{ kind: 'error_rate', target: 0.01 }], window: '30d' }, now);
  await saveSloStatus(client, {
    monitorId: err.monitor.id,
    evaluatedAt: now,
    firing: ['error_rate|slow'],
    status: { state: 'slow_burn', objectives: [{ key: 'error_rate', kind: 'error_rate', error_budget_remaining: 0.3, burn_rates: [{ severity: 'slow', firing: true, short: { burn_rate: 20 } }] }] },
  });
  await writeAnomalies(
    client,
    [{ id: 'an1', service: 'reports', metric: 'latency_p95', kind: 'level_shift', direction: 'up', severity: 'critical', status: 'active', start: T0_MS + 60_000, end: T0_MS + 600_000, peakAt: T0_MS + 120_000, score: 15, actual: 212, expected: 60, detectedAt: T0_MS, updatedAt: T0_MS }],
    1,
  );
}, 60_000);

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const scope = { from: T0, to: T0 + 20n * MIN };
const sources = [capacitySource(), sloBurnSource()];

describe('capacity and SLO recommendation sources', () => {
  it('turns the latest capacity plans into scale-out / scale-in and burning objectives into restore-slo', async () => {
    const r = await runRecommendationEngine({ client: storage.client }, scope, sources);
    expect(r.sources.every((s) => s.error === undefined)).toBe(true);
    const found = r.recommendations.map((x) => `${x.kind} ${x.service} ${x.operation ?? ''}`.trim()).sort();
    expect(found).toEqual(['restore-slo reports SELECT sales', 'restore-slo stock GET /stock', 'scale-in stock', 'scale-out reports']);
    const out = r.recommendations.find((x) => x.kind === 'scale-out');
    expect(out?.title).toContain('from 2 to 4 replicas');
    const slo = r.recommendations.find((x) => x.kind === 'restore-slo' && x.service === 'reports');
    // One finding for the fast and slow alert of one objective; the query's p50 halves.
    expect(r.recommendations.filter((x) => x.kind === 'restore-slo' && x.service === 'reports')).toHaveLength(1);
    expect(slo?.expectedImprovement.metric).toBe('latency_p50_ms');
    expect(slo?.expectedImprovement.current).toBeCloseTo(200, 0);
    expect(slo?.expectedImprovement.expected).toBeCloseTo(100, 0);
    const errs = r.recommendations.find((x) => x.kind === 'restore-slo' && x.service === 'stock');
    expect(errs?.expectedImprovement).toMatchObject({ metric: 'error_rate', expected: 0 });
    expect(errs?.expectedImprovement.current).toBeGreaterThan(0.1);
  });

  it('active anomalies add evidence and priority to their service only', async () => {
    const r = await runRecommendationEngine({ client: storage.client }, scope, sources);
    const reports = r.recommendations.filter((x) => x.service === 'reports');
    for (const x of reports) expect(x.evidence.some((e) => e.detail.includes('critical level shift anomaly on reports latency_p95'))).toBe(true);
    const stock = r.recommendations.filter((x) => x.service === 'stock');
    for (const x of stock) expect(x.evidence.some((e) => e.detail.includes('anomaly'))).toBe(false);
    // A slow burn is impact 0.5; the fast burn 1 (already the cap).
    expect(r.recommendations.find((x) => x.kind === 'restore-slo' && x.service === 'stock')?.impact).toBe(0.5);
  });

  it('is de-duplicated across runs: the same findings update the same records', async () => {
    const a = await runRecommendationEngine({ client: storage.client }, scope, sources);
    const b = await runRecommendationEngine({ client: storage.client }, scope, sources);
    expect(b.created).toBe(0);
    expect(b.recommendations.map((x) => x.id).sort()).toEqual(a.recommendations.map((x) => x.id).sort());
    expect(Math.min(...b.recommendations.map((x) => x.timesSeen))).toBeGreaterThanOrEqual(2);
  });

  it('right-sizes from resource metrics: raise-cpu for a throttled limit, lower-memory for an idle one', async () => {
    const r = await runRecommendationEngine({ client: storage.client }, scope, [rightSizingSource()]);
    expect(r.sources[0]?.error).toBeUndefined();
    const found = r.recommendations.map((x) => `${x.kind} ${x.service}`).sort();
    expect(found).toEqual(['lower-memory busy', 'raise-cpu busy']);
    const cpu = r.recommendations.find((x) => x.kind === 'raise-cpu');
    // p95 0.48 cores at a 70 % target → 0.7 cores (50 m steps).
    expect(cpu?.title).toContain('from 0.5 to 0.7 cores');
    const mem = r.recommendations.find((x) => x.kind === 'lower-memory');
    expect(mem?.expectedImprovement.current).toBe(2 ** 30);
    expect(mem?.expectedImprovement.expected).toBeLessThan(200 * 2 ** 20);
    // Calibrated by the kind's (empty) track record: the detector's own figure.
    expect(cpu?.confidence).toBe(cpu?.priorConfidence);
  });

  it('keeps to the requested service', async () => {
    const r = await runRecommendationEngine({ client: storage.client }, { ...scope, service: 'stock' }, sources);
    expect(new Set(r.recommendations.map((x) => x.service))).toEqual(new Set(['stock']));
  });
});
