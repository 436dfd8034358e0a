/**
 * `GET /api/ppo/metrics`: measured forecast accuracy from stored forecasts vs
 * the RED rollups (planted forecasts with known errors against spans whose
 * per-minute rates are known), anomaly and SLO alert counts. Real chDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAnomalies } from '@ppo/analyzer';
import { recordSloAlert } from '../../../analyzer/src/queries/slo-store.ts';
import { ROUTE_DOCS } from '../app.ts';
import { otlpTraces, startApiHarness, type ApiHarness, type TestSpan } from '../testing/api-harness.ts';

const MS = 1_000_000n;
let h: ApiHarness;
// Five whole minutes, ending at least 10 minutes ago: forecast times all in the past.
const M0 = Math.floor(Date.now() / 60_000) * 60 - 20 * 60;
const CALLS = [6, 12, 6, 12, 6]; // rate per minute bucket: 0.1, 0.2, 0.1, 0.2, 0.1 /s

beforeAll(async () => {
  h = await startApiHarness();
  const spans: TestSpan[] = [];
  let id = 0;
  CALLS.forEach((n, m) => {
    for (let k = 0; k < n; k++) {
      id++;
      spans.push({ service: 'web', traceId: id.toString(16).padStart(32, '0'), spanId: id.toString(16).padStart(16, '0'), name: 'GET /', kind: 2, startNs: BigInt(M0 + m * 60 + k) * 1_000_000_000n, durationNs: 10n * MS });
    }
  });
  await h.insertOtlp(otlpTraces(spans));
  const issued = ((M0 - 60) * 1000 / 1000).toFixed(3);
  const point = (i: number, metric: string, value: number, band: number) => ({
    IssuedAt: issued, ServiceName: 'web', Metric: metric, T: M0 + i * 60, StepSeconds: 60, Model: 'ETS(A,N,N)', Value: value,
    Lower80: value - band, Upper80: value + band, Lower95: value - 2 * band, Upper95: value + 2 * band, TrainingPoints: 100, BacktestMase: null, BacktestSmape: null, BacktestCoverage80: null,
  });
  await h.storage.client.insert({
    table: 'ppo_forecasts',
    format: 'JSONEachRow',
    values: [
      // A flat 0.15/s forecast: off by 0.05 every minute, inside ±0.06.
      ...CALLS.map((_, i) => point(i, 'rate', 0.15, 0.06)),
      // p95 latency 10 ms forecast as 12 ms with a ±1 ms band: never covered.
      ...CALLS.map((_, i) => point(i, 'latency_p95', 12, 1)),
      // A point in the future is not scored yet.
      point(60, 'rate', 0.15, 0.06),
    ],
  });
  const base = { service: 'web', metric: 'rate', kind: 'spike', direction: 'up', score: 9, actual: 1, expected: 0.1, start: M0 * 1000, end: M0 * 1000 + 60_000, peakAt: M0 * 1000, detectedAt: M0 * 1000, updatedAt: M0 * 1000 } as const;
  await writeAnomalies(h.storage.client, [
    { ...base, id: 'x1', severity: 'critical', status: 'active' },
    { ...base, id: 'x2', severity: 'minor', status: 'resolved' },
    { ...base, id: 'x3', severity: 'minor', status: 'resolved', kind: 'level_shift' },
  ], 1);
  const alert = { at: M0 * 1000, monitorId: 'm1', service: 'web', objectiveKey: 'error_rate', detail: {} };
  await recordSloAlert(h.storage.client, { ...alert, severity: 'fast', state: 'firing' });
  await recordSloAlert(h.storage.client, { ...alert, at: M0 * 1000 + 60_000, severity: 'fast', state: 'resolved' });
  await recordSloAlert(h.storage.client, { ...alert, severity: 'slow', state: 'firing' });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('GET /metrics (PPO figures)', () => {
  it('measures stored forecasts against what happened, per metric', async () => {
    const r = await h.get('/api/ppo/metrics');
    expect(r.status).toBe(200);
    const doc = ROUTE_DOCS.find((d) => d.method === 'get' && d.path === '/metrics' && !d.root);
    const body = doc!.response.schema!.parse(r.json) as any;
    const byMetric = Object.fromEntries(body.forecast_accuracy.by_metric.map((m: any) => [m.metric, m]));
    // rate: |error| 0.05 every minute over a naive one-step change of 0.1 → 0.5; all inside the band.
    expect(byMetric.rate).toMatchObject({ forecasts: 1, series: 1, points: 5, coverage80: 1 });
    expect(byMetric.rate.mase).toBeCloseTo(0.5, 3);
    // sMAPE: three points 2·0.05/0.25 = 0.4, two points 2·0.05/0.35.
    expect(byMetric.rate.smape).toBeCloseTo((3 * 0.4 + 2 * (0.1 / 0.35)) / 5, 3);
    expect(byMetric.latency_p95).toMatchObject({ points: 5, coverage80: 0, mase: null });
    expect(byMetric.latency_p95.smape).toBeGreaterThan(0.1);
  });

  it('counts anomalies by severity and status, and SLO alerts fired', async () => {
    const body = (await h.get('/api/ppo/metrics')).json as any;
    expect(body.anomalies).toEqual({ total: 3, active: 1, by_severity: { critical: 1, minor: 2 }, by_status: { active: 1, resolved: 2 }, by_kind: { level_shift: 1, spike: 2 } });
    expect(body.slo_alerts).toEqual({ fired: 2, resolved: 1, by_severity: { fast: 1, slow: 1 } });
  });
});
