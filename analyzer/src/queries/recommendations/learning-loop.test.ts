/**
 * Recommendation sources and the learning loop against real chDB: spans go in
 * as the collector stores them; the sources, the deploy detection, the
 * before/after measurement and the stored records are all the real SQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import { LiveEvents, type LiveEvent } from '../../events/live-events.ts';
import { spanTsvRow, type SpanRowInput } from '../testing/span-tsv.ts';
import { listDeployments } from './deployments.ts';
import { runLearningLoop } from './learning-loop.ts';
import { kindTrackRecords, runRecommendationEngine } from './recommendation-engine.ts';
import { listRecommendations, saveRecommendations } from './recommendation-store.ts';

const MIN = 60_000_000_000n;
const T0 = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const MS = 1_000_000;

let dir: string;
let storage: Storage;
const events: LiveEvent[] = [];
const bus = new LiveEvents();
bus.subscribe((e) => events.push(e));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

/** Log-normal-ish latency around `median` ms. */
function latency(u: () => number, median: number): number {
  const z = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return median * Math.exp(0.3 * z);
}

let spanSeq = 0;
const id = (n: number, len: number): string => n.toString(16).padStart(len, '0');

/** One root span per request, every 5 s over [start, start + minutes). */
function entryTraffic(service: string, op: string, version: string, start: bigint, minutes: number, median: number, seed: number): SpanRowInput[] {
  const u = lcg(seed);
  const out: SpanRowInput[] = [];
  for (let t = start; t < start + BigInt(minutes) * MIN; t += 5_000_000_000n) {
    const n = ++spanSeq;
    out.push({ startNs: t, durationNs: Math.round(latency(u, median) * MS), traceId: id(n, 32), spanId: id(n, 16), name: op, kind: 'Server', service, resource: { 'service.version': version } });
  }
  return out;
}

/** cart: GET /cart reads the same config row 4 times and calls stock, which fails 10% of the time. */
function cartTraffic(start: bigint, minutes: number): SpanRowInput[] {
  const u = lcg(99);
  const out: SpanRowInput[] = [];
  let i = 0;
  for (let t = start; t < start + BigInt(minutes) * MIN; t += 5_000_000_000n) {
    const trace = id(++spanSeq, 32);
    const root = id(++spanSeq, 16);
    const fail = i++ % 10 === 0;
    let cursor = t + 1n * BigInt(MS);
    const children: SpanRowInput[] = [];
    for (let k = 0; k < 4; k++) {
      const d = BigInt(Math.round((3 + u()) * MS));
      children.push({ startNs: cursor, durationNs: d, traceId: trace, spanId: id(++spanSeq, 16), parentSpanId: root, name: 'SELECT config', kind: 'Client', service: 'cart', attributes: { 'db.system': 'postgresql', 'db.statement': "SELECT * FROM config WHERE key = 'tax'" } });
      cursor += d + 100_000n;
    }
    const call = id(++spanSeq, 16);
    const d = BigInt(Math.round((8 + 2 * u()) * MS));
    children.push({ startNs: cursor, durationNs: d, traceId: trace, spanId: call, parentSpanId: root, name: 'GET /stock', kind: 'Client', service: 'cart', status: fail ? 'Error' : 'Unset', attributes: { 'http.request.method': 'GET', 'url.full': `http://stock/stock?sku=${i}` } });
    children.push({ startNs: cursor + 200_000n, durationNs: d - 400_000n, traceId: trace, spanId: id(++spanSeq, 16), parentSpanId: call, name: 'GET /stock', kind: 'Server', service: 'stock', status: fail ? 'Error' : 'Unset' });
    cursor += d;
    out.push({ startNs: t, durationNs: cursor - t + 500_000n, traceId: trace, spanId: root, name: 'GET /cart', kind: 'Server', service: 'cart', status: fail ? 'Error' : 'Unset' }, ...children);
  }
  return out;
}

