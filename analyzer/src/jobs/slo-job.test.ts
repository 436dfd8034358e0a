/**
 * SLO monitors end to end against real chDB: spans inserted the way the
 * collector stores them fill the histogram rollup (0015) through its views;
 * the store, the status evaluation and the SLO job read it back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import { LiveEvents, type LiveEvent } from '../events/live-events.ts';
import { bucketOf, bucketOfStart, LATENCY_BUCKET_BOUNDS_NS } from '../models/slo/latency-buckets.ts';
import { listSloMonitors, loadSloStatuses, upsertSloMonitor } from '../queries/slo-store.ts';
import { evaluateSloMonitor } from '../queries/slo-status.ts';
import { spanTsvRow, type SpanRowInput } from '../queries/testing/span-tsv.ts';
import type { JobContext } from './job.ts';
import { sloJob, type SloBurnEventData } from './slo-job.ts';

const MIN = 60_000;
const NOW = Date.UTC(2026, 0, 10, 12, 0, 30); // half a minute into 12:00
const MS = 1_000_000;

let dir: string;
let storage: Storage;
let seq = 0;

async function insert(rows: SpanRowInput[]): Promise<void> {
  await storage.insertTsv('otel_traces', Buffer.from(rows.map(spanTsvRow).join('')), { columns: TABLE_COLUMNS.otel_traces });
}

const span = (service: string, atMs: number, durationMs: number, error = false, name = 'GET /checkout'): SpanRowInput => {
  seq++;
  return {
    startNs: BigInt(atMs) * 1_000_000n,
    durationNs: BigInt(Math.round(durationMs * MS)),
    traceId: seq.toString(16).padStart(32, '0'),
    spanId: seq.toString(16).padStart(16, '0'),
    name,
    kind: 'Server',
    service,
    status: error ? 'Error' : 'Unset',
  };
};

const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ctx = (events: LiveEvents, now: number): JobContext => ({ client: storage.client, events, log: silentLog, now, signal: new AbortController().signal });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-slo-job-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  // checkout: 10 requests a minute for the 6 hours before 11:50, healthy (40 ms);
  // then 11:50-12:00 a full outage: every request fails and takes 500 ms.
  const rows: SpanRowInput[] = [];
  for (let m = 360; m >= 1; m--) {
    const minuteStart = Math.floor(NOW / MIN) * MIN - m * MIN;
    const outage = m <= 10;
    for (let i = 0; i < 10; i++) rows.push(span('checkout', minuteStart + i * 5_000, outage ? 500 : 40, outage));
  }
  await insert(rows);
});

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('latency histogram rollup (0015)', () => {
  it('uses exactly the bounds of latency-buckets.ts', () => {
    const sql = readFileSync(new URL('../../../clickhouse-migrations/sql/0015_ppo_slo_latency_histograms.sql', import.meta.url), 'utf8');
    const lists = [...sql.matchAll(/roundDown\(toUInt64\(greatest\(Duration, 1\) - 1\), \[([0-9, ]+)\]\)/g)].map((m) => (m[1] ?? '').split(', ').map(Number));
    expect(lists).toHaveLength(2);
    for (const list of lists) expect(list).toEqual([0, ...LATENCY_BUCKET_BOUNDS_NS]);
  });

  it('puts each span in the bucket bucketOf names, edges inclusive', async () => {
    // Every edge, one below and one above it, and the extremes.
    const durationsNs = [0, 1, 999_999_999_999, ...LATENCY_BUCKET_BOUNDS_NS.flatMap((b) => [b - 1, b, b + 1])];
    const at = NOW - 3 * 86_400_000;
    await insert(durationsNs.map((d, i) => ({ ...span('bounds', at, 0), durationNs: BigInt(d), spanId: `b${i}`.padStart(16, '0') })));
    const rs = await storage.client.query({
      query: `SELECT BucketStartNs AS start, sum(Count) AS n FROM ppo_slo_hist_1m_service WHERE ServiceName = 'bounds' GROUP BY BucketStartNs ORDER BY BucketStartNs`,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const got = (await rs.json<{ start: number; n: number }>()).map((r) => ({ bucket: bucketOfStart(r.start), n: r.n }));
    const want = new Map<number, number>();
    for (const d of durationsNs) want.set(bucketOf(d), (want.get(bucketOf(d)) ?? 0) + 1);
    expect(got.map((r) => [r.bucket, r.n])).toEqual([...want].sort((a, b) => a[0] - b[0]));
    expect(got.at(-1)?.bucket).toBe(81);
  });
});

describe('SLO monitors', () => {
  it('creates a monitor, then updates it in place keeping its creation time', async () => {
    const first = await upsertSloMonitor(storage.client, { service: 'checkout', objectives: [{ kind: 'availability', target: 0.99 }], window: '30d' }, NOW - 5 * MIN);
    expect(first.created).toBe(true);
    const second = await upsertSloMonitor(
      storage.client,
      {
        service: 'checkout',
        objectives: [
          { kind: 'availability', target: 0.999 },
          { kind: 'latency', percentile: 99, thresholdMs: 300, target: 0.99 },
        ],
        window: '30d',
      },
      NOW - 4 * MIN,
    );
    expect(second.created).toBe(false);
    expect(second.monitor.id).toBe(first.monitor.id);
    const all = await listSloMonitors(storage.client);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: first.monitor.id, createdAt: NOW - 5 * MIN, updatedAt: NOW - 4 * MIN });
    expect(all[0]?.objectives).toHaveLength(2);
  });

  it('evaluates SLI, budget and burn rates from the rollup', async () => {
    const [monitor] = await listSloMonitors(storage.client);
    if (!monitor) throw new Error('no monitor');
    const s = await evaluateSloMonitor(storage.client, monitor, NOW);
    const [availability, latency] = s.objectives;
    // 3 600 requests in the period, the last 100 failed.
    expect(availability).toMatchObject({ events: 3600, bad: 100, sli: Number((3500 / 3600).toFixed(6)) });
    // 100 bad against 3.6 allowed: the budget is overspent 27.8 times.
    expect(availability?.error_budget_remaining).toBeCloseTo(1 - 100 / 3.6, 3);
    const fastest = availability?.burn_rates[0];
    // A window is the last w/60 minutes including the current one (12:00, no data yet):
    // 1 h = 11:01-12:00, 100 of 590 failed = burn 169.5; 5 m = 11:56-12:00, all 40 failed = burn 1000.
    expect(fastest).toMatchObject({ pair: '1h/5m', factor: 14.4, firing: true, long: { window: '1h', events: 590, bad: 100 }, short: { window: '5m', events: 40, bad: 40 } });
    expect(fastest?.long.burn_rate).toBeCloseTo(169.4915, 3);
    expect(fastest?.short.burn_rate).toBeCloseTo(1000, 6);
    // Latency: the outage's 500 ms requests are over 300 ms: 100 of 590 in the hour → burn 16.9 > 14.4.
    expect(latency).toMatchObject({ kind: 'latency', exact: true, events: 3600, bad: 100 });
    expect(latency?.burn_rates[0]?.long.burn_rate).toBeCloseTo(16.9492, 3);
    expect(latency?.observed_percentile_ms).toBeGreaterThan(400);
    expect(s.state).toBe('fast_burn');
    expect(s.alerts).toMatchObject({ fast: true, slow: true });
  });

  it('the job announces alerts when they start and when they resolve, once, across restarts', async () => {
    const events = new LiveEvents();
    const seen: LiveEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const job = sloJob();
    const first = await job.run(ctx(events, NOW));
    const burns = seen.map((e) => e.data as SloBurnEventData);
    expect(seen.every((e) => e.type === 'slo_burn')).toBe(true);
    expect(burns.map((b) => [b.objective, b.severity, b.state]).sort()).toEqual([
      ['availability>=0.999', 'fast', 'firing'],
      ['availability>=0.999', 'slow', 'firing'],
      ['latency:p99<=300ms@0.99', 'fast', 'firing'],
      ['latency:p99<=300ms@0.99', 'slow', 'firing'],
    ]);
    expect(first.findings).toBe(4);
    expect(burns[0]).toMatchObject({ service: 'checkout', operation: null, window: '30d' });
    expect(burns.find((b) => b.severity === 'fast')?.pairs).toContain('1h/5m');

    // Same state next round: nothing new.
    seen.length = 0;
    expect((await job.run(ctx(events, NOW + 10_000))).findings).toBe(0);
    expect(seen).toHaveLength(0);

    // Two hours later with no traffic since: the short windows are empty, so the pages resolve;
    // the 6 h and 3 d windows still hold the outage, so the tickets keep firing.
    const later = NOW + 120 * MIN;
    await job.run(ctx(events, later));
    expect(seen.map((e) => [(e.data as SloBurnEventData).objective, (e.data as SloBurnEventData).severity, (e.data as SloBurnEventData).state]).sort()).toEqual([
      ['availability>=0.999', 'fast', 'resolved'],
      ['latency:p99<=300ms@0.99', 'fast', 'resolved'],
    ]);

    // A restarted job reads the stored alert state and announces nothing again.
    seen.length = 0;
    const restarted = sloJob();
    expect((await restarted.run(ctx(events, later + 10_000))).findings).toBe(0);
    expect(seen).toHaveLength(0);
    const stored = await loadSloStatuses(storage.client);
    expect([...stored.values()][0]?.firing).toEqual(['availability>=0.999|slow', 'latency:p99<=300ms@0.99|slow']);
    const log = await storage.client.query({ query: 'SELECT State AS state, count() AS n FROM ppo_slo_alerts GROUP BY State ORDER BY State', format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
    expect(await log.json()).toEqual([
      { state: 'firing', n: 4 },
      { state: 'resolved', n: 2 },
    ]);
  });

  it('an operation monitor reads the operation rollup', async () => {
    await insert([span('cart', NOW - 2 * MIN, 10, false, 'POST /cart'), span('cart', NOW - 2 * MIN, 10, true, 'POST /cart'), span('cart', NOW - 2 * MIN, 10, true, 'GET /cart')]);
    const { monitor } = await upsertSloMonitor(storage.client, { service: 'cart', operation: 'POST /cart', objectives: [{ kind: 'error_rate', target: 0.01 }], window: '7d' }, NOW);
    const s = await evaluateSloMonitor(storage.client, monitor, NOW);
    expect(s.operation).toBe('POST /cart');
    expect(s.objectives[0]).toMatchObject({ events: 2, bad: 1, sli: 0.5, success_target: 0.99 });
    expect(s.objectives[0]?.burn_rates.map((b) => b.factor)).toEqual([3.36, 1.4, 1]);
  });
});
