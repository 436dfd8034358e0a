/**
 * POST /api/ppo/predict-performance: series given in the body, and series read
 * from the RED rollups of stored spans (real chDB).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_FORECAST_POINTS } from '@ppo/analyzer';
import { otlpTraces, startApiHarness, type ApiHarness, type TestSpan } from '../testing/api-harness.ts';
import type { PredictPerformanceResponse } from './predict-performance.ts';

const T0_MS = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;
const MINUTES = 120;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
  // `cart`: 6 Server spans a minute for two hours, every sixth failing.
  const spans: TestSpan[] = [];
  let n = 0;
  for (let m = 0; m < MINUTES; m++) {
    for (let i = 0; i < 6; i++) {
      n++;
      spans.push({ service: 'cart', traceId: hex(n, 32), spanId: hex(n, 16), name: 'POST /cart', kind: 2, startNs: BigInt(T0_MS + m * 60_000 + i * 5_000) * 1_000_000n, durationNs: 20_000_000n, error: i === 0 });
    }
  }
  await h.insertOtlp(otlpTraces(spans));
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function post(body: unknown): Promise<{ status: number; json: unknown; ms: number }> {
  const t0 = performance.now();
  const res = await h.app.request('/api/ppo/predict-performance', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), ms: performance.now() - t0 };
}

const sine = (t: number): number => 100 + 30 * Math.sin((2 * Math.PI * t) / 24) + ((t * 7919) % 13) / 13;

describe('POST /predict-performance with a series', () => {
  it('forecasts an hourly series with a daily season, RFC 3339 times in and out', async () => {
    const series = Array.from({ length: 24 * 10 }, (_, t) => [new Date(T0_MS + t * HOUR).toISOString(), sine(t)]);
    const r = await post({ series, horizon: 12 });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const body = r.json as PredictPerformanceResponse;
    expect(body.model).toMatch(/\[24\]$/);
    expect(body.step_ms).toBe(HOUR);
    expect(body.points).toHaveLength(12);
    expect(body.points[0]?.t).toBe(new Date(T0_MS + 240 * HOUR).toISOString());
    body.points.forEach((p, i) => expect(Math.abs(p.value - sine(240 + i))).toBeLessThan(3));
    expect(body.backtest.origins).toBe(3);
    expect(body.backtest.mase).toBeLessThan(1);
    expect(body.backtest.coverage80).not.toBeNull();
  });

  it('sorts unix-ms pairs, treats missing steps as gaps', async () => {
    const series = Array.from({ length: 200 }, (_, t) => [T0_MS + t * 60_000, 50 + (t % 5)] as [number, number]).filter(([, ], i) => i % 9 !== 4);
    series.reverse();
    const r = await post({ series, horizon: 3 });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const body = r.json as PredictPerformanceResponse;
    expect(body.step_ms).toBe(60_000);
    expect(body.training_points).toBe(200);
    expect(body.points[0]?.t).toBe(new Date(T0_MS + 200 * 60_000).toISOString());
    for (const p of body.points) expect(p.value).toBeGreaterThan(48);
  });

  it('answers within a second of CPU for 10,000 points', async () => {
    const series = Array.from({ length: 10_000 }, (_, t) => [T0_MS + t * 300_000, 100 + 20 * Math.sin((2 * Math.PI * t) / 288) + ((t * 7919) % 17) / 4]);
    // CPU time, not wall time: on a 2-core box shared with other test files the wall clock
    // measures the neighbours. Measured: ~0.5 s for the first request of a process (JIT
    // warm-up), ~0.2 s after; the whole process's CPU is counted, chDB threads included.
    const c0 = process.cpuUsage();
    const r = await post({ series, horizon: 12 });
    const cpu = process.cpuUsage(c0);
    expect(r.status).toBe(200);
    expect((r.json as PredictPerformanceResponse).backtest.origins).toBe(3);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(1000);
  });

  it('422 with the minimum when there are too few points', async () => {
    const series = Array.from({ length: MIN_FORECAST_POINTS - 1 }, (_, t) => [T0_MS + t * 1000, t]);
    const r = await post({ series, horizon: 2 });
    expect(r.status).toBe(422);
    expect((r.json as { detail: string }).detail).toContain(`at least ${MIN_FORECAST_POINTS} points`);
  });

  it('400 on non-finite or non-numeric values, bad times and a bad horizon', async () => {
    const ok = Array.from({ length: 20 }, (_, t) => `[${T0_MS + t * 1000}, ${t}]`);
    const withValue = (v: string): string => `{"horizon": 2, "series": [${[...ok.slice(1), `[${T0_MS + 99_000}, ${v}]`].join(',')}]}`;
    for (const body of [withValue('1e999'), withValue('-1e999'), withValue('"7"'), withValue('null')]) {
      const r = await post(body);
      expect(r.status, body.slice(-40)).toBe(400);
      expect((r.json as { errors: { path: string }[] }).errors[0]?.path).toMatch(/^series\.\d+\.1$/);
    }
    expect((await post({ series: [['yesterday', 1], ...ok.map((s) => JSON.parse(s))], horizon: 2 })).status).toBe(400);
    expect((await post({ series: ok.map((s) => JSON.parse(s)), horizon: 0 })).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
  });
});

describe('POST /predict-performance for a service', () => {
  const to = new Date(T0_MS + MINUTES * 60_000).toISOString();

  it('forecasts the request rate from the RED rollups', async () => {
    const r = await post({ service: 'cart', metric: 'rate', horizon: 10, to });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const body = r.json as PredictPerformanceResponse;
    expect(body).toMatchObject({ service: 'cart', metric: 'rate', unit: '1/s', step_ms: 60_000, training_points: MINUTES });
    expect(body.points[0]?.t).toBe(to);
    for (const p of body.points) expect(p.value).toBeCloseTo(0.1, 6);
  });

  it('forecasts the error rate and p95 latency', async () => {
    const err = await post({ service: 'cart', metric: 'error_rate', horizon: 5, to, step: '2m' });
    expect(err.status, JSON.stringify(err.json)).toBe(200);
    expect((err.json as PredictPerformanceResponse).step_ms).toBe(120_000);
    for (const p of (err.json as PredictPerformanceResponse).points) expect(p.value).toBeCloseTo(1 / 6, 6);
    const lat = await post({ service: 'cart', metric: 'latency_p95', horizon: 5, to });
    for (const p of (lat.json as PredictPerformanceResponse).points) expect(Math.abs(p.value - 20)).toBeLessThan(0.5);
  });

  it('404 for a metric the service does not have, 422 for a service without data, 400 for a step finer than the rollups', async () => {
    expect((await post({ service: 'cart', metric: 'no.such.metric', horizon: 5, to })).status).toBe(404);
    expect((await post({ service: 'ghost', metric: 'rate', horizon: 5, to })).status).toBe(422);
    expect((await post({ service: 'cart', metric: 'rate', horizon: 5, to, step: 30 })).status).toBe(400);
    expect((await post({ service: 'cart', metric: 'rate', horizon: 5, to, from: to })).status).toBe(400);
  });
});
