/**
 * npm run eval:capacity — capacity planning on services whose capacity is
 * known because they are simulated: discrete-event M/M/c and M/D/c queues
 * (c workers per replica, service time s, random load balancing over
 * replicas) under a growing arrival rate, observed for a while through the
 * telemetry a real service would emit (per-minute throughput, CPU
 * utilization with an idle baseline and noise, mean latency).
 *
 * Truth per scenario:
 * - saturation_rps with CPU: the arrival rate at which mean CPU reaches the
 *   80% ceiling, (0.8 − baseline) · c · replicas / s;
 * - saturation_rps from latency alone (no CPU metric): 80% of the queue's
 *   service capacity, 0.8 · c · replicas / s;
 * - time_to_saturation: when the mean arrival rate λ(t) reaches that
 *   saturation, counted from the end of the observation.
 * Pass: saturation within 15% and time within 20% of the truth.
 *
 * End to end (unless --skip-e2e): one more scenario runs through a real PPO
 * process (`npm start` as a child, its own data dir and ports): every
 * simulated request is sent as a span over OTLP/HTTP with its replica's
 * service.instance.id, CPU utilization per replica as an OTLP gauge, and the
 * plan is read from GET /api/ppo/capacity-planning.
 *
 * Prints one line per scenario and mode, then one JSON line with pass rates
 * and mean absolute relative errors.
 *   --seed N       base seed (default 1)
 *   --horizon S    planning horizon, seconds (default 86400)
 *   --skip-e2e     leave out the run through a real PPO
 *   --forecaster F demand forecaster: theil-sen (default, what PPO ships) or ets (ETS with the Theil–Sen fallback)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isCapacityGap, planCapacity } from '../../analyzer/src/models/capacity/plan-capacity.ts';
import { linearTrendForecast } from '../../analyzer/src/models/capacity/demand-forecast.ts';
import { etsDemandForecaster } from '../../analyzer/src/models/capacity/ets-demand.ts';
import { simulateQueue, seededRandom } from '../../analyzer/src/models/capacity/testing/queue-simulation.ts';
import { numberOption } from '../lib/cli-args.ts';
import { startPpoProcess } from '../lib/ppo-process.ts';

interface Scenario {
  name: string;
  workers: number;
  replicas: number;
  serviceS: number;
  service: 'exponential' | 'deterministic';
  /** Mean arrival rate as a share of capacity c·r/s at the start and end of the observation. */
  fromLoad: number;
  toLoad: number;
  observeS: number;
  /** Per-minute multiplicative burstiness of the arrival rate (std-dev), 0 for a smooth ramp. */
  burst: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'mm1-10ms', workers: 1, replicas: 1, serviceS: 0.01, service: 'exponential', fromLoad: 0.2, toLoad: 0.65, observeS: 7200, burst: 0 },
  { name: 'mm2-200ms', workers: 2, replicas: 1, serviceS: 0.2, service: 'exponential', fromLoad: 0.2, toLoad: 0.65, observeS: 7200, burst: 0 },
  { name: 'mm4-50ms', workers: 4, replicas: 1, serviceS: 0.05, service: 'exponential', fromLoad: 0.25, toLoad: 0.6, observeS: 7200, burst: 0 },
  { name: 'mm8-20ms-x3', workers: 8, replicas: 3, serviceS: 0.02, service: 'exponential', fromLoad: 0.2, toLoad: 0.6, observeS: 7200, burst: 0 },
  { name: 'mm16-100ms', workers: 16, replicas: 1, serviceS: 0.1, service: 'exponential', fromLoad: 0.3, toLoad: 0.7, observeS: 7200, burst: 0 },
  { name: 'mm32-250ms', workers: 32, replicas: 1, serviceS: 0.25, service: 'exponential', fromLoad: 0.2, toLoad: 0.6, observeS: 7200, burst: 0 },
  { name: 'md1-5ms', workers: 1, replicas: 1, serviceS: 0.005, service: 'deterministic', fromLoad: 0.2, toLoad: 0.65, observeS: 7200, burst: 0 },
  { name: 'md4-80ms', workers: 4, replicas: 1, serviceS: 0.08, service: 'deterministic', fromLoad: 0.2, toLoad: 0.6, observeS: 7200, burst: 0 },
  { name: 'md8-30ms-x2', workers: 8, replicas: 2, serviceS: 0.03, service: 'deterministic', fromLoad: 0.3, toLoad: 0.7, observeS: 7200, burst: 0 },
  { name: 'mm4-40ms-slow-bursty', workers: 4, replicas: 1, serviceS: 0.04, service: 'exponential', fromLoad: 0.1, toLoad: 0.4, observeS: 14_400, burst: 0.1 },
  { name: 'mm2-100ms-fast', workers: 2, replicas: 1, serviceS: 0.1, service: 'exponential', fromLoad: 0.3, toLoad: 0.72, observeS: 3600, burst: 0 },
  { name: 'md16-40ms-x4-bursty', workers: 16, replicas: 4, serviceS: 0.04, service: 'deterministic', fromLoad: 0.2, toLoad: 0.55, observeS: 7200, burst: 0.08 },
];

