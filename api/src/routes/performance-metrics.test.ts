/**
 * GET /api/ppo/performance-metrics: RED series from the per-minute rollups the
 * materialized views fill as spans land in otel_traces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpTraces, startApiHarness, type ApiHarness, type TestSpan } from '../testing/api-harness.ts';

const T0_MS = Date.UTC(2030, 0, 1);
const MIN_NS = 60_000_000_000n;
const MS_NS = 1_000_000n;
const t0 = BigInt(T0_MS) * MS_NS;
const iso = (minutes: number): string => new Date(T0_MS + minutes * 60_000).toISOString();
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

interface Point {
  t: string;
  calls: number;
  rate_per_s: number;
  error_rate: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

interface Series {
  service: string;
  operation?: string;
  spanKind?: string;
  from: string;
  to: string;
  step_s: number;
  series: Point[];
}

/**
 * `checkout` over minutes 0..9: each minute 6 Server spans `POST /pay`
 * (10..60 ms, the first one failing), each with a 5 ms Client child
 * `GET /stock`; minute 0 also has a 100 ms Internal root span (a cron job).
 */
function checkoutSpans(): TestSpan[] {
  const spans: TestSpan[] = [];
  let n = 0;
  for (let m = 0; m < 10; m++) {
    for (let i = 0; i < 6; i++) {
      n++;
      const traceId = hex(n, 32);
      const start = t0 + BigInt(m) * MIN_NS + BigInt(i) * 5_000n * MS_NS;
      spans.push({ service: 'frontend', traceId, spanId: hex(n, 14) + '01', name: 'GET /', kind: 2, startNs: start - MS_NS, durationNs: 80n * MS_NS });
      spans.push({ service: 'checkout', traceId, spanId: hex(n, 14) + '02', parentSpanId: hex(n, 14) + '01', name: 'POST /pay', kind: 2, startNs: start, durationNs: BigInt(10 * (i + 1)) * MS_NS, error: i === 0 });
      spans.push({ service: 'checkout', traceId, spanId: hex(n, 14) + '03', parentSpanId: hex(n, 14) + '02', name: 'GET /stock', kind: 3, startNs: start + MS_NS, durationNs: 5n * MS_NS });
    }
  }
  spans.push({ service: 'checkout', traceId: hex(999, 32), spanId: hex(999, 16), name: 'cron: reindex', kind: 1, startNs: t0 + 30_000n * MS_NS, durationNs: 100n * MS_NS });
  return spans;
}

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
  await h.insertOtlp(otlpTraces(checkoutSpans()));
});

afterAll(async () => {
  await h?.close();
});

async function series(qs: string): Promise<Series> {
  const reply = await h.get(`/api/ppo/performance-metrics?${qs}`);
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json as Series;
}

