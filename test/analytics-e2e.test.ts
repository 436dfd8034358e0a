/**
 * The dashboard summary end to end: traffic through the real OpenTelemetry
 * SDK and OTLP/HTTP exporter into a real PPO process — five hours of `orders`
 * with an N+1 (the detector's warm-up needs hours of history), whose last ten
 * minutes run five times slower (the anomaly) — then `POST /optimize` runs
 * every analysis job, and `GET /performance-analytics` must show the
 * service, the anomaly, the recommendation (with the anomaly as evidence)
 * and the track record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendOrdersTraffic } from './helpers/orders-traffic.ts';
import { apiCall } from './helpers/http.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

const MIN = 60_000;
let ppo: TestPpo;

const api = (method: string, path: string, body?: unknown) => apiCall(ppo.apiBase, method, path, body);

beforeAll(async () => {
  // Rounds only when the test asks (POST /optimize).
  ppo = await startTestPpo({ PPO_ANALYZE_INTERVAL: '1h' });
  const now = Date.now();
  const spikeAt = Math.floor((now - 10 * MIN) / MIN) * MIN;
  const start = spikeAt - 5 * 60 * MIN;
  await sendOrdersTraffic({ otlpHttpUrl: ppo.otlpHttpUrl, version: '1.0.0', shape: 'n-plus-one', startMs: start, durationMs: spikeAt - start, intervalMs: 12_000, itemsPerOrder: 6, seed: 3 });
  await sendOrdersTraffic({ otlpHttpUrl: ppo.otlpHttpUrl, version: '1.0.0', shape: 'n-plus-one', startMs: spikeAt, durationMs: now - spikeAt, intervalMs: 12_000, itemsPerOrder: 6, seed: 4, queryScale: 5 });
}, 60_000);

afterAll(async () => {
  await ppo?.stop();
});

describe('performance analytics end to end', () => {
  it('shows the anomaly, the recommendation and the service after one analysis round', async () => {
    const run = await api('POST', '/optimize', {});
    expect(run.status).toBe(200);
    const failed = run.json.ran.filter((j: any) => !j.ok);
    expect(failed).toEqual([]);

    const r = await api('GET', '/performance-analytics');
    expect(r.status).toBe(200);
    const body = r.json;
    const orders = body.services.find((s: any) => s.service === 'orders');
    expect(orders).toBeDefined();
    expect(orders.now.calls).toBeGreaterThan(250);
    // The slowdown is an active anomaly of orders' latency, and it colours the service.
    const anomaly = body.anomalies.find((a: any) => a.service === 'orders' && a.metric === 'latency_p95');
    expect(anomaly).toMatchObject({ status: 'active', direction: 'up' });
    expect(orders.health).not.toBe('ok');
    expect(orders.active_anomalies).toBeGreaterThan(0);
    // The N+1 is recommended, and the anomaly is part of its evidence.
    const rec = body.recommendations.find((x: any) => x.kind === 'batch-n-plus-one' && x.service === 'orders');
    expect(rec).toBeDefined();
    expect(rec.evidence.some((e: any) => /anomaly on orders latency_p95/.test(e.detail))).toBe(true);
    expect(body.bottlenecks.top.length).toBeGreaterThan(0);
    expect(body.track_record.issued).toBeGreaterThan(0);
    expect(body.duration_ms).toBeLessThan(5_000);
  }, 60_000);
});
