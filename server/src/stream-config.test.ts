import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('live stream settings', () => {
  it('default to 5 s ingest events, 15 s heartbeats, 256 queued events per client', () => {
    expect(loadConfig({}).stream).toEqual({ ingestIntervalMs: 5_000, heartbeatMs: 15_000, clientQueue: 256 });
  });

  it('take durations and refuse nonsense', () => {
    const c = loadConfig({ PPO_STREAM_INGEST_INTERVAL: '500ms', PPO_STREAM_HEARTBEAT: '1m', PPO_STREAM_CLIENT_QUEUE: '32' });
    expect(c.stream).toEqual({ ingestIntervalMs: 500, heartbeatMs: 60_000, clientQueue: 32 });
    expect(() => loadConfig({ PPO_STREAM_INGEST_INTERVAL: '10ms' })).toThrow(/PPO_STREAM_INGEST_INTERVAL/);
    expect(() => loadConfig({ PPO_STREAM_CLIENT_QUEUE: '0' })).toThrow(/PPO_STREAM_CLIENT_QUEUE/);
  });
});
