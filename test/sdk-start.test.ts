/**
 * @ppo/sdk's programmatic path: a script calls `await start({...})` with explicit options,
 * records a span, a counter and a log through the global OTel API, flushes, and then simply
 * ends. Checks the options reach the resource (and yield to OTEL_RESOURCE_ATTRIBUTES), that
 * `instrumentations: 'none'` and `runtimeMetrics: false` are honoured, and that what was
 * recorded after the last explicit flush still arrives through the flush at exit.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChildApp, type ChildExit } from './helpers/child-app.ts';
import { queryRows } from './helpers/sql.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

const START_APP = fileURLToPath(new URL('./fixtures/sdk-app/start-app.ts', import.meta.url));
const SERVICE = 'sdk-start-app';

let ppo: TestPpo;
let run: ChildExit;

beforeAll(async () => {
  ppo = await startTestPpo();
  run = await runChildApp({
    args: ['--import', 'tsx', START_APP],
    // The operator's OTEL_RESOURCE_ATTRIBUTES must beat the attributes given in code.
    env: { TEST_ENDPOINT: ppo.grpcUrl, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod', OTEL_BSP_SCHEDULE_DELAY: '60000' },
    stop: 'natural',
  });
});

afterAll(async () => {
  await ppo?.stop();
});

describe('await start({...})', () => {
  it('returns one SDK per process, whose resource holds the options under the environment', () => {
    expect(run.code).toBe(0);
    const line = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { same: boolean; resource: Record<string, unknown> };
    expect(line.same).toBe(true);
    expect(line.resource).toMatchObject({
      'service.name': SERVICE,
      'service.version': '9.9.9',
      shard: 2,
      'deployment.environment.name': 'prod',
    });
  });

  it('exports manual spans only (instrumentations off), including one recorded after the last flush', async () => {
    const spans = await queryRows<{ SpanName: string; ScopeName: string }>(
      ppo.ppo.storage.client,
      `SELECT SpanName, ScopeName FROM otel_traces WHERE ServiceName = {service:String} ORDER BY SpanName`,
      { service: SERVICE },
    );
    expect(spans).toEqual([
      { SpanName: 'after the last flush', ScopeName: 'start-app' },
      { SpanName: 'nightly job', ScopeName: 'start-app' },
    ]);
  });

  it('exports the app’s metrics and logs, and no runtime metrics when they are off', async () => {
    const [jobs] = await queryRows<{ v: number; shard: string }>(
      ppo.ppo.storage.client,
      `SELECT max(Value) AS v, any(ResourceAttributes['shard']) AS shard FROM otel_metrics_sum
       WHERE ServiceName = {service:String} AND MetricName = 'jobs.run'`,
      { service: SERVICE },
    );
    expect(jobs).toEqual({ v: 3, shard: '2' });
    const gauges = await queryRows<{ n: string }>(
      ppo.ppo.storage.client,
      `SELECT count() AS n FROM otel_metrics_gauge WHERE ServiceName = {service:String}`,
      { service: SERVICE },
    );
    expect(gauges).toEqual([{ n: '0' }]);
    const logs = await queryRows<{ Body: string }>(ppo.ppo.storage.client, `SELECT Body FROM otel_logs WHERE ServiceName = {service:String}`, {
      service: SERVICE,
    });
    expect(logs).toEqual([{ Body: 'job ran' }]);
  });
});
