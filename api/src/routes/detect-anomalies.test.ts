/**
 * POST /api/ppo/detect-anomalies (inline series and stored RED series) and
 * GET /api/ppo/anomalies over real chDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_COLUMNS } from '@ppo/collector';
import { writeAnomalies } from '@ppo/analyzer';
import { spanTsvRow } from '../../../analyzer/src/queries/testing/span-tsv.ts';
import { startApiHarness, type ApiHarness } from '../testing/api-harness.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const STEP_MS = 60_000;
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
  // 8 h of 'cart' traffic, 4 Server spans a minute; errors for minutes 400..409.
  let tsv = '';
  let n = 0;
  for (let m = 0; m < 480; m++) {
    for (let k = 0; k < 4; k++) {
      tsv += spanTsvRow({
        startNs: BigInt(T0 + m * 60 + k * 15) * 1_000_000_000n,
        durationNs: 50_000_000 + ((n * 7919) % 10) * 1_000_000,
        traceId: n.toString(16).padStart(32, '0'),
        spanId: n.toString(16).padStart(16, '0'),
        name: 'GET /cart',
        kind: 'Server',
        service: 'cart',
        status: m >= 400 && m < 410 && k < 2 ? 'Error' : 'Unset',
      });
      n++;
    }
  }
  await h.storage.insertTsv('otel_traces', Buffer.from(tsv), { columns: TABLE_COLUMNS.otel_traces });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function post(body: unknown): Promise<{ status: number; json: any }> {
  const res = await h.app.request('/api/ppo/detect-anomalies', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** Deterministic noise in [-1, 1). */
