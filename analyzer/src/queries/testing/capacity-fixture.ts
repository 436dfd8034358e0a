/**
 * Telemetry of services with known capacity for the capacity-planning and
 * right-sizing route tests, stored the way the collector stores it.
 *
 * - `checkout`: 2 replicas (service.instance.id a/b), each an M/M/1 queue
 *   with s = 100 ms (fleet capacity 20 rps). Arrivals grow linearly from 2 to
 *   10 rps over 60 minutes; each minute's spans last the M/M/1 mean
 *   s/(1 − ρ); process.cpu.utilization per replica is 0.05 + ρ. CPU reaches
 *   the 80% ceiling at ρ = 0.75, i.e. 15 rps, 37.5 minutes after the window.
 * - `search`: 2 replicas with flat traffic (1 rps), container.cpu.usage
 *   ~0.2 cores each under a 4-core k8s.container.cpu_limit (request 2), and
 *   ~200 MiB working set under a 2 GiB k8s.container.memory_limit: heavily
 *   over-provisioned, and no capacity curve (no spread in load).
 */
import { TABLE_COLUMNS, type OtelTable } from '@ppo/collector';
import type { Storage } from '@ppo/storage';
// Test helpers reached by path (not package surface).
import { decodeRequest } from '../../../../collector/src/otlp/decode.ts';
import { mapLiteral, spanTsvRow } from './span-tsv.ts';

export const FIXTURE_T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
export const FIXTURE_MINUTES = 60;
export const CHECKOUT = { capacityRps: 20, saturationRps: 15, growthPerS: 8 / 3600, endRps: 10, serviceS: 0.1 } as const;
const MIB = 1024 * 1024;

const checkoutRate = (minute: number): number => 2 + (8 * (minute + 0.5)) / FIXTURE_MINUTES;

function spans(): string {
  const resourceIdx = TABLE_COLUMNS.otel_traces.indexOf('ResourceAttributes');
  const lines: string[] = [];
  let n = 0;
  const add = (service: string, instance: string, startS: number, durationS: number): void => {
    n++;
    const row = spanTsvRow({
      service,
      traceId: n.toString(16).padStart(32, '0'),
      spanId: n.toString(16).padStart(16, '0'),
      name: 'GET /',
      kind: 'Server',
      startNs: BigInt(Math.round(startS * 1e6)) * 1000n,
      durationNs: BigInt(Math.round(durationS * 1e9)),
    }).slice(0, -1);
    const fields = row.split('\t');
    fields[resourceIdx] = mapLiteral({ 'service.name': service, 'service.instance.id': instance });
    lines.push(fields.join('\t') + '\n');
  };
  for (let m = 0; m < FIXTURE_MINUTES; m++) {
    const lambda = checkoutRate(m);
    const rho = (lambda / 2) * CHECKOUT.serviceS;
    const latency = CHECKOUT.serviceS / (1 - rho);
    const calls = Math.round(lambda * 60);
    for (let i = 0; i < calls; i++) add('checkout', i % 2 === 0 ? 'a' : 'b', FIXTURE_T0 + m * 60 + (i * 60) / calls, latency);
    for (let i = 0; i < 60; i++) add('search', i % 2 === 0 ? 's1' : 's2', FIXTURE_T0 + m * 60 + i, 0.02);
  }
  return lines.join('');
}

const ns = (s: number): string => `${BigInt(Math.round(s)) * 1_000_000_000n}`;
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
const gauge = (name: string, unit: string, points: [number, number][]) => ({ name, unit, gauge: { dataPoints: points.map(([t, v]) => ({ timeUnixNano: ns(t), asDouble: v })) } });

function metrics(): unknown {
  const times = Array.from({ length: FIXTURE_MINUTES * 4 }, (_, i) => FIXTURE_T0 + i * 15);
  const wobble = (t: number, instance: number): number => 1 + 0.05 * Math.sin(t / 97 + instance);
  const checkout = (instance: string, k: number) => ({
    resource: { attributes: attrs({ 'service.name': 'checkout', 'service.instance.id': instance }) },
    scopeMetrics: [
      {
        scope: { name: 'test' },
        metrics: [gauge('process.cpu.utilization', '1', times.map((t) => [t, 0.05 + (checkoutRate((t - FIXTURE_T0) / 60 - 0.5) / 2) * CHECKOUT.serviceS + 0.005 * Math.sin(t + k)]))],
      },
    ],
  });
  const search = (instance: string, k: number) => ({
    resource: { attributes: attrs({ 'service.name': 'search', 'service.instance.id': instance, 'k8s.pod.name': `search-${instance}` }) },
    scopeMetrics: [
      {
        scope: { name: 'test' },
        metrics: [
          gauge('container.cpu.usage', '{cpu}', times.map((t) => [t, 0.2 * wobble(t, k)])),
          gauge('k8s.container.cpu_limit', '{cpu}', times.map((t) => [t, 4])),
          gauge('k8s.container.cpu_request', '{cpu}', times.map((t) => [t, 2])),
          gauge('container.memory.working_set', 'By', times.map((t) => [t, 200 * MIB * wobble(t, k)])),
          gauge('k8s.container.memory_limit', 'By', times.map((t) => [t, 2048 * MIB])),
        ],
      },
    ],
  });
  return { resourceMetrics: [checkout('a', 1), checkout('b', 2), search('s1', 1), search('s2', 2)] };
}

export async function insertCapacityFixture(storage: Storage): Promise<void> {
  await storage.insertTsv('otel_traces', Buffer.from(spans()), { columns: TABLE_COLUMNS.otel_traces });
  const decoded = decodeRequest('metrics', 'json', Buffer.from(JSON.stringify(metrics())));
  if (decoded.rejected > 0) throw new Error(`fixture metrics rejected: ${decoded.errorMessage}`);
  for (const [table, batch] of decoded.batch.tables) {
    await storage.insertTsv(table, Buffer.from(batch.text), { columns: TABLE_COLUMNS[table as OtelTable] });
  }
}

export const fixtureIso = (minute: number): string => new Date((FIXTURE_T0 + minute * 60) * 1000).toISOString();
