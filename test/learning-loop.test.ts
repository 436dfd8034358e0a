/**
 * The learning loop end to end (issue #8 acceptance): generated traffic through
 * the real OpenTelemetry SDK and OTLP exporter into a real PPO process.
 * `orders` v1 loads each order's items one query at a time (N+1); PPO
 * recommends batching it; v2 (a new service.version) batches; PPO sees the new
 * version, compares the traffic before and after it and marks the
 * recommendation verified with the measured improvement.
 *
 * Backdated on purpose: 20 minutes of v1 and then 20 minutes of v2 are sent at
 * once, an hour in the past, so the windows can only come from the data's own
 * timestamps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '@ppo/analyzer';
import { sendOrdersTraffic } from './helpers/orders-traffic.ts';
import { apiCall } from './helpers/http.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

const MIN = 60_000;

let ppo: TestPpo;
const events: LiveEvent[] = [];
const T0 = Math.floor((Date.now() - 90 * MIN) / MIN) * MIN;

const api = (method: string, path: string, body?: unknown) => apiCall(ppo.apiBase, method, path, body);

beforeAll(async () => {
  // Rounds only when the test asks (POST /optimize); the scheduler's own timer stays out of the way.
  ppo = await startTestPpo({ PPO_ANALYZE_INTERVAL: '1h' });
  ppo.ppo.events.subscribe((e) => events.push(e));
}, 60_000);

afterAll(async () => {
  await ppo?.stop();
});

describe('learning loop on backdated traffic', () => {
  let recId = '';

  it('recommends batching the N+1 of orders v1', async () => {
    const sent = await sendOrdersTraffic({ otlpHttpUrl: ppo.otlpHttpUrl, version: '1.0.0', shape: 'n-plus-one', startMs: T0, durationMs: 20 * MIN, intervalMs: 4_000, seed: 1 });
    expect(sent).toBe(300);
    const r = await api('POST', '/optimize-performance', { service: 'orders' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    // The window ends at the newest span (an hour ago), not at the wall clock.
    expect(Date.parse(r.json.to)).toBeLessThan(T0 + 21 * MIN);
    const rec = r.json.recommendations.find((x: { kind: string }) => x.kind === 'batch-n-plus-one');
    expect(rec, JSON.stringify(r.json.recommendations.map((x: { kind: string; title: string }) => [x.kind, x.title]))).toBeDefined();
    expect(rec).toMatchObject({ service: 'orders', operation: 'GET /orders', status: 'open' });
    expect(rec.expected_improvement.metric).toBe('latency_p50_ms');
    expect(rec.expected_improvement.expected).toBeLessThan(rec.expected_improvement.current * 0.5);
    expect(rec.confidence).toBeGreaterThan(0.5);
    expect(rec.evidence.length).toBeGreaterThan(0);
    recId = rec.id;
    expect(events.some((e) => e.type === 'recommendation' && e.data['id'] === recId)).toBe(true);
  }, 90_000);

  it('de-duplicates: a second run updates the same recommendation', async () => {
    const r = await api('POST', '/optimize-performance', { service: 'orders' });
    expect(r.status).toBe(200);
    const same = r.json.recommendations.filter((x: { kind: string }) => x.kind === 'batch-n-plus-one');
    expect(same).toHaveLength(1);
    expect(same[0].id).toBe(recId);
    expect(same[0].times_seen).toBe(2);
    const list = await api('GET', '/recommendations?service=orders');
    expect(list.json.recommendations.filter((x: { id: string }) => x.id === recId)).toHaveLength(1);
    expect(events.filter((e) => e.type === 'recommendation' && e.data['id'] === recId)).toHaveLength(1);
  }, 60_000);

  it('marks it verified with the measured improvement once v2 ships', async () => {
    await sendOrdersTraffic({ otlpHttpUrl: ppo.otlpHttpUrl, version: '2.0.0', shape: 'batched', startMs: T0 + 20 * MIN, durationMs: 20 * MIN, intervalMs: 4_000, seed: 2 });
    const run = await api('POST', '/optimize', {});
    expect(run.status, JSON.stringify(run.json)).toBe(200);
    // Every registered job runs; the loop's two run after the finding producers.
    expect(run.json.ran.map((x: { job: string }) => x.job).slice(-2)).toEqual(['recommendations', 'outcomes']);
    expect(run.json.failed).toBe(0);
    const outcomes = run.json.ran.find((x: { job: string }) => x.job === 'outcomes');
    expect(outcomes.detail).toMatchObject({ deploys_detected: 1, deploys_measured: 1, outcomes: 1, regressions: 0 });

    const got = await api('GET', `/recommendations/${recId}`);
    expect(got.status).toBe(200);
    expect(got.json.status).toBe('verified');
    const o = got.json.outcome;
    expect(o).toMatchObject({ verdict: 'verified', metric: 'latency_p50_ms', version: '2.0.0', trigger: 'deploy' });
    // 8 sequential ~5 ms queries → one ~7 ms query: p50 from ~41 ms to ~9 ms.
    expect(o.before).toBeGreaterThan(35);
    expect(o.after).toBeLessThan(12);
    expect(o.change_pct).toBeLessThan(-60);
    expect(o.p_value).toBeLessThan(1e-6);
    // Judged on the data's timestamps: the change is v2's first span, the windows are 20 minutes each.
    expect(Math.abs(Date.parse(o.change_at) - (T0 + 20 * MIN))).toBeLessThan(5_000);
    expect(Date.parse(o.change_at) - Date.parse(o.before_from)).toBeGreaterThan(19 * MIN);
    expect(o.load_ratio).toBeGreaterThan(0.9);
    expect(o.load_ratio).toBeLessThan(1.1);
    expect(events.some((e) => e.type === 'outcome' && e.data['recommendation_id'] === recId && e.data['verdict'] === 'verified')).toBe(true);

    const verified = await api('GET', '/recommendations?status=verified');
    expect(verified.json.recommendations.map((x: { id: string }) => x.id)).toContain(recId);
  }, 120_000);

  it('keeps the outcome final and reports the track record', async () => {
    const patch = await api('PATCH', `/recommendations/${recId}`, { status: 'dismissed' });
    expect(patch.status).toBe(409);
    expect(patch.json).toMatchObject({ status: 409, title: 'Conflict' });
    const unknown = await api('PATCH', '/recommendations/rec_00000000000000000000', { status: 'applied' });
    expect(unknown.status).toBe(404);

    const m = await api('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.json.recommendations.verified).toBeGreaterThanOrEqual(1);
    const kind = m.json.recommendations.by_kind.find((k: { kind: string }) => k.kind === 'batch-n-plus-one');
    expect(kind).toMatchObject({ measured: 1, verified: 1, success_rate: 1 });
    expect(kind.median_improvement_pct).toBeGreaterThan(60);
    expect(m.json.deployments).toMatchObject({ detected: 1, measured: 1, regressed: 0 });
  }, 60_000);
});