const noise = (i: number): number => {
  const x = Math.sin(i * 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
};

describe('POST /api/ppo/detect-anomalies', () => {
  it('finds a planted spike in an inline series (unix ms or RFC 3339 times)', async () => {
    const series = Array.from({ length: 600 }, (_, i) => [T0 * 1000 + i * STEP_MS, 100 + 3 * noise(i) + (i === 450 ? 60 : 0)]);
    const r = await post({ series });
    expect(r.status).toBe(200);
    expect(r.json.step_ms).toBe(STEP_MS);
    expect(r.json.anomalies).toHaveLength(1);
    expect(r.json.anomalies[0]).toMatchObject({ kind: 'spike', direction: 'up', start: new Date(T0 * 1000 + 450 * STEP_MS).toISOString(), ongoing: false });
    expect(r.json.anomalies[0].score).toBeGreaterThan(5);

    const rfc = await post({ series: series.map(([t, v]) => [new Date(t!).toISOString(), v]) });
    expect(rfc.status).toBe(200);
    expect(rfc.json.anomalies).toEqual(r.json.anomalies);
  });

  it('answers 422 with the minimum when the series is too short', async () => {
    const r = await post({ series: Array.from({ length: 10 }, (_, i) => [T0 * 1000 + i * STEP_MS, i]) });
    expect(r.status).toBe(422);
    expect(r.json.detail).toMatch(/at least \d+ points/);
    const minimum = Number(/at least (\d+)/.exec(r.json.detail)![1]);
    const ok = await post({ series: Array.from({ length: minimum }, (_, i) => [T0 * 1000 + i * STEP_MS, i % 3]) });
    expect(ok.status).toBe(200);
  });

  it('answers 400 for non-finite values and malformed bodies', async () => {
    const series = Array.from({ length: 100 }, (_, i) => `[${T0 * 1000 + i * STEP_MS}, ${i === 50 ? '1e999' : i}]`).join(',');
    const inf = await post(`{"series": [${series}]}`);
    expect(inf.status).toBe(400);
    expect((await post({ series: [[T0, 'NaN']] })).status).toBe(400);
    expect((await post({ series: [['yesterday', 1]] })).status).toBe(400);
    expect((await post({ service: 'cart' })).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect((await post({ service: 'cart', metric: 'rate', from: '2026-01-01T02:00:00Z', to: '2026-01-01T01:00:00Z' })).status).toBe(400);
  });

  it('scores 10,000 points within a second', async () => {
    const series = Array.from({ length: 10_000 }, (_, i) => [T0 * 1000 + i * STEP_MS, 50 + 5 * Math.sin(i / 100) + noise(i) + (i === 7000 || i === 7001 ? 30 : 0)]);
    // CPU time, not wall time: the budget is the work done, and test machines are shared.
    const started = process.cpuUsage();
    const r = await post({ series });
    const used = process.cpuUsage(started);
    const ms = (used.user + used.system) / 1000;
    expect(r.status).toBe(200);
    expect(r.json.anomalies.some((a: { start: string }) => a.start === new Date(T0 * 1000 + 7000 * STEP_MS).toISOString())).toBe(true);
    expect(ms).toBeLessThan(1000);
  });

  it('reads a stored RED series: the error burst in the error rate', async () => {
    const r = await post({ service: 'cart', metric: 'error_rate', from: '2026-01-01T00:00:00Z', to: '2026-01-01T08:00:00Z' });
    expect(r.status).toBe(200);
    expect(r.json.points).toBe(480);
    expect(r.json.anomalies).toHaveLength(1);
    expect(r.json.anomalies[0]).toMatchObject({ direction: 'up', start: new Date((T0 + 400 * 60) * 1000).toISOString() });
    expect(new Date(r.json.anomalies[0].end).getTime()).toBeGreaterThanOrEqual((T0 + 409 * 60) * 1000);
    const rate = await post({ service: 'cart', metric: 'rate', from: '2026-01-01T00:00:00Z', to: '2026-01-01T08:00:00Z' });
    expect(rate.json.anomalies).toEqual([]);
    // No such service: no points, so too few.
    expect((await post({ service: 'nobody', metric: 'rate', from: '2026-01-01T00:00:00Z', to: '2026-01-01T08:00:00Z' })).status).toBe(422);
  });
});

describe('GET /api/ppo/anomalies', () => {
  it('lists stored anomalies, latest version, filtered by service, range and status', async () => {
    const base = { service: 'cart', metric: 'latency_p95', kind: 'spike', direction: 'up', severity: 'major', score: 9.5, actual: 300, expected: 60 } as const;
    const at = (min: number): number => (T0 + min * 60) * 1000;
    await writeAnomalies(
      h.storage.client,
      [
        { ...base, id: 'a1', status: 'active', start: at(100), end: at(105), peakAt: at(102), detectedAt: at(106), updatedAt: at(106) },
        { ...base, id: 'a2', service: 'pay', status: 'resolved', start: at(200), end: at(201), peakAt: at(200), detectedAt: at(202), updatedAt: at(202) },
      ],
      1,
    );
    // A later round: a1 is over.
    await writeAnomalies(h.storage.client, [{ ...base, id: 'a1', status: 'resolved', start: at(100), end: at(108), peakAt: at(102), detectedAt: at(106), updatedAt: at(110) }], 2);

    const all = await h.get('/api/ppo/anomalies?from=2026-01-01T00:00:00Z&to=2026-01-01T08:00:00Z');
    expect(all.status).toBe(200);
    const list = (all.json as { anomalies: { id: string; status: string; end: string }[] }).anomalies;
    expect(list.map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(list[1]).toMatchObject({ status: 'resolved', end: new Date(at(108)).toISOString(), detected_at: new Date(at(106)).toISOString() });

    const cart = await h.get('/api/ppo/anomalies?service=cart&from=2026-01-01T00:00:00Z&to=2026-01-01T08:00:00Z');
    expect((cart.json as { anomalies: unknown[] }).anomalies).toHaveLength(1);
    const active = await h.get('/api/ppo/anomalies?active=true&from=2026-01-01T00:00:00Z&to=2026-01-01T08:00:00Z');
    expect((active.json as { anomalies: unknown[] }).anomalies).toEqual([]);
    const early = await h.get('/api/ppo/anomalies?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z');
    expect((early.json as { anomalies: unknown[] }).anomalies).toEqual([]);
    expect((await h.get('/api/ppo/anomalies?active=maybe')).status).toBe(400);
  });
});
