/**
 * The capacity loader against real chDB, for the CPU/memory conventions the
 * route tests do not cover: cumulative process.cpu.time (rate → cores) over
 * a k8s.container.cpu_limit, system.cpu.utilization per cpu.mode (1 − idle),
 * per-state process.cpu.utilization summed per instance, replicas counted
 * from metrics when spans name no instance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS, type OtelTable } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import { decodeRequest } from '../../../collector/src/otlp/decode.ts';
import { capacityInputFrom, loadServiceResources } from './capacity-inputs.ts';
import { spanTsvRow } from './testing/span-tsv.ts';

const T0 = 1_767_225_600;
const MINUTES = 10;
const ns = (s: number): string => `${BigInt(s) * 1_000_000_000n}`;
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
const times = Array.from({ length: MINUTES * 6 }, (_, i) => T0 + i * 10);

let dir: string;
let storage: Storage;

function resource(service: string, instance: string, metrics: unknown[]) {
  return { resource: { attributes: attrs({ 'service.name': service, 'service.instance.id': instance }) }, scopeMetrics: [{ scope: { name: 't' }, metrics }] };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-capacity-inputs-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  // Spans without service.instance.id: 2/s for `worker`, 1/s for `host-svc`.
  let n = 0;
  const rows: string[] = [];
  for (let s = 0; s < MINUTES * 60; s++) {
    for (const [service, perS] of [['worker', 2], ['host-svc', 1]] as const) {
      for (let k = 0; k < perS; k++) {
        n++;
        rows.push(spanTsvRow({ service, traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), name: 'job', kind: 'Server', startNs: BigInt(T0 + s) * 1_000_000_000n, durationNs: 5_000_000 }));
      }
    }
  }
  await storage.insertTsv('otel_traces', Buffer.from(rows.join('')), { columns: TABLE_COLUMNS.otel_traces });
  // worker: 3 instances, each burning 0.25 cores (cumulative CPU seconds, user + system states), limit 1 core each.
  const worker = (instance: string) =>
    resource('worker', instance, [
      {
        name: 'process.cpu.time',
        unit: 's',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: ['user', 'system'].flatMap((state) => times.map((t) => ({ startTimeUnixNano: ns(T0), timeUnixNano: ns(t), asDouble: 0.125 * (t - T0), attributes: attrs({ state }) }))),
        },
      },
      { name: 'k8s.container.cpu_limit', unit: '{cpu}', gauge: { dataPoints: times.map((t) => ({ timeUnixNano: ns(t), asDouble: 1 })) } },
      {
        name: 'process.memory.usage',
        unit: 'By',
        sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: times.map((t) => ({ startTimeUnixNano: ns(T0), timeUnixNano: ns(t), asInt: String(100 * 1024 * 1024) })) },
      },
    ]);
  // host-svc: system.cpu.utilization per cpu and mode (idle 0.6), and per-state process.cpu.utilization.
  const host = (instance: string) =>
    resource('host-svc', instance, [
      {
        name: 'system.cpu.utilization',
        unit: '1',
        gauge: {
          dataPoints: ['0', '1'].flatMap((cpu) =>
            [['idle', 0.6], ['user', 0.3], ['system', 0.1]].flatMap(([mode, v]) => times.map((t) => ({ timeUnixNano: ns(t), asDouble: v, attributes: attrs({ cpu, 'cpu.mode': String(mode) }) }))),
          ),
        },
      },
    ]);
  const request = { resourceMetrics: [worker('w1'), worker('w2'), worker('w3'), host('h1')] };
  const decoded = decodeRequest('metrics', 'json', Buffer.from(JSON.stringify(request)));
  expect(decoded.rejected).toBe(0);
  for (const [table, batch] of decoded.batch.tables) await storage.insertTsv(table, Buffer.from(batch.text), { columns: TABLE_COLUMNS[table as OtelTable] });
});

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('loadServiceResources', () => {
  it('turns cumulative CPU seconds into cores and divides by the summed limits', async () => {
    const r = await loadServiceResources(storage.client, { service: 'worker', fromS: T0, toS: T0 + MINUTES * 60, stepS: 60 });
    expect(r.replicas).toBe(3);
    expect(r.replicasSource).toBe('metrics');
    expect(r.cpu.cores?.source).toBe('process.cpu.time');
    expect(r.cpu.limitCores).toBe(3);
    // Full minutes after the first: 3 × 0.25 cores = 0.75 cores of 3.
    expect(r.cpu.cores?.values[3]).toBeCloseTo(0.75, 6);
    expect(r.cpu.utilization?.values[3]).toBeCloseTo(0.25, 6);
    expect(r.cpu.utilization?.source).toBe('process.cpu.time/k8s.container.cpu_limit');
    expect(r.memory.bytes?.values[3]).toBe(3 * 100 * 1024 * 1024);
    expect(r.rps[3]).toBeCloseTo(2, 9);
    expect(r.latencyMs[3]).toBeCloseTo(5, 6);
    const input = capacityInputFrom(r);
    expect(input.samples[3]).toMatchObject({ rps: 2, cpu: expect.closeTo(0.25, 6) });
  });

  it('reads system.cpu.utilization as 1 − idle', async () => {
    const r = await loadServiceResources(storage.client, { service: 'host-svc', fromS: T0, toS: T0 + MINUTES * 60, stepS: 60 });
    expect(r.cpu.utilization?.source).toBe('system.cpu.utilization');
    expect(r.cpu.utilization?.values[2]).toBeCloseTo(0.4, 9);
    expect(r.replicas).toBe(1);
    expect(r.memory.bytes).toBeUndefined();
  });
});
