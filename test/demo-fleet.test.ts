import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type TruthRecord } from '@ppo/demo';
import { settled, startTestPpo, type TestPpo } from './helpers/start-ppo.ts';
import { queryRows } from './helpers/sql.ts';

// A short run of a few systems of the demo fleet (PPIS and what it calls:
// PCAS and PTGS, in two host processes) against a PPO started here: the
// services and their edges show up in PPO, and an injected fault shows up in
// the ground-truth log and in the spans.

let ppo: TestPpo;
let fleet: Fleet;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function api<T>(path: string): Promise<T> {
  await settled();
  const res = await fetch(`${ppo.apiBase}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

beforeAll(async () => {
  // Collector + API only: this test reads services, the service map and spans;
  // the analyzer's rounds (anomalies, forecasts, recommendations…) would only
  // compete with the fleet for the CPU.
  ppo = await startTestPpo({ PPO_ROLES: 'collector,api' });
  fleet = await startFleet({
    endpoint: ppo.grpcUrl,
    dataDir: ppo.dataDir,
    roots: ['PPIS'],
    controlPort: 0,
    load: { peakRps: 10, burstEveryMs: 0, startPhase: 15 / 24 },
    metricIntervalMs: 1_000,
    exportDelayMs: 200,
    log: pino({ level: 'silent' }),
  });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await ppo?.stop();
});

describe('demo fleet smoke', () => {
  it('runs each system as its own service, in more than one process', () => {
    expect(fleet.systems.map((s) => s.name).sort()).toEqual(['PCAS', 'PPIS', 'PTGS']);
    const pids = new Set(fleet.status().map((s) => s.pid));
    expect(pids.size).toBe(2);
  });

  it("PPO's services and service map show the systems and their call edges", { timeout: 90_000 }, async () => {
    const services = await until('three services in PPO', async () => {
      const r = await api<{ services: { name: string }[] }>('/services');
      const names = r.services.map((s) => s.name).sort();
      return names.length >= 3 ? names : undefined;
    });
    expect(services).toEqual(['PCAS', 'PPIS', 'PTGS']);
    const edges = await until('the call edges', async () => {
      const r = await api<{ edges: { caller: string; callee: string; kind: string }[] }>('/service-map');
      const request = r.edges.filter((e) => e.kind === 'request').map((e) => `${e.caller}->${e.callee}`).sort();
      return request.length >= 3 ? request : undefined;
    });
    expect(edges).toEqual(['PCAS->PTGS', 'PPIS->PCAS', 'PPIS->PTGS']);
    // DB client spans name their store: every system has a database edge.
    const r = await api<{ edges: { caller: string; kind: string }[] }>('/service-map');
    expect(new Set(r.edges.filter((e) => e.kind === 'database').map((e) => e.caller))).toEqual(new Set(['PCAS', 'PPIS', 'PTGS']));
  });

  it('a fault injected through POST /faults is in the truth log and in the spans; a fix redeploys with a new version', { timeout: 120_000 }, async () => {
    const base = fleet.control!.url;
    const bad = await fetch(`${base}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'error_rate', target: 'NOPE' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('target');

    const res = await fetch(`${base}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'error_rate', target: 'PTGS', params: { rate: 1 } }) });
    expect(res.status).toBe(201);
    const fault = (await res.json()) as { id: string; startedAt: string };
    const listed = (await (await fetch(`${base}/faults`)).json()) as { faults: { id: string }[] };
    expect(listed.faults.map((f) => f.id)).toEqual([fault.id]);

    const truth = readFileSync(fleet.faults.truthLogPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthRecord);
    expect(truth.at(-1)).toMatchObject({ event: 'start', id: fault.id, kind: 'error_rate', target: 'PTGS', serviceVersion: '1.5.6' });

    const since = BigInt(Date.parse(fault.startedAt)) * 1_000_000n;
    const errors = await until('error spans of PTGS', async () => {
      const rows = await queryRows<{ n: string }>(
        ppo.ppo.storage.client,
        `SELECT count() AS n FROM otel_traces WHERE ServiceName = 'PTGS' AND SpanKind = 'Server' AND StatusCode = 'Error' AND Timestamp >= fromUnixTimestamp64Nano({since:Int64})`,
        { since: since.toString() },
      );
      return Number(rows[0]?.n ?? 0) > 0 ? Number(rows[0]?.n) : undefined;
    });
    expect(errors).toBeGreaterThan(0);

    const fixed = await fetch(`${base}/faults/${fault.id}/fix`, { method: 'POST' });
    expect(fixed.status).toBe(200);
    expect(((await fixed.json()) as { serviceVersion: string }).serviceVersion).toBe('1.5.7');
    await fleet.waitForDeploy('PTGS', '1.5.7').catch(() => undefined); // may already have happened
    expect((await fetch(`${base}/faults/${fault.id}/fix`, { method: 'POST' })).status).toBe(404);
    const end = readFileSync(fleet.faults.truthLogPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthRecord).at(-1);
    expect(end).toMatchObject({ event: 'end', reason: 'fixed', newServiceVersion: '1.5.7' });
    await until('spans of the redeployed PTGS', async () => {
      const rows = await queryRows<{ n: string }>(
        ppo.ppo.storage.client,
        `SELECT count() AS n FROM otel_traces WHERE ServiceName = 'PTGS' AND ResourceAttributes['service.version'] = '1.5.7'`,
      );
      return Number(rows[0]?.n ?? 0) > 0 ? true : undefined;
    });
  });

  it('stops every host process it started', async () => {
    const pids = [...new Set(fleet.status().map((s) => s.pid))].filter((p): p is number => p !== undefined);
    await fleet.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