describe('GET /api/ppo/performance-metrics', () => {
  it('service level: entry spans only (Server + roots), per-minute buckets', async () => {
    const s = await series(`service=checkout&from=${iso(0)}&to=${iso(10)}&step=60`);
    expect(s).toMatchObject({ service: 'checkout', from: iso(0), to: iso(10), step_s: 60 });
    expect(s.operation).toBeUndefined();
    expect(s.series.map((p) => p.t)).toEqual(Array.from({ length: 10 }, (_, m) => iso(m)));
    // Minute 0: 6 POST /pay + the cron root; the Client children never count at service level.
    expect(s.series.map((p) => p.calls)).toEqual([7, 6, 6, 6, 6, 6, 6, 6, 6, 6]);
    const p1 = s.series[1]!;
    expect(p1.rate_per_s).toBeCloseTo(0.1, 6);
    expect(p1.error_rate).toBeCloseTo(1 / 6, 6);
    expect(p1.p50_ms).toBeGreaterThanOrEqual(30);
    expect(p1.p50_ms).toBeLessThanOrEqual(40);
    expect(p1.p95_ms).toBeGreaterThanOrEqual(50);
    expect(p1.p99_ms).toBeLessThanOrEqual(60);
    expect(s.series[0]!.p99_ms).toBeGreaterThan(60); // the 100 ms cron run
  });

  it('zero-fills buckets without spans, so a chart is continuous', async () => {
    const s = await series(`service=checkout&from=${iso(-3)}&to=${iso(12)}&step=1m`);
    expect(s.series).toHaveLength(15);
    for (const p of [...s.series.slice(0, 3), ...s.series.slice(13)]) {
      expect(p).toMatchObject({ calls: 0, rate_per_s: 0, error_rate: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0 });
    }
    expect(s.series[3]!.calls).toBe(7);
  });

  it('merges minute states into wider steps; a cut-short last bucket has its rate over the time it covers', async () => {
    const s = await series(`service=checkout&from=${iso(0)}&to=${iso(10)}&step=7m`);
    expect(s.step_s).toBe(420);
    expect(s.series.map((p) => [p.t, p.calls])).toEqual([
      [iso(0), 43],
      [iso(7), 18],
    ]);
    expect(s.series[1]!.rate_per_s).toBeCloseTo(18 / 180, 6);
    expect(s.series[0]!.error_rate).toBeCloseTo(7 / 43, 6);
    expect(s.series[0]!.p50_ms).toBeGreaterThanOrEqual(30);
    expect(s.series[0]!.p50_ms).toBeLessThanOrEqual(40);
  });

  it('rounds the range out to whole minutes (the rollup resolution)', async () => {
    const from = new Date(T0_MS + 90_000).toISOString();
    const to = new Date(T0_MS + 150_000).toISOString();
    const s = await series(`service=checkout&from=${from}&to=${to}`);
    expect([s.from, s.to, s.step_s]).toEqual([iso(1), iso(3), 60]);
    expect(s.series.map((p) => p.calls)).toEqual([6, 6]);
  });

  it('operation level: every span of that name; spanKind narrows to one kind', async () => {
    const stock = await series(`service=checkout&operation=${encodeURIComponent('GET /stock')}&from=${iso(0)}&to=${iso(10)}&step=600`);
    expect(stock.operation).toBe('GET /stock');
    expect(stock.series).toEqual([expect.objectContaining({ calls: 60, error_rate: 0, rate_per_s: 0.1 })]);
    expect(stock.series[0]!.p50_ms).toBeCloseTo(5, 3);
    const asServer = await series(`service=checkout&operation=${encodeURIComponent('GET /stock')}&spanKind=server&from=${iso(0)}&to=${iso(10)}&step=600`);
    expect(asServer.spanKind).toBe('Server');
    expect(asServer.series[0]!.calls).toBe(0);
    const asClient = await series(`service=checkout&operation=${encodeURIComponent('GET /stock')}&spanKind=client&from=${iso(0)}&to=${iso(10)}&step=600`);
    expect(asClient.series[0]!.calls).toBe(60);
  });

  it('an unknown service is an all-zero series, not an error', async () => {
    const s = await series(`service=nobody&from=${iso(0)}&to=${iso(5)}`);
    expect(s.series.map((p) => p.calls)).toEqual([0, 0, 0, 0, 0]);
  });

  it('picks a step giving at most 120 buckets when none is given (1 h default window)', async () => {
    const s = await series(`service=checkout&from=${iso(0)}&to=${iso(24 * 60)}`);
    expect(s.step_s).toBe(720);
    expect(s.series).toHaveLength(120);
    const now = await series('service=checkout');
    expect(now.step_s).toBe(60);
    expect(now.series.length).toBeGreaterThanOrEqual(60);
    expect(now.series.length).toBeLessThanOrEqual(61);
  });

  it.each([
    ['', 'service'],
    ['service=', 'service'],
    ['service=checkout&step=30', 'step'],
    ['service=checkout&step=90', 'step'],
    ['service=checkout&step=soon', 'step'],
    [`service=checkout&from=${iso(0)}&to=${iso(2 * 1440)}&step=60`, 'step'],
    [`service=checkout&from=${iso(10)}&to=${iso(0)}`, 'from'],
    [`service=checkout&from=${iso(0)}&to=${iso(0)}`, 'from'],
    ['service=checkout&from=yesterday', 'from'],
    ['service=checkout&spanKind=server', 'spanKind'],
    ['service=checkout&operation=x&spanKind=sideways', 'spanKind'],
  ])('%s → 400 naming %s', async (qs, field) => {
    const reply = await h.get(`/api/ppo/performance-metrics?${qs}`);
    expect(reply.status, JSON.stringify(reply.json)).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((reply.json as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });

  // Last: it empties otel_traces.
  it('answers from the rollups alone: the same series after the raw spans are gone', async () => {
    const qs = `service=checkout&from=${iso(0)}&to=${iso(10)}&step=300`;
    const before = await series(qs);
    await h.storage.client.command({ query: 'TRUNCATE TABLE otel_traces' });
    expect(await series(qs)).toEqual(before);
  });
});