/** reports: one slow aggregate query holds most of GET /report. */
function reportTraffic(start: bigint, minutes: number): SpanRowInput[] {
  const u = lcg(5);
  const out: SpanRowInput[] = [];
  for (let t = start; t < start + BigInt(minutes) * MIN; t += 30_000_000_000n) {
    const trace = id(++spanSeq, 32);
    const root = id(++spanSeq, 16);
    const q = BigInt(Math.round((180 + 40 * u()) * MS));
    out.push(
      { startNs: t, durationNs: q + 12n * BigInt(MS), traceId: trace, spanId: root, name: 'GET /report', kind: 'Server', service: 'reports' },
      { startNs: t + 5n * BigInt(MS), durationNs: q, traceId: trace, spanId: id(++spanSeq, 16), parentSpanId: root, name: 'SELECT sales', kind: 'Client', service: 'reports', attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT region, sum(amount) FROM sales GROUP BY region' } },
    );
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-learning-loop-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  const rows = [
    // pay: v2 is 50% slower
    ...entryTraffic('pay', 'POST /charge', 'v1', T0, 20, 50, 1),
    ...entryTraffic('pay', 'POST /charge', 'v2', T0 + 20n * MIN, 20, 75, 2),
    // search: v2 behaves exactly like v1
    ...entryTraffic('search', 'GET /search', '3.1', T0, 20, 30, 3),
    ...entryTraffic('search', 'GET /search', '3.2', T0 + 20n * MIN, 20, 30, 4),
    ...cartTraffic(T0, 40),
    ...reportTraffic(T0, 20),
  ];
  await storage.insertTsv('otel_traces', Buffer.from(rows.map(spanTsvRow).join('')), { columns: TABLE_COLUMNS.otel_traces });
}, 60_000);

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ctx = () => ({ client: storage.client, events: bus, now: new Date('2026-01-02T00:00:00Z') });
const loopOpts = { minWindowNs: 5n * MIN };

describe('recommendation sources on stored spans', () => {
  it('finds repeated identical reads and where errors originate, and nothing that is not there', async () => {
    const r = await runRecommendationEngine(ctx(), { from: T0, to: T0 + 20n * MIN });
    const kinds = r.recommendations.map((x) => `${x.kind} ${x.service} ${x.operation ?? ''}`).sort();
    expect(kinds).toEqual(['add-cache cart GET /cart', 'fix-error-source stock GET /stock', 'fix-slow-query reports SELECT sales']);
    expect(r.sources.every((s) => s.error === undefined)).toBe(true);
    const cache = r.recommendations.find((x) => x.kind === 'add-cache');
    expect(cache?.findingKey).toBe("SELECT * FROM config WHERE key = 'tax'");
    // 3 of 4 reads (~3.5 ms each) are redundant on every request
    expect((cache?.expectedImprovement.current ?? 0) - (cache?.expectedImprovement.expected ?? 0)).toBeGreaterThan(9);
    const err = r.recommendations.find((x) => x.kind === 'fix-error-source');
    expect(err?.expectedImprovement).toMatchObject({ metric: 'error_rate', expected: 0 });
    expect(err?.expectedImprovement.current).toBeCloseTo(0.1, 2);
    const slow = r.recommendations.find((x) => x.kind === 'fix-slow-query');
    expect(slow?.expectedImprovement.current).toBeGreaterThan(180);
    expect(slow?.expectedImprovement.expected).toBeCloseTo((slow?.expectedImprovement.current ?? 0) / 2, 2);
    expect(r.created).toBe(3);
    expect(events.filter((e) => e.type === 'recommendation')).toHaveLength(3);
  });

  it('scopes to one service', async () => {
    const r = await runRecommendationEngine(ctx(), { from: T0, to: T0 + 20n * MIN, service: 'stock' });
    expect(r.recommendations.map((x) => x.kind)).toEqual(['fix-error-source']);
    expect(r.created).toBe(0);
  });
});

describe('learning loop', () => {
  it('detects the new versions, flags the slower one as a regression naming it, and passes the neutral one', async () => {
    events.length = 0;
    const r = await runLearningLoop(ctx(), loopOpts);
    expect(r).toMatchObject({ deploysDetected: 2, deploysMeasured: 2, regressions: 1 });
    const deploys = await listDeployments(storage.client);
    expect(deploys.map((d) => [d.service, d.version, d.status, d.verdict]).sort()).toEqual([
      ['pay', 'v2', 'measured', 'regressed'],
      ['search', '3.2', 'measured', 'ok'],
    ]);
    expect(deploys.find((d) => d.service === 'pay')?.at).toBe(T0 + 20n * MIN);
    const [reg] = await listRecommendations(storage.client, { kinds: ['fix-regression'] });
    expect(reg).toMatchObject({ service: 'pay', operation: 'POST /charge', deployVersion: 'v2', status: 'open' });
    expect(reg?.title).toContain('v2');
    expect(reg?.expectedImprovement.current).toBeGreaterThan((reg?.expectedImprovement.expected ?? 0) * 1.3);
    const deployEvents = events.filter((e) => e.type === 'outcome' && e.data['type'] === 'deploy');
    expect(deployEvents.map((e) => [e.data['service'], e.data['verdict']]).sort()).toEqual([
      ['pay', 'regressed'],
      ['search', 'ok'],
    ]);
  });

  it('measures a recommendation marked applied around the time it was applied, and feeds the track record', async () => {
    const [cache] = await listRecommendations(storage.client, { kinds: ['add-cache'] });
    expect(cache).toBeDefined();
    if (!cache) return;
    // Nothing actually changed in cart at T0 + 20 min: the measurement must say so.
    await saveRecommendations(storage.client, [{ ...cache, status: 'applied', appliedAt: T0 + 20n * MIN }]);
    const r = await runLearningLoop(ctx(), loopOpts);
    expect(r).toMatchObject({ deploysDetected: 0, deploysMeasured: 0, outcomes: 1 });
    const [after] = await listRecommendations(storage.client, { ids: [cache.id] });
    expect(after?.status).toBe('no-effect');
    expect(after?.outcome).toMatchObject({ verdict: 'no-effect', trigger: 'applied', metric: 'latency_p50_ms' });
    expect(Math.abs(after?.outcome?.changePct ?? 100)).toBeLessThan(5);

    const records = await kindTrackRecords(storage.client);
    expect(records.get('add-cache')).toMatchObject({ measured: 1, verified: 0, successRate: 0 });
    // The next add-cache finding starts with less confidence than its detector would give it.
    const again = await runRecommendationEngine(ctx(), { from: T0, to: T0 + 20n * MIN, service: 'cart' });
    const rec = again.recommendations.find((x) => x.kind === 'add-cache');
    expect(rec?.confidence).toBeLessThan(rec?.priorConfidence ?? 0);
    // ... and the measured one keeps its verdict.
    expect(rec?.status).toBe('no-effect');
  });

  it('does nothing twice', async () => {
    const r = await runLearningLoop(ctx(), loopOpts);
    expect(r).toEqual({ deploysDetected: 0, deploysMeasured: 0, outcomes: 0, regressions: 0 });
  });
});
