// `npm run eval:learning-loop [-- --seeds 3 --minutes 20 --interval-ms 4000]`
//
// Does the learning loop reach the right verdict? A real PPO process (every
// role, in this process, fresh temp data dir), traffic through the real
// OpenTelemetry SDK + OTLP/HTTP exporter, backdated: `minutes` of v1 then
// `minutes` of v2 per service, all sent at once, three hours in the past.
// Every service starts with an N+1 in GET /orders (8 queries per request);
// per seed, four scenarios, each its own service:
//   fix        v2 batches the queries          → recommendation verified
//   no-fix     v2 ships, the N+1 stays          → recommendation stays open, deploy ok
//   regression v2 keeps the N+1, queries 1.5×   → recommendation open, deploy regressed (fix-regression names v2)
//   applied    no new version; marked applied at the midpoint, nothing changed → no-effect
// One line per item on stdout, progress on stderr, a final JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, startPpo } from '@ppo/server';
import { sendOrdersTraffic } from '../test/helpers/orders-traffic.ts';
import { numberOption } from './lib/cli-args.ts';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    minutes: { type: 'string', default: '20' },
    'interval-ms': { type: 'string', default: '4000' },
  },
});
const seeds = numberOption(args, 'seeds', 1, { integer: true });
const minutes = numberOption(args, 'minutes', 11, { integer: true });
const intervalMs = numberOption(args, 'interval-ms', 100, { integer: true });

type Scenario = 'fix' | 'no-fix' | 'regression' | 'applied';
const SCENARIOS: Scenario[] = ['fix', 'no-fix', 'regression', 'applied'];
const MIN = 60_000;

interface Rec {
  id: string;
  service: string;
  kind: string;
  status: string;
  version?: string;
  outcome?: { verdict: string; change_pct: number; p_value: number; version?: string };
}

const started = performance.now();
const dataDir = await mkdtemp(join(tmpdir(), 'ppo-eval-loop-'));
const ppo = await startPpo(
  loadConfig({ PPO_DATA_DIR: dataDir, PPO_OTLP_GRPC_PORT: '0', PPO_OTLP_HTTP_PORT: '0', PPO_API_PORT: '0', PPO_LISTEN_HOST: '127.0.0.1', PPO_RETENTION_DAYS: '0', PPO_ANALYZE_INTERVAL: '1h', PPO_LOG_LEVEL: 'warn', PPO_BATCH_MAX_DELAY_MS: '50' }),
);
const otlp = `http://127.0.0.1:${ppo.ports.otlpHttp}`;
const apiBase = `http://127.0.0.1:${ppo.ports.api}/api/ppo`;
async function api(method: string, path: string, body?: unknown): Promise<any> {
  await ppo.collector?.drainer.drained();
  const res = await fetch(`${apiBase}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const T0 = Math.floor((Date.now() - 3 * 60 * MIN) / MIN) * MIN;
const W = minutes * MIN;
const items: { scenario: Scenario; seed: number; service: string }[] = [];
for (let seed = 1; seed <= seeds; seed++) for (const scenario of SCENARIOS) items.push({ scenario, seed, service: `orders-${scenario}-${seed}` });

try {
  console.error(`sending ${minutes} min of v1 for ${items.length} services`);
  for (const it of items) {
    await sendOrdersTraffic({ otlpHttpUrl: otlp, service: it.service, version: '1.0.0', shape: 'n-plus-one', startMs: T0, durationMs: W, intervalMs, seed: it.seed * 100 + 1 });
  }
  const first = await api('POST', '/optimize-performance', {});
  console.error(`optimize-performance: ${first.recommendations.length} recommendations, ${first.created} new`);
  const recOf = (list: Rec[], service: string, kind: string): Rec | undefined => list.find((r) => r.service === service && r.kind === kind);
  for (const it of items.filter((x) => x.scenario === 'applied')) {
    const rec = recOf(first.recommendations, it.service, 'batch-n-plus-one');
    if (rec) await api('PATCH', `/recommendations/${rec.id}`, { status: 'applied', at: new Date(T0 + W).toISOString(), note: 'eval: nothing actually changed' });
  }
  console.error(`sending ${minutes} min of v2`);
  for (const it of items) {
    const common = { otlpHttpUrl: otlp, service: it.service, startMs: T0 + W, durationMs: W, intervalMs, seed: it.seed * 100 + 2 };
    if (it.scenario === 'fix') await sendOrdersTraffic({ ...common, version: '2.0.0', shape: 'batched' });
    if (it.scenario === 'no-fix') await sendOrdersTraffic({ ...common, version: '2.0.0', shape: 'n-plus-one' });
    if (it.scenario === 'regression') await sendOrdersTraffic({ ...common, version: '2.0.0', shape: 'n-plus-one', queryScale: 1.5 });
    if (it.scenario === 'applied') await sendOrdersTraffic({ ...common, version: '1.0.0', shape: 'n-plus-one' });
  }
  const round = await api('POST', '/optimize', {});
  for (const r of round.ran) console.error(`job ${r.job}: ${r.duration_ms} ms, ${r.findings} findings ${JSON.stringify(r.detail ?? {})}`);
  const all: Rec[] = (await api('GET', '/recommendations?limit=1000')).recommendations;

  let correct = 0;
  const perScenario: Record<string, { items: number; correct: number }> = {};
  for (const it of items) {
    const rec = recOf(all, it.service, 'batch-n-plus-one');
    const reg = recOf(all, it.service, 'fix-regression');
    const expected = { fix: 'verified', 'no-fix': 'open', regression: 'open+regression', applied: 'no-effect' }[it.scenario];
    const got = `${rec?.status ?? 'missing'}${reg ? '+regression' : ''}`;
    const ok = got === expected && (it.scenario !== 'regression' || reg?.version === '2.0.0');
    if (ok) correct++;
    const s = (perScenario[it.scenario] ??= { items: 0, correct: 0 });
    s.items++;
    if (ok) s.correct++;
    const o = rec?.outcome;
    console.log(`${ok ? 'ok  ' : 'FAIL'} scenario=${it.scenario} seed=${it.seed} expected=${expected} got=${got}${o ? ` change_pct=${o.change_pct} p=${o.p_value}` : ''}${reg ? ` regression_version=${reg.version}` : ''}`);
  }
  const metrics = await api('GET', '/metrics');
  console.log(
    JSON.stringify({
      eval: 'learning-loop',
      items: items.length,
      correct,
      accuracy: Math.round((correct / items.length) * 1000) / 1000,
      per_scenario: perScenario,
      ppo_success_rate: metrics.recommendations.success_rate,
      minutes_per_window: minutes,
      requests_per_window: Math.ceil(W / intervalMs),
      duration_s: Math.round((performance.now() - started) / 100) / 10,
    }),
  );
} finally {
  await ppo.stop();
  await rm(dataDir, { recursive: true, force: true });
}
