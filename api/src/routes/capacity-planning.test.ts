/**
 * GET /api/ppo/capacity-planning over real chDB: spans (throughput, mean
 * latency through the RED rollup) and CPU metrics of services with known
 * capacity (see testing/capacity-fixture.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness.ts';
import { CHECKOUT, FIXTURE_MINUTES, fixtureIso, insertCapacityFixture } from '../../../analyzer/src/queries/testing/capacity-fixture.ts';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
  await insertCapacityFixture(h.storage);
});

afterAll(async () => {
  await h?.close();
});

const window = `from=${fixtureIso(0)}&to=${fixtureIso(FIXTURE_MINUTES)}`;

interface Plan {
  service: string;
  current_rps: number;
  saturation_rps: number;
  headroom_pct: number;
  time_to_saturation: string | null;
  time_to_saturation_s: number | null;
  replicas_now: number;
  replicas_source: string;
  replicas_needed: number;
  utilization: { cpu: number | null; cpu_source: string | null };
  confidence: number;
  method: string;
  limits: { kind: string; saturation_rps: number }[];
  fits: { queue?: { workers: number; service_time_ms: number } };
}

describe('GET /api/ppo/capacity-planning', () => {
  it('finds the CPU saturation point, time to reach it and replicas of a growing service', async () => {
    const reply = await h.get(`/api/ppo/capacity-planning?service=checkout&horizon=1d&${window}`);
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    const body = reply.json as { services: Plan[]; skipped: unknown[]; step_s: number; horizon_s: number };
    expect(body.step_s).toBe(60);
    expect(body.horizon_s).toBe(86_400);
    const p = body.services[0]!;
    expect(p.service).toBe('checkout');
    expect(p.method).toMatch(/^cpu-utilization-law/);
    expect(p.utilization.cpu_source).toBe('process.cpu.utilization');
    expect(Math.abs(p.saturation_rps - CHECKOUT.saturationRps) / CHECKOUT.saturationRps).toBeLessThan(0.1);
    expect(p.current_rps).toBeGreaterThan(9);
    expect(p.current_rps).toBeLessThan(10.5);
    const truthTts = (CHECKOUT.saturationRps - CHECKOUT.endRps) / CHECKOUT.growthPerS;
    expect(Math.abs(p.time_to_saturation_s! - truthTts) / truthTts).toBeLessThan(0.2);
    expect(p.time_to_saturation).toMatch(/^PT\d+M/);
    expect(p.replicas_now).toBe(2);
    expect(p.replicas_source).toBe('spans');
    expect(p.replicas_needed).toBeGreaterThan(2);
    // The mean latency (rollup DurationSumNs / Calls) follows M/M/1 per replica.
    expect(p.fits.queue?.workers).toBe(1);
    expect(p.fits.queue?.service_time_ms).toBeGreaterThan(85);
    expect(p.fits.queue?.service_time_ms).toBeLessThan(115);
    expect(p.confidence).toBeGreaterThan(0.5);
  });

  it('plans every service with traffic and lists the ones it cannot plan with what is missing', async () => {
    const reply = await h.get(`/api/ppo/capacity-planning?${window}`);
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
    const body = reply.json as { services: Plan[]; skipped: { service: string; missing: string[] }[] };
    expect(body.services.map((s) => s.service)).toEqual(['checkout']);
    expect(body.skipped.map((s) => s.service)).toEqual(['search']);
    expect(body.skipped[0]!.missing.join(' ')).toMatch(/CPU\/memory do not follow throughput/);
  });

  it('takes a latency SLO as a limit', async () => {
    // M/M/1 per replica at s = 100 ms: mean latency hits 150 ms at ρ = 1/3, 6.7 rps fleet.
    const reply = await h.get(`/api/ppo/capacity-planning?service=checkout&latency_slo_ms=150&${window}`);
    expect(reply.status).toBe(200);
    const p = (reply.json as { services: Plan[] }).services[0]!;
    expect(p.method).toMatch(/^latency-slo/);
    expect(p.saturation_rps).toBeGreaterThan(5.5);
    expect(p.saturation_rps).toBeLessThan(8);
    expect(p.time_to_saturation_s).toBe(0);
    expect(p.headroom_pct).toBeLessThan(0);
  });

  it('answers 422 naming what is missing', async () => {
    const unknown = await h.get(`/api/ppo/capacity-planning?service=nope&${window}`);
    expect(unknown.status).toBe(422);
    expect((unknown.json as { detail: string }).detail).toMatch(/nope: throughput: 0 buckets with traffic/);
    const flat = await h.get(`/api/ppo/capacity-planning?service=search&${window}`);
    expect(flat.status).toBe(422);
    // Five minutes of history: every service is too thin to plan, and says so without being loaded.
    const thin = await h.get(`/api/ppo/capacity-planning?from=${fixtureIso(0)}&to=${fixtureIso(5)}`);
    expect(thin.status).toBe(422);
    expect((thin.json as { detail: string }).detail).toMatch(/checkout: throughput: 5 buckets with traffic, at least 10 needed/);
    const empty = await h.get(`/api/ppo/capacity-planning?from=${fixtureIso(-600)}&to=${fixtureIso(-500)}`);
    expect(empty.status).toBe(422);
    expect((empty.json as { detail: string }).detail).toMatch(/no service has entry-span traffic/);
  });

  it('validates its parameters', async () => {
    for (const qs of ['horizon=soon', 'horizon=0', 'ceiling=2', 'ceiling=x', 'step=90', 'latency_slo_ms=-1', `from=${fixtureIso(10)}&to=${fixtureIso(5)}`]) {
      const reply = await h.get(`/api/ppo/capacity-planning?service=checkout&${qs}${qs.includes('from') ? '' : `&${window}`}`);
      expect(reply.status, qs).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