const CEILING = 0.8;
const CPU_BASELINE = 0.03;
const BUCKET_S = 60;

const { values: args } = parseArgs({ options: { seed: { type: 'string', default: '1' }, horizon: { type: 'string', default: '86400' }, 'skip-e2e': { type: 'boolean', default: false }, forecaster: { type: 'string', default: 'theil-sen' } } });
const seed = numberOption(args, 'seed', 0, { integer: true });
const horizonS = numberOption(args, 'horizon', 60);
if (args.forecaster !== 'ets' && args.forecaster !== 'theil-sen') throw new Error('--forecaster must be ets or theil-sen');
// The demand forecaster under test: what the capacity job and route use (ETS with the Theil–Sen fallback), or Theil–Sen alone.
const forecaster = args.forecaster === 'ets' ? etsDemandForecaster() : linearTrendForecast;

interface Outcome {
  scenario: string;
  mode: 'cpu' | 'latency-only';
  estimated: boolean;
  satErr: number | null;
  ttsErr: number | null;
  pass: boolean;
}

const outcomes: Outcome[] = [];
const relErr = (est: number, truth: number): number => Math.abs(est - truth) / truth;

for (const [i, sc] of SCENARIOS.entries()) {
  const capacity = (sc.workers * sc.replicas) / sc.serviceS;
  const l0 = sc.fromLoad * capacity;
  const growth = ((sc.toLoad - sc.fromLoad) * capacity) / sc.observeS;
  // Bursts: a random factor per minute on top of the mean ramp (mean 1).
  const rand = seededRandom(seed * 1000 + i + 17);
  const factors = Array.from({ length: Math.ceil(sc.observeS / BUCKET_S) }, () => Math.max(0.2, 1 + sc.burst * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())));
  const meanRate = (t: number): number => l0 + growth * t;
  const rate = (t: number): number => meanRate(t) * (factors[Math.floor(t / BUCKET_S)] ?? 1);
  const started = performance.now();
  const buckets = simulateQueue({
    workers: sc.workers,
    replicas: sc.replicas,
    serviceS: sc.serviceS,
    service: sc.service,
    arrivalRate: rate,
    maxArrivalRate: meanRate(sc.observeS) * Math.max(...factors),
    durationS: sc.observeS,
    bucketS: BUCKET_S,
    cpuBaseline: CPU_BASELINE,
    seed: seed * 7919 + i,
  });
  const simMs = performance.now() - started;

  for (const mode of ['cpu', 'latency-only'] as const) {
    const truthSat = mode === 'cpu' ? (CEILING - CPU_BASELINE) * capacity : CEILING * capacity;
    const truthTts = (truthSat - meanRate(sc.observeS)) / growth;
    const samples = buckets.map((b) => ({ t: b.t, rps: b.rps, latencyMs: b.latencyMs, cpu: mode === 'cpu' ? b.cpu : null }));
    const t0 = performance.now();
    const plan = planCapacity({ service: sc.name, stepS: BUCKET_S, samples, replicas: sc.replicas }, { horizonS, utilizationCeiling: CEILING, nowS: sc.observeS, forecaster });
    const fitMs = performance.now() - t0;
    if (isCapacityGap(plan)) {
      outcomes.push({ scenario: sc.name, mode, estimated: false, satErr: null, ttsErr: null, pass: false });
      console.log(`${sc.name.padEnd(22)} ${mode.padEnd(12)} no estimate: ${plan.missing.join('; ')}`);
      continue;
    }
    const satErr = relErr(plan.saturationRps, truthSat);
    const ttsErr = plan.timeToSaturationS === null ? null : relErr(plan.timeToSaturationS, truthTts);
    const pass = satErr <= 0.15 && ttsErr !== null && ttsErr <= 0.2;
    outcomes.push({ scenario: sc.name, mode, estimated: true, satErr, ttsErr, pass });
    console.log(
      `${sc.name.padEnd(22)} ${mode.padEnd(12)} sat ${plan.saturationRps.toFixed(1)} (truth ${truthSat.toFixed(1)}, err ${(satErr * 100).toFixed(1)}%)` +
        ` tts ${plan.timeToSaturationS === null ? 'null' : plan.timeToSaturationS.toFixed(0)}s (truth ${truthTts.toFixed(0)}s, err ${ttsErr === null ? '-' : (ttsErr * 100).toFixed(1) + '%'})` +
        ` replicas ${plan.replicasNow}->${plan.replicasNeeded} conf ${plan.confidence.toFixed(2)} ${plan.method} ${pass ? 'PASS' : 'FAIL'}` +
        ` [sim ${simMs.toFixed(0)} ms, plan ${fitMs.toFixed(0)} ms]`,
    );
  }
}

