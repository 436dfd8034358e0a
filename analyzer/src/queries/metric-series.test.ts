/**
 * Metric series against real chDB, with points stored the way the collector
 * stores them (OTLP/JSON → the collector's decoder → TSV): gauge means,
 * counter rates across a reset, delta sums, histogram means, attribute
 * filters and empty buckets.
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
import { fetchMetricSeries, listMetrics } from './metric-series.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z, a whole minute
const ns = (s: number): string => `${BigInt(s) * 1_000_000_000n}`;
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));

let dir: string;
let storage: Storage;

function resource(service: string, instance: string, metrics: unknown[]) {
  return {
    resource: { attributes: attrs({ 'service.name': service, 'service.instance.id': instance }) },
    scopeMetrics: [{ scope: { name: 'test' }, metrics }],
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-metric-series-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  // Every 10 s over 3 minutes.
  const times = Array.from({ length: 18 }, (_, i) => T0 + i * 10);
  const cpu = (instance: string, level: number) =>
    resource('api', instance, [
      { name: 'process.cpu.utilization', unit: '1', gauge: { dataPoints: times.map((t) => ({ timeUnixNano: ns(t), asDouble: level, attributes: attrs({ state: 'user' }) })) } },
      {
        name: 'http.requests',
        unit: '{request}',
        // Cumulative, 5 per 10 s, reset to 0 at T0+100 (a restart).
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: times.map((t) => ({ startTimeUnixNano: ns(T0), timeUnixNano: ns(t), asInt: String(t < T0 + 100 ? 5 * ((t - T0) / 10 + 1) : 5 * ((t - T0 - 100) / 10 + 1)) })),
        },
      },
      {
        name: 'jobs.done',
        sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: times.map((t) => ({ startTimeUnixNano: ns(t - 10), timeUnixNano: ns(t), asDouble: 3 })) },
      },
      {
        name: 'http.server.duration',
        unit: 'ms',
        histogram: {
          aggregationTemporality: 1,
          dataPoints: times.map((t) => ({ startTimeUnixNano: ns(t - 10), timeUnixNano: ns(t), count: '4', sum: 40, bucketCounts: ['4'], explicitBounds: [] })),
        },
      },
    ]);
  const request = { resourceMetrics: [cpu('a', 0.2), cpu('b', 0.6)] };
  const decoded = decodeRequest('metrics', 'json', Buffer.from(JSON.stringify(request)));
  expect(decoded.rejected).toBe(0);
  for (const [table, batch] of decoded.batch.tables) {
    await storage.insertTsv(table, Buffer.from(batch.text), { columns: TABLE_COLUMNS[table as OtelTable] });
  }
});

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('fetchMetricSeries', () => {
  it('averages gauges across time series and leaves empty buckets null', async () => {
    const s = await fetchMetricSeries(storage.client, { metric: 'process.cpu.utilization', service: 'api', fromS: T0, toS: T0 + 240, stepS: 60 });
    expect(s?.kind).toBe('gauge');
    expect(s?.seriesCount).toBe(2);
    expect(s?.points.map((p) => p.value)).toEqual([0.4, 0.4, 0.4, null].map((v) => (v === null ? null : expect.closeTo(v, 9))));
    const max = await fetchMetricSeries(storage.client, { metric: 'process.cpu.utilization', fromS: T0, toS: T0 + 180, stepS: 60, aggregate: 'max' });
    expect(max?.points.map((p) => p.value)).toEqual([0.6, 0.6, 0.6]);
  });

  it('turns a cumulative counter into a rate per second, across a reset', async () => {
    const s = await fetchMetricSeries(storage.client, { metric: 'http.requests', fromS: T0, toS: T0 + 180, stepS: 60 });
    expect(s?.semantics).toBe('rate');
    // Minute 1 counts only the increase seen inside it (5 → 30); minute 3 is steady
    // at 0.5/s; minute 2 holds the restart at +100 and counts from it.
    const values = s!.points.map((p) => p.value ?? NaN);
    expect(values[0]).toBeCloseTo((2 * 25) / 60, 9);
    expect(values[2]).toBeCloseTo((2 * 30) / 60, 9);
    // Around the reset the rate stays positive (no negative increase).
    expect(values[1]).toBeGreaterThan(0);
  });

  it('adds up delta sums and divides histogram sums by counts', async () => {
    const delta = await fetchMetricSeries(storage.client, { metric: 'jobs.done', fromS: T0, toS: T0 + 180, stepS: 60 });
    expect(delta?.points.map((p) => p.value)).toEqual([0.6, 0.6, 0.6].map((v) => expect.closeTo(v, 9)));
    const hist = await fetchMetricSeries(storage.client, { metric: 'http.server.duration', fromS: T0, toS: T0 + 180, stepS: 60 });
    expect(hist?.semantics).toBe('mean');
    expect(hist?.points.map((p) => p.value)).toEqual([10, 10, 10]);
  });

  it('filters by data point attributes and is undefined for an unknown metric', async () => {
    const none = await fetchMetricSeries(storage.client, { metric: 'process.cpu.utilization', attributes: { state: 'system' }, fromS: T0, toS: T0 + 180, stepS: 60 });
    expect(none?.points.every((p) => p.value === null)).toBe(true);
    expect(await fetchMetricSeries(storage.client, { metric: 'nope', fromS: T0, toS: T0 + 180, stepS: 60 })).toBeUndefined();
  });

  it('lists the stored metrics per service', async () => {
    const list = await listMetrics(storage.client, { fromS: T0, toS: T0 + 600 });
    expect(list.map((m) => `${m.metric}:${m.kind}:${m.monotonic}`)).toEqual([
      'http.requests:sum:true',
      'http.server.duration:histogram:false',
      'jobs.done:sum:true',
      'process.cpu.utilization:gauge:false',
    ]);
  });
});
