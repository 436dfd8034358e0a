/**
 * The capacity job over real chDB: plans the services with traffic, stores
 * them in ppo_capacity, publishes `forecast` events for the ones nearing
 * saturation, and the dashboard query reads them back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { openStorage, type Storage } from '@ppo/storage';
import { LiveEvents, type LiveEvent } from '../events/live-events.ts';
import { FIXTURE_MINUTES, FIXTURE_T0, insertCapacityFixture } from '../queries/testing/capacity-fixture.ts';
import { capacityJob, fetchCapacityNearingLimits } from './capacity-job.ts';

let dir: string;
let storage: Storage;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-capacity-job-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  await insertCapacityFixture(storage);
});

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('capacityJob', () => {
  it('stores a plan per plannable service and announces the ones nearing saturation', async () => {
    const events = new LiveEvents();
    const seen: LiveEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const nowMs = (FIXTURE_T0 + FIXTURE_MINUTES * 60 + 30) * 1000;
    const job = capacityJob({ lookbackS: FIXTURE_MINUTES * 60, horizonS: 86_400 });
    const log = { info: () => {}, warn: () => {}, error: () => {} };
    const result = await job.run({ client: storage.client, events, log, now: nowMs, signal: new AbortController().signal });
    expect(result).toMatchObject({ findings: 1, detail: { services: 2, planned: 1, skipped: 1, nearing_saturation: 1 } });
    expect(seen.map((e) => [e.type, e.data['service'], e.data['kind']])).toEqual([['forecast', 'checkout', 'capacity']]);

    const nearing = await fetchCapacityNearingLimits(storage.client, { sinceMs: nowMs - 3_600_000, withinS: 86_400 });
    expect(nearing).toHaveLength(1);
    const n = nearing[0]!;
    expect(n.service).toBe('checkout');
    expect(n.replicasNow).toBe(2);
    expect(n.saturationRps).toBeGreaterThan(13.5);
    expect(n.saturationRps).toBeLessThan(16.5);
    expect(n.timeToSaturationS).toBeGreaterThan(1500);
    expect(n.computedAt).toBe(new Date(nowMs).toISOString());
    expect(await fetchCapacityNearingLimits(storage.client, { sinceMs: nowMs - 3_600_000, withinS: 60 })).toEqual([]);
  });
});
