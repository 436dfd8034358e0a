import { describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { LiveEvents } from '../events/live-events.ts';
import type { Job } from './job.ts';
import { createScheduler } from './scheduler.ts';

const silent = { info() {}, warn() {}, error() {} };
// Jobs here never touch the database; the scheduler only passes the client on.
const client = {} as ClickHouseClient;

function recordingJob(name: string, log: string[], opts: { fail?: boolean; delayMs?: number } = {}): Job {
  return {
    name,
    async run(ctx) {
      log.push(`start ${name} @${ctx.now}`);
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      log.push(`end ${name}`);
      if (opts.fail) throw new Error(`${name} broke`);
      return { findings: name.length };
    },
  };
}

describe('createScheduler', () => {
  it('runs jobs in order with one shared now, isolating failures', async () => {
    const log: string[] = [];
    const s = createScheduler({
      jobs: [recordingJob('a', log, { fail: true }), recordingJob('bb', log)],
      client,
      events: new LiveEvents(),
      log: silent,
      intervalMs: 60_000,
      now: () => 42,
    });
    const runs = await s.runNow();
    expect(log).toEqual(['start a @42', 'end a', 'start bb @42', 'end bb']);
    expect(runs.map((r) => [r.job, r.ok, r.findings, r.error])).toEqual([
      ['a', false, 0, 'a broke'],
      ['bb', true, 2, undefined],
    ]);
    expect(s.lastRuns().map((r) => r.job)).toEqual(['a', 'bb']);
    await s.stop();
  });

  it('never overlaps two rounds and can run a subset', async () => {
    const log: string[] = [];
    const s = createScheduler({ jobs: [recordingJob('slow', log, { delayMs: 30 }), recordingJob('x', log)], client, events: new LiveEvents(), log: silent, intervalMs: 60_000, now: () => 1 });
    const [first, second] = await Promise.all([s.runNow(), s.runNow(['x'])]);
    expect(first.map((r) => r.job)).toEqual(['slow', 'x']);
    expect(second.map((r) => r.job)).toEqual(['x']);
    expect(log).toEqual(['start slow @1', 'end slow', 'start x @1', 'end x', 'start x @1', 'end x']);
    await expect(s.runNow(['nope'])).rejects.toThrow(/no analysis job named nope/);
    await s.stop();
    await expect(s.runNow()).rejects.toThrow(/stopping/);
  });

  it('runs rounds on its interval once started, and disposes jobs on stop', async () => {
    const log: string[] = [];
    let disposed = 0;
    const job: Job = { ...recordingJob('tick', log), dispose: () => void disposed++ };
    const s = createScheduler({ jobs: [job], client, events: new LiveEvents(), log: silent, intervalMs: 10 });
    s.start();
    await new Promise((r) => setTimeout(r, 80));
    await s.stop();
    expect(log.filter((l) => l === 'end tick').length).toBeGreaterThanOrEqual(2);
    expect(disposed).toBe(1);
  });
});

describe('LiveEvents', () => {
  it('delivers to every subscriber, survives a throwing one, unsubscribes', () => {
    const errors: unknown[] = [];
    const events = new LiveEvents((err) => errors.push(err));
    const got: string[] = [];
    events.subscribe(() => {
      throw new Error('bad listener');
    });
    const off = events.subscribe((e) => got.push(`${e.type}:${String(e.data['service'])}`));
    events.publish('anomaly', { service: 'api' }, new Date(0));
    off();
    events.publish('anomaly', { service: 'web' });
    expect(got).toEqual(['anomaly:api']);
    expect(errors).toHaveLength(2);
    expect(events.subscriberCount).toBe(1);
    expect(events.publishedCount).toBe(2);
  });
});