const summary = (mode: Outcome['mode']) => {
  const rows = outcomes.filter((o) => o.mode === mode);
  const est = rows.filter((o) => o.estimated);
  const mean = (xs: number[]): number | null => (xs.length ? Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(4)) : null);
  return {
    scenarios: rows.length,
    estimated: est.length,
    pass_rate: Number((rows.filter((o) => o.pass).length / rows.length).toFixed(4)),
    sat_within_15pct: Number((est.filter((o) => (o.satErr ?? 1) <= 0.15).length / rows.length).toFixed(4)),
    tts_within_20pct: Number((est.filter((o) => o.ttsErr !== null && o.ttsErr <= 0.2).length / rows.length).toFixed(4)),
    mean_sat_err: mean(est.map((o) => o.satErr ?? 0)),
    mean_tts_err: mean(est.flatMap((o) => (o.ttsErr === null ? [] : [o.ttsErr]))),
  };
};

const e2e = args['skip-e2e'] ? null : await endToEnd();

console.log(JSON.stringify({ eval: 'capacity', seed, horizon_s: horizonS, forecaster: args.forecaster, cpu: summary('cpu'), latency_only: summary('latency-only'), end_to_end: e2e }));

/**
 * M/M/2 per replica, 2 replicas, s = 200 ms (capacity 20 rps), arrivals
 * 4 → 12 rps over 2 hours (about 58k spans), through a real PPO.
 */
