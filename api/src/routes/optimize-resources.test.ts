/**
 * POST /api/ppo/optimize-resources over real chDB: an over-provisioned
 * service (limits far above usage) and a growing one whose replica count
 * follows the capacity plan (see testing/capacity-fixture.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Reply } from '../testing/api-harness.ts';
import { FIXTURE_MINUTES, fixtureIso, insertCapacityFixture } from '../../../analyzer/src/queries/testing/capacity-fixture.ts';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
  await insertCapacityFixture(h.storage);
});

afterAll(async () => {
  await h?.close();
});

async function post(body: unknown): Promise<Reply> {
  const res = await h.app.request('/api/ppo/optimize-resources', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) };
}

interface Change {
  resource: string;
  direction: string;
  current: number;
  recommended: number;
  cost_delta: { cpu_cores: number; memory_bytes: number };
  latency_ms?: { before: number; after: number };
}
interface Sized {
  service: string;
  status: string;
  replicas: number;
  changes: Change[];
  cost_delta: { cpu_cores: number; memory_bytes: number };
  capacity: { replicas_needed: number } | null;
}

const MIB = 1024 * 1024;
const window = { from: fixtureIso(0), to: fixtureIso(FIXTURE_MINUTES) };

describe('POST /api/ppo/optimize-resources', () => {
  it('shrinks the limits of an over-provisioned service and says what that saves', async () => {
    const reply = await post({ services: ['search'], ...window });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    const body = reply.json as { services: Sized[]; over_provisioned: string[]; total_cost_delta: { cpu_cores: number } };
    const s = body.services[0]!;
    expect(s.status).toBe('over-provisioned');
    expect(body.over_provisioned).toEqual(['search']);
    expect(s.replicas).toBe(2);
    expect(s.capacity).toBeNull(); // flat traffic: no capacity curve, so no replica change
    const cpu = s.changes.find((c) => c.resource === 'cpu_limit')!;
    // p95 ≈ 0.21 cores per replica at 70% → 0.3-0.35 cores instead of 4.
    expect(cpu).toMatchObject({ direction: 'decrease', current: 4 });
    expect(cpu.recommended).toBeGreaterThanOrEqual(0.3);
    expect(cpu.recommended).toBeLessThanOrEqual(0.35);
    expect(cpu.cost_delta.cpu_cores).toBeCloseTo((cpu.recommended - 4) * 2, 3);
    expect(s.changes.find((c) => c.resource === 'cpu_request')).toMatchObject({ direction: 'decrease', current: 2 });
    const mem = s.changes.find((c) => c.resource === 'memory_limit')!;
    expect(mem.direction).toBe('decrease');
    expect(mem.recommended).toBeGreaterThan(240 * MIB);
    expect(mem.recommended).toBeLessThan(272 * MIB);
    expect(body.total_cost_delta.cpu_cores).toBeLessThan(-7);
  });

  it('scales a growing service out as its capacity plan says, with the latency effect', async () => {
    const reply = await post({ services: ['checkout'], horizon_s: 3600, ...window });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    const s = (reply.json as { services: Sized[] }).services[0]!;
    const rep = s.changes.find((c) => c.resource === 'replicas')!;
    expect(rep.direction).toBe('increase');
    expect(rep.current).toBe(2);
    expect(rep.recommended).toBe(s.capacity!.replicas_needed);
    expect(rep.latency_ms!.after).toBeLessThan(rep.latency_ms!.before);
    expect(s.status).toBe('under-provisioned');
  });

  it('sizes every service with traffic when none is named', async () => {
    const reply = await post(window);
    expect(reply.status).toBe(200);
    expect((reply.json as { services: Sized[] }).services.map((s) => s.service).sort()).toEqual(['checkout', 'search']);
  });

  it('validates the body and answers 422 without data', async () => {
    expect((await post('{')).status).toBe(400);
    expect((await post({ services: [''] })).status).toBe(400);
    expect((await post({ target_cpu_utilization: 2 })).status).toBe(400);
    expect((await post({ extra: 1 })).status).toBe(400);
    const none = await post({ services: ['nope'], ...window });
    expect(none.status).toBe(422);
    expect((none.json as { detail: string }).detail).toMatch(/nope: resource metrics/);
  });
});
