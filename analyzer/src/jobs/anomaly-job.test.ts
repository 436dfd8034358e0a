/**
 * The anomaly job against real chDB: spans and an OTLP gauge stored the way
 * the collector stores them, three rounds, anomalies stored once, and only
 * the one still under way published on the first round.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS, type OtelTable } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
// The decoder is internal to the collector; tests reach it by path.
import { decodeRequest } from '../../../collector/src/otlp/decode.ts';
import { LiveEvents, type LiveEvent } from '../events/live-events.ts';
import { listAnomalies } from '../queries/anomaly-store.ts';
import { spanTsvRow } from '../queries/testing/span-tsv.ts';
import { anomalyJob, isResourceMetric } from './anomaly-job.ts';
import type { JobContext } from './job.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const MINUTES = 12 * 60;
const SLOW_FROM = 600; // latency x4 for 20 minutes, 10 h in
const SLOW_TO = 620;
const CPU_SHIFT = 540; // CPU 0.2 -> 0.7 from 9 h in, for good
const NOW_MS = (T0 + MINUTES * 60) * 1000;

let dir: string;
let storage: Storage;

/** Deterministic jitter in [0, 1). */
const jitter = (i: number): number => {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return x - Math.floor(x);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-anomaly-job-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  let tsv = '';
  let n = 0;
  // Data runs 5 minutes past the first round's now, so the second round's window has traffic to its end.
  for (let m = 0; m < MINUTES + 5; m++) {
    for (let k = 0; k < 6; k++) {
      const ms = (m >= SLOW_FROM && m < SLOW_TO ? 400 : 100) * (1 + 0.1 * jitter(n));
      tsv += spanTsvRow({
        startNs: BigInt(T0 + m * 60 + k * 10) * 1_000_000_000n,
        durationNs: Math.round(ms * 1e6),
        traceId: n.toString(16).padStart(32, '0'),
        spanId: n.toString(16).padStart(16, '0'),
        name: 'GET /cart',
        kind: 'Server',
        service: 'checkout',
      });
      n++;
    }
  }
  await storage.insertTsv('otel_traces', Buffer.from(tsv), { columns: TABLE_COLUMNS.otel_traces });

  const points = Array.from({ length: MINUTES + 5 }, (_, m) => ({
    timeUnixNano: `${BigInt(T0 + m * 60 + 30) * 1_000_000_000n}`,
    asDouble: (m >= CPU_SHIFT ? 0.7 : 0.2) + 0.02 * jitter(m + 7),
  }));
  const request = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeMetrics: [
          {
            scope: { name: 'test' },
            metrics: [
              { name: 'process.cpu.utilization', unit: '1', gauge: { dataPoints: points } },
              { name: 'orders.placed', unit: '{order}', gauge: { dataPoints: points } },
            ],
          },
        ],
      },
    ],
  };
  const decoded = decodeRequest('metrics', 'json', Buffer.from(JSON.stringify(request)));
  expect(decoded.rejected).toBe(0);
  for (const [table, batch] of decoded.batch.tables) {
    await storage.insertTsv(table, Buffer.from(batch.text), { columns: TABLE_COLUMNS[table as OtelTable] });
  }
}, 60_000);

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function context(events: LiveEvents, now = NOW_MS): JobContext {
  const log = { info() {}, warn() {}, error() {} };
  return { client: storage.client, events, log, now, signal: new AbortController().signal };
}

describe('anomalyJob', () => {
  it('stores RED and resource anomalies once across rounds; publishes only current ones on its first round', async () => {
    const events = new LiveEvents();
    const seen: LiveEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const job = anomalyJob();

    // Round one starts mid-incident (latency is still slow): the CPU shift of
    // an hour ago is stored silently, the ongoing latency anomaly is news.
    const DURING = (T0 + (SLOW_FROM + 15) * 60) * 1000;
    const zero = await job.run(context(events, DURING));
    const early = await listAnomalies(storage.client, { fromMs: T0 * 1000, toMs: DURING });
    expect(early.map((a) => [a.metric, a.status]).sort()).toEqual([
      ['latency_p95', 'active'],
      ['process.cpu.utilization', 'resolved'],
    ]);
    expect(zero.findings).toBe(2);
    expect(seen.map((e) => [e.data['metric'], e.data['status']])).toEqual([['latency_p95', 'active']]);
    seen.length = 0;

    const first = await job.run(context(events));
    const stored = await listAnomalies(storage.client, { fromMs: T0 * 1000, toMs: NOW_MS });
    const latency = stored.filter((a) => a.metric === 'latency_p95');
    expect(latency).toHaveLength(1);
    expect(latency[0]).toMatchObject({ service: 'checkout', direction: 'up', status: 'resolved' });
    expect(latency[0]!.start).toBe((T0 + SLOW_FROM * 60) * 1000);
    const cpu = stored.filter((a) => a.metric === 'process.cpu.utilization');
    expect(cpu).toHaveLength(1);
    expect(cpu[0]).toMatchObject({ kind: 'level_shift', direction: 'up' });
    expect(Math.abs(cpu[0]!.start - (T0 + CPU_SHIFT * 60) * 1000)).toBeLessThanOrEqual(5 * 60_000);
    // A business gauge is not a resource metric: not watched.
    expect(stored.some((a) => a.metric === 'orders.placed')).toBe(false);
    // Steady request rate and no errors: nothing there.
    expect(stored.filter((a) => a.metric === 'rate' || a.metric === 'error_rate')).toEqual([]);
    // Both were known from round one: updated (latency resolved), not new, not published again.
    expect(first.findings).toBe(0);
    expect(seen).toEqual([]);
    expect(stored.map((a) => a.id).sort()).toEqual(early.map((a) => a.id).sort());

    // Round three, a minute later: the window slid, the same anomalies are updated, not duplicated.
    const second = await job.run(context(events, NOW_MS + 60_000));
    expect(second.findings).toBe(0);
    expect(seen).toEqual([]);
    const again = await listAnomalies(storage.client, { fromMs: T0 * 1000, toMs: NOW_MS + 60_000 });
    expect(again.map((a) => a.id).sort()).toEqual(stored.map((a) => a.id).sort());
    const rs = await storage.client.query({ query: 'SELECT count() AS n FROM ppo_anomalies FINAL', format: 'JSONEachRow' });
    expect(Number((await rs.json<{ n: string | number }>())[0]?.n)).toBe(stored.length);
    expect(again.find((a) => a.id === latency[0]!.id)?.detectedAt).toBe(latency[0]!.detectedAt);
  }, 60_000);

  it('watches resource metrics by semantic-convention name', () => {
    for (const name of ['process.cpu.utilization', 'system.memory.usage', 'container.cpu.usage', 'k8s.pod.memory.working_set', 'jvm.gc.duration', 'v8js.memory.heap.used', 'nodejs.eventloop.delay.p99', 'process.runtime.go.gc.pause_ns']) {
      expect(isResourceMetric(name), name).toBe(true);
    }
    for (const name of ['orders.placed', 'http.server.request.duration', 'db.client.connections.usage', 'gcp.storage.bytes']) {
      expect(isResourceMetric(name), name).toBe(false);
    }
  });
});