async function endToEnd(): Promise<{ sat_err: number; tts_err: number | null; pass: boolean; method: string; spans: number } | { error: string }> {
  const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z: a fixed past window (retention 0 keeps it)
  const observeS = 7200;
  const sc = { workers: 2, replicas: 2, serviceS: 0.2 };
  const capacity = (sc.workers * sc.replicas) / sc.serviceS;
  const l0 = 0.2 * capacity;
  const growth = (0.4 * capacity) / observeS;
  const spans: { start: number; latency: number; replica: number }[] = [];
  const buckets = simulateQueue({
    ...sc,
    service: 'exponential',
    arrivalRate: (t) => l0 + growth * t,
    maxArrivalRate: l0 + growth * observeS,
    durationS: observeS,
    bucketS: BUCKET_S,
    cpuBaseline: CPU_BASELINE,
    seed: seed * 31 + 5,
    onRequest: (start, latency, replica) => spans.push({ start, latency, replica }),
  });
  // Per-replica CPU: the simulation reports the fleet mean; both replicas get it (random balancing keeps them close).
  const dataDir = await mkdtemp(join(tmpdir(), 'ppo-eval-capacity-'));
  const ppo = await startPpoProcess({ repoRoot: process.cwd(), dataDir, logLevel: 'warn', nodeFlags: [] });
  try {
    const otlp = `http://127.0.0.1:${ppo.ports.http}`;
    const post = async (path: string, body: unknown): Promise<void> => {
      const res = await fetch(`${otlp}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    const kv = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
    const nanos = (s: number): string => (BigInt(Math.round((T0 + s) * 1e6)) * 1000n).toString();
    const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
    const BATCH = 4000;
    for (let from = 0; from < spans.length; from += BATCH) {
      const batch = spans.slice(from, from + BATCH);
      await post('/v1/traces', {
        resourceSpans: [0, 1].map((replica) => ({
          resource: { attributes: kv({ 'service.name': 'sim-checkout', 'service.instance.id': `sim-${replica}` }) },
          scopeSpans: [
            {
              scope: { name: 'eval-capacity' },
              spans: batch.flatMap((sp, i) =>
                sp.replica !== replica
                  ? []
                  : [{ traceId: hex(from + i + 1, 32), spanId: hex(from + i + 1, 16), name: 'POST /checkout', kind: 2, startTimeUnixNano: nanos(sp.start), endTimeUnixNano: nanos(sp.start + sp.latency) }],
              ),
            },
          ],
        })),
      });
    }
    await post('/v1/metrics', {
      resourceMetrics: [0, 1].map((replica) => ({
        resource: { attributes: kv({ 'service.name': 'sim-checkout', 'service.instance.id': `sim-${replica}` }) },
        scopeMetrics: [
          {
            scope: { name: 'eval-capacity' },
            metrics: [{ name: 'process.cpu.utilization', unit: '1', gauge: { dataPoints: buckets.map((b) => ({ timeUnixNano: nanos(b.t + 30), asDouble: b.cpu })) } }],
          },
        ],
      })),
    });
    // Wait until every span is stored (the collector acknowledges before it inserts).
    const api = `http://127.0.0.1:${ppo.ports.api}/api/ppo`;
    const range = `from=${new Date(T0 * 1000).toISOString()}&to=${new Date((T0 + observeS) * 1000).toISOString()}`;
    for (let i = 0; ; i++) {
      const res = await fetch(`${api}/services?${range}`);
      const body = (await res.json()) as { services?: { name: string; spans: number }[] };
      if (body.services?.find((x) => x.name === 'sim-checkout')?.spans === spans.length) break;
      if (i > 600) throw new Error('spans did not all arrive within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // ...and the metrics too: every acknowledged row is in ClickHouse once the spool backlog is empty.
    for (let i = 0; ; i++) {
      const text = await (await fetch(`http://127.0.0.1:${ppo.ports.api}/metrics`)).text();
      if (/^ppo_spool_backlog_rows 0$/m.test(text)) break;
      if (i > 600) throw new Error('the spool backlog did not drain within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${api}/capacity-planning?service=sim-checkout&horizon=${horizonS}&${range}`);
    const body = (await res.json()) as { services?: { saturation_rps: number; time_to_saturation_s: number | null; method: string; replicas_now: number; replicas_needed: number; confidence: number }[]; detail?: string };
    const plan = body.services?.[0];
    if (!res.ok || !plan) throw new Error(`capacity-planning ${res.status}: ${body.detail ?? JSON.stringify(body)}`);
    const truthSat = (CEILING - CPU_BASELINE) * capacity;
    const truthTts = (truthSat - (l0 + growth * observeS)) / growth;
    const satErr = relErr(plan.saturation_rps, truthSat);
    const ttsErr = plan.time_to_saturation_s === null ? null : relErr(plan.time_to_saturation_s, truthTts);
    const pass = satErr <= 0.15 && ttsErr !== null && ttsErr <= 0.2;
    console.log(
      `${'e2e-mm2x2-200ms'.padEnd(22)} ${'ppo'.padEnd(12)} sat ${plan.saturation_rps.toFixed(1)} (truth ${truthSat.toFixed(1)}, err ${(satErr * 100).toFixed(1)}%)` +
        ` tts ${plan.time_to_saturation_s ?? 'null'}s (truth ${truthTts.toFixed(0)}s, err ${ttsErr === null ? '-' : (ttsErr * 100).toFixed(1) + '%'})` +
        ` replicas ${plan.replicas_now}->${plan.replicas_needed} conf ${plan.confidence.toFixed(2)} ${plan.method} ${pass ? 'PASS' : 'FAIL'} [${spans.length} spans via OTLP/HTTP]`,
    );
    return { sat_err: Number(satErr.toFixed(4)), tts_err: ttsErr === null ? null : Number(ttsErr.toFixed(4)), pass, method: plan.method, spans: spans.length };
  } catch (err) {
    console.log(`e2e failed: ${(err as Error).message}\n${ppo.tail().slice(-5).join('\n')}`);
    return { error: (err as Error).message };
  } finally {
    await ppo.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
