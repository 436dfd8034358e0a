/**
 * The forecast job against real chDB: spans land in otel_traces, the RED
 * rollup views fill ppo_red_1m_service, the job forecasts each active
 * service's rate / error rate / p95 and stores the forecasts in ppo_forecasts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import { LiveEvents } from '../events/live-events.ts';
import { spanTsvRow } from '../queries/testing/span-tsv.ts';
import { createForecastJob, type ForecastRow } from './forecast-job.ts';
import type { JobContext } from './job.ts';

const T0_S = 1_767_225_600; // 2026-01-01T00:00:00Z
const MINUTES = 240;
const NOW_MS = (T0_S + MINUTES * 60) * 1000 + 17_000; // mid-minute: the partial minute is not forecast from
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
/** Calls per minute of `shop`: a 60-minute cycle around 20. */
const shopCalls = (m: number): number => Math.round(20 + 8 * Math.sin((2 * Math.PI * m) / 60));

let dir: string;
let storage: Storage;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-forecast-job-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  let tsv = '';
  let n = 0;
  const span = (service: string, m: number, i: number, durMs: number, error: boolean): void => {
    n++;
    tsv += spanTsvRow({
      startNs: BigInt(T0_S + m * 60 + i) * 1_000_000_000n,
      durationNs: BigInt(durMs) * 1_000_000n,
      traceId: hex(n, 32),
      spanId: hex(n, 16),
      name: 'GET /items',
      kind: 'Server',
      service,
      status: error ? 'Error' : 'Unset',
    });
  };
  for (let m = 0; m < MINUTES; m++) {
    for (let i = 0; i < shopCalls(m); i++) span('shop', m, i, 40 + (i % 10) * 5, i % 10 === 0);
    // `legacy` stopped three hours ago: no recent traffic, no forecast.
    if (m < 60) for (let i = 0; i < 5; i++) span('legacy', m, i, 100, false);
  }
  await storage.insertTsv('otel_traces', Buffer.from(tsv), { columns: TABLE_COLUMNS.otel_traces });
}, 60_000);

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function context(): JobContext {
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  return { client: storage.client, events: new LiveEvents(), log, now: NOW_MS, signal: new AbortController().signal };
}

type Row = Omit<ForecastRow, 'StepSeconds' | 'BacktestCoverage80'>;

describe('forecast job', () => {
  it('stores rate, error-rate and p95 forecasts for each active service, with issue time and backtest', async () => {
    const job = createForecastJob({ horizonSteps: 30 });
    const result = await job.run(context());
    expect(result.findings).toBe(3);
    expect(result.detail).toMatchObject({ services: 1, forecasts: 3, failed: 0 });
    // Within the refresh interval the next round keeps the forecasts it has.
    const again = await job.run({ ...context(), now: NOW_MS + 60_000 });
    expect(again.findings).toBe(0);
    expect(again.detail).toHaveProperty('fresh_until');

    const rs = await storage.client.query({
      query: `SELECT ServiceName, Metric, toString(IssuedAt) AS IssuedAt, toUnixTimestamp(T) AS T, Model, Value, Lower80, Upper80, Lower95, Upper95, TrainingPoints, BacktestMase, BacktestSmape
              FROM ppo_forecasts ORDER BY ServiceName, Metric, T`,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const rows = await rs.json<Row>();
    expect(rows).toHaveLength(90);
    expect(new Set(rows.map((r) => r.ServiceName))).toEqual(new Set(['shop']));
    expect(new Set(rows.map((r) => r.Metric))).toEqual(new Set(['rate', 'error_rate', 'latency_p95']));
    const rate = rows.filter((r) => r.Metric === 'rate');
    // The first forecast step is the minute after the last whole one.
    expect(rate[0]?.T).toBe(T0_S + MINUTES * 60);
    expect(rate[29]?.T).toBe(T0_S + (MINUTES + 29) * 60);
    expect(new Set(rows.map((r) => r.IssuedAt)).size).toBe(1);
    expect(Date.parse(`${rows[0]?.IssuedAt.replace(' ', 'T')}Z`)).toBe(NOW_MS);
    for (const r of rows) {
      expect(r.TrainingPoints).toBe(MINUTES);
      expect(r.BacktestSmape).not.toBeNull();
      // MASE is undefined where the history never changed (p95 of identical minutes): scaled by a naive error of 0.
      if (r.Metric === 'rate') expect(r.BacktestMase).not.toBeNull();
      expect(r.Lower95).toBeLessThanOrEqual(r.Lower80);
      expect(r.Lower80).toBeLessThanOrEqual(r.Value);
      expect(r.Value).toBeLessThanOrEqual(r.Upper80);
      expect(r.Upper80).toBeLessThanOrEqual(r.Upper95);
    }
    // Rate in calls/s: the cycle swings 12..28 calls a minute; the forecast stays in that range.
    for (const r of rate) {
      expect(r.Value).toBeGreaterThan(10 / 60);
      expect(r.Value).toBeLessThan(30 / 60);
    }
    // One call in ten fails.
    for (const r of rows.filter((x) => x.Metric === 'error_rate')) expect(Math.abs(r.Value - 0.1)).toBeLessThan(0.06);
    // p95 of 40..85 ms durations, t-digest merged.
    for (const r of rows.filter((x) => x.Metric === 'latency_p95')) expect(Math.abs(r.Value - 85)).toBeLessThan(10);
  });
});
