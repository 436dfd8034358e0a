// npm run eval:fleet — does PPO find what was broken?
//
// Starts PPO (its own process, every role) and the demo fleet exporting to it,
// lets baselines form, then injects each fault kind in turn at a random system
// where it applies, and asks PPO's analysis APIs (whichever exist: a 404 is
// reported as "not available", not a failure) whether the injected system (and,
// for pattern faults, the pattern) is ranked first. Then applies the fix (a
// deploy with a new service.version) and reads the learning loop's verdict if
// the recommendations API exists. One line per fault kind, then a final JSON line.
//
// Windows: root-cause gets the fault window [fault start, now) and, as its
// baseline, the healthy stretch right before the fault that starts after the
// previous fault was fixed (PPO's default baseline — up to 30 min before —
// would reach into earlier faults of this very run). The learning loop's
// before/after windows are sized to the fault window (PPO_OUTCOME_WINDOW), so
// "before the fix" is the faulty period and "after" is the fixed version.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { applicableTargets, FAULT_KINDS, faultRequestSchema, parseDuration, startFleet, type Fault, type FaultKind, type Fleet, type SystemName } from '@ppo/demo';
import { freePort } from '../lib/ppo-process.ts';
import { Random } from '../lib/random.ts';
import { PPO_NODE_ARGS, ppoProcessEnv } from '@ppo/server/launch';

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string', default: '3m' },
    'fault-duration': { type: 'string', default: '2m' },
    cooldown: { type: 'string', default: '45s' },
    'verdict-wait': { type: 'string', default: '120s' },
    kinds: { type: 'string', default: FAULT_KINDS.join(',') },
    seed: { type: 'string', default: '42' },
    'peak-rps': { type: 'string', default: '10' },
    day: { type: 'string', default: '10m' },
    'keep-data': { type: 'boolean', default: false },
  },
});

function durationArg(name: string): number {
  const v = parseDuration(String(args[name as keyof typeof args]));
  if (v === undefined) {
    console.error(`--${name} must be a duration such as 90s or 3m`);
    process.exit(2);
  }
  return v;
}
const baselineMs = durationArg('baseline');
const faultMs = durationArg('fault-duration');
const cooldownMs = durationArg('cooldown');
const verdictWaitMs = durationArg('verdict-wait');
const dayMs = durationArg('day');
const kinds = args.kinds.split(',').map((k) => k.trim()) as FaultKind[];
for (const k of kinds) {
  if (!(FAULT_KINDS as readonly string[]).includes(k)) {
    console.error(`--kinds: unknown fault kind "${k}" (${FAULT_KINDS.join(', ')})`);
    process.exit(2);
  }
}
const rng = new Random(Number(args.seed));
const peakRps = Number(args['peak-rps']);

/**
 * Recommendation kinds that fix each fault (the catalog of
 * analyzer/src/models/recommendations/types.ts). A latency fault (a plain
 * sleep) and a memory leak have no specific kind in the catalog: for them any
 * recommendation made in the injected system counts.
 */
const EXPECTED_RECOMMENDATION: Record<FaultKind, readonly string[]> = {
  latency: [],
  error_rate: ['fix-error-source'],
  cpu_burn: ['raise-cpu', 'scale-out'],
  memory_leak: [],
  n_plus_one: ['batch-n-plus-one', 'add-cache'],
  sequential: ['parallelize-calls'],
  slow_db: ['fix-slow-query'],
  pool_saturation: ['scale-out', 'raise-cpu'],
};
const VERDICTS = ['verified', 'partial', 'no-effect', 'regressed'] as const;

/** Pattern names PPO's bottleneck analysis uses for the fault kinds that are patterns. */
const EXPECTED_PATTERN: Partial<Record<FaultKind, string>> = {
  n_plus_one: 'n-plus-one',
  sequential: 'sequential-calls',
  slow_db: 'slow-db-statement',
};

type Availability = 'ok' | 'not available' | 'error';
interface ApiScore {
  status: Availability;
  /** 1-based rank of the injected system among the answers; null when absent. */
  rank: number | null;
  top: string | null;
  detail?: string;
}
interface RecommendationScore extends ApiScore {
  expectedKinds: readonly string[];
  /** The recommendation that matched (first of an expected kind for the injected system). */
  matched?: { id: string; kind: string; title: string };
  /** Kinds recommended for the injected system, in rank order. */
  targetKinds?: string[];
}
interface Verdict {
  status: Availability;
  verdict: string | null;
  detail?: string;
  outcome?: Record<string, unknown>;
}
interface KindResult {
  kind: FaultKind;
  target: SystemName;
  faultId: string;
  window: { from: string; to: string; baselineFrom: string; baselineTo: string };
  rootCause: ApiScore & { top3: boolean; candidates?: string[] };
  bottlenecks: ApiScore & { patternRank?: number | null; expectedPattern?: string };
  recommendations: RecommendationScore;
  fix: { newVersion: string } & Verdict;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');
const dataDir = await mkdtemp(join(tmpdir(), 'ppo-eval-fleet-'));
const ports = { grpc: await freePort(), http: await freePort(), api: await freePort() };
const apiBase = `http://127.0.0.1:${ports.api}/api/ppo`;
const ppo = spawn(process.execPath, [...PPO_NODE_ARGS], {
  cwd: repoRoot,
  env: {
    ...ppoProcessEnv(),
    PPO_DATA_DIR: dataDir,
    PPO_LISTEN_HOST: '127.0.0.1',
    PPO_OTLP_GRPC_PORT: String(ports.grpc),
    PPO_OTLP_HTTP_PORT: String(ports.http),
    PPO_API_PORT: String(ports.api),
    PPO_RETENTION_DAYS: '0',
    PPO_LOG_LEVEL: 'warn',
    // Compressed time: analysis rounds as often as PPO allows.
    PPO_ANALYZE_INTERVAL: process.env['PPO_ANALYZE_INTERVAL'] ?? '15s',
    // The learning loop compares equal windows before and after a deploy:
    // before = the fault window, after = the fixed version (PPO's minimum is 60 s).
    PPO_OUTCOME_WINDOW: `${Math.max(60, Math.round(faultMs / 1000))}s`,
    PPO_OUTCOME_MIN_WINDOW: '60s',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let fleet: Fleet | undefined;
const cleanup = async (): Promise<void> => {
  await fleet?.stop().catch(() => undefined);
  if (ppo.exitCode === null) {
    ppo.kill('SIGTERM');
    await new Promise((r) => ppo.once('exit', r));
  }
  if (!args['keep-data']) await rm(dataDir, { recursive: true, force: true });
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function waitHealthy(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${apiBase}/health`)).status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (ppo.exitCode !== null) throw new Error(`PPO exited with ${ppo.exitCode}`);
    if (Date.now() > deadline) throw new Error('PPO did not become healthy within 120 s');
    await sleep(500);
  }
}

async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${apiBase}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, json };
}

/** Ranks the first array of `{service}` objects found under one of `keys`. */
function rankIn(json: unknown, keys: string[], target: string): { rank: number | null; top: string | null; found: boolean } {
  if (typeof json !== 'object' || json === null) return { rank: null, top: null, found: false };
  for (const k of keys) {
    const list = (json as Record<string, unknown>)[k];
    if (!Array.isArray(list)) continue;
    const services = list.map((x) => (typeof x === 'object' && x !== null ? String((x as Record<string, unknown>)['service'] ?? '') : ''));
    const i = services.indexOf(target);
    return { rank: i >= 0 ? i + 1 : null, top: services[0] ?? null, found: true };
  }
  return { rank: null, top: null, found: false };
}

async function score(path: string, body: unknown, keys: string[], target: string): Promise<ApiScore & { json?: unknown }> {
  try {
    const r = await post(path, body);
    if (r.status === 404 || r.status === 405) return { status: 'not available', rank: null, top: null };
    if (r.status >= 400) return { status: 'error', rank: null, top: null, detail: `HTTP ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}` };
    const ranked = rankIn(r.json, keys, target);
    if (!ranked.found) return { status: 'error', rank: null, top: null, detail: `no ${keys.join('/')} array in the answer`, json: r.json };
    return { status: 'ok', rank: ranked.rank, top: ranked.top, json: r.json };
  } catch (err) {
    return { status: 'error', rank: null, top: null, detail: String(err) };
  }
}

/**
 * Scores optimize-performance: the rank (in the whole ranked answer) of the
 * first recommendation for the injected system of a kind that fixes the fault
 * (any kind when the catalog has none for it).
 */
function scoreRecommendations(r: ApiScore & { json?: unknown }, kind: FaultKind, target: string): RecommendationScore {
  const expectedKinds = EXPECTED_RECOMMENDATION[kind];
  const { json: _json, ...base } = r;
  if (r.status !== 'ok') return { ...base, expectedKinds };
  const list = ((r.json as { recommendations?: { id: string; service: string; kind: string; title: string }[] }).recommendations ?? []);
  const i = list.findIndex((x) => x.service === target && (expectedKinds.length === 0 || expectedKinds.includes(x.kind)));
  const hit = i >= 0 ? list[i] : undefined;
  return {
    status: 'ok',
    rank: i >= 0 ? i + 1 : null,
    top: list[0] ? `${list[0].service}:${list[0].kind}` : null,
    expectedKinds,
    ...(hit ? { matched: { id: hit.id, kind: hit.kind, title: hit.title } } : {}),
    targetKinds: list.filter((x) => x.service === target).map((x) => x.kind),
  };
}

/**
 * After the fix: runs the learning loop now (POST /optimize {jobs: [outcomes]})
 * until the matched recommendation carries a verdict — its `status` becomes
 * verified | partial | no-effect | regressed and `outcome.verdict` says the same —
 * or `waitMs` passes (the after window must first reach PPO_OUTCOME_MIN_WINDOW).
 */
async function verdictFor(recId: string, waitMs: number): Promise<Verdict> {
  const deadline = Date.now() + waitMs;
  let last = 'not measured yet';
  for (;;) {
    try {
      const run = await post('/optimize', { jobs: ['outcomes'] });
      if (run.status === 404) return { status: 'not available', verdict: null };
      const res = await fetch(`${apiBase}/recommendations/${recId}`);
      if (res.status === 404) return { status: 'error', verdict: null, detail: `recommendation ${recId} not stored` };
      if (!res.ok) return { status: 'error', verdict: null, detail: `HTTP ${res.status}` };
      const rec = (await res.json()) as { status: string; outcome?: Record<string, unknown> };
      if ((VERDICTS as readonly string[]).includes(rec.status)) {
        return { status: 'ok', verdict: rec.status, ...(rec.outcome ? { outcome: rec.outcome, detail: String(rec.outcome['reason'] ?? '') } : {}) };
      }
      last = `status ${rec.status}`;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) return { status: 'ok', verdict: null, detail: `${last} after ${Math.round(waitMs / 1000)} s` };
    await sleep(10_000);
  }
}

const results: KindResult[] = [];
const started = Date.now();
try {
  await waitHealthy();
  fleet = await startFleet({
    endpoint: `http://127.0.0.1:${ports.grpc}`,
    dataDir,
    load: { peakRps, dayMs, startPhase: 9 / 24 },
    metricIntervalMs: 5_000,
    log: pino({ level: 'warn' }),
  });
  console.log(`fleet of ${fleet.systems.length} systems exporting to PPO (${apiBase}); baseline ${baselineMs / 1000} s`);
  await sleep(baselineMs);
  const running = fleet.systems.map((s) => s.name);
  // The first baseline starts once every system has served a while (not at its cold start).
  let healthySince = new Date(Date.now() - Math.min(baselineMs, Math.max(30_000, baselineMs - 30_000))).toISOString();
  for (const kind of kinds) {
    const candidates = applicableTargets(kind, running);
    const target = rng.pick(candidates);
    const fault: Fault = fleet.faults.inject(faultRequestSchema.parse({ kind, target }));
    const from = fault.startedAt;
    await sleep(faultMs);
    const to = new Date().toISOString();
    const body = { from, to };
    const rootCause = await score('/root-cause', { ...body, baseline_from: healthySince, baseline_to: from }, ['candidates'], target);
    const bottlenecks = await score('/analyze-bottlenecks', body, ['bottlenecks'], target);
    const recommendations = scoreRecommendations(await score('/optimize-performance', body, ['recommendations'], target), kind, target);
    const expectedPattern = EXPECTED_PATTERN[kind];
    let patternRank: number | null | undefined;
    if (expectedPattern && bottlenecks.status === 'ok') {
      const patterns = ((bottlenecks.json as { patterns?: { kind: string; service: string }[] }).patterns ?? []);
      const i = patterns.findIndex((p) => p.kind === expectedPattern && p.service === target);
      patternRank = i >= 0 ? i + 1 : null;
    }
    const rcCandidates = rootCause.status === 'ok' ? ((rootCause.json as { candidates?: { service: string }[] }).candidates ?? []).slice(0, 5).map((c) => c.service) : undefined;
    const fixed = fleet.faults.fix(fault.id);
    const newVersion = fixed?.serviceVersion ?? '';
    await fleet.waitForDeploy(target, newVersion).catch(() => undefined);
    const baselineFrom = healthySince;
    // The next fault's baseline starts once the redeployed system has warmed up.
    const nextHealthySince = new Date(Date.now() + 20_000).toISOString();
    // The learning loop compares before/after the deploy: it measures once the after window is long enough.
    const verdict: Verdict =
      recommendations.status !== 'ok'
        ? { status: 'not available', verdict: null }
        : recommendations.matched && recommendations.expectedKinds.length > 0
          ? await verdictFor(recommendations.matched.id, verdictWaitMs)
          : recommendations.matched
            ? { status: 'ok', verdict: null, detail: `no ${kind} fix in the recommendation catalog: nothing to measure` }
          : { status: 'ok', verdict: null, detail: 'no matching recommendation to measure' };
    if (verdict.verdict === null) await sleep(Math.min(verdictWaitMs, 60_000)); // let the fixed system settle before the next fault's baseline
    healthySince = nextHealthySince;
    const strip = ({ json: _json, ...rest }: ApiScore & { json?: unknown }): ApiScore => rest;
    const result: KindResult = {
      kind,
      target,
      faultId: fault.id,
      window: { from, to, baselineFrom, baselineTo: from },
      rootCause: { ...strip(rootCause), top3: rootCause.rank !== null && rootCause.rank <= 3, ...(rcCandidates ? { candidates: rcCandidates } : {}) },
      bottlenecks: { ...strip(bottlenecks), ...(expectedPattern ? { expectedPattern, patternRank: patternRank ?? null } : {}) },
      recommendations,
      fix: { newVersion, ...verdict },
    };
    results.push(result);
    const fmt = (s: ApiScore): string => (s.status === 'ok' ? `rank ${s.rank ?? '-'} (top ${s.top ?? '-'})` : s.status);
    console.log(
      `${kind.padEnd(16)} at ${target.padEnd(5)} root-cause ${fmt(rootCause)}; bottlenecks ${fmt(bottlenecks)}${expectedPattern ? ` pattern ${patternRank ?? '-'}` : ''}; recommendations ${fmt(recommendations)}${recommendations.matched ? ` ${recommendations.matched.kind}` : ''} [${(recommendations.targetKinds ?? []).join(',')}]; fix -> ${newVersion} verdict ${verdict.verdict ?? verdict.status}${verdict.detail ? ` (${verdict.detail})` : ''}`,
    );
    await sleep(cooldownMs);
  }
} catch (err) {
  console.error(`eval failed: ${err instanceof Error ? err.stack : String(err)}`);
  await cleanup();
  process.exit(1);
}
const rss = fleet.rss();
await cleanup();

const firstRate = (pick: (r: KindResult) => ApiScore): { available: boolean; top1: number; of: number } => {
  const avail = results.filter((r) => pick(r).status === 'ok');
  return { available: avail.length > 0, top1: avail.filter((r) => pick(r).rank === 1).length, of: avail.length };
};
console.log(
  JSON.stringify({
    eval: 'fleet',
    seed: Number(args.seed),
    baselineMs,
    faultMs,
    durationS: Math.round((Date.now() - started) / 1000),
    fleetRssMiB: Math.round((rss.totalBytes - rss.supervisorBytes) / 2 ** 20),
    summary: {
      rootCause: { ...firstRate((r) => r.rootCause), top3: results.filter((r) => r.rootCause.top3).length },
      bottlenecks: firstRate((r) => r.bottlenecks),
      recommendations: { ...firstRate((r) => r.recommendations), found: results.filter((r) => r.recommendations.rank !== null).length },
      verdicts: Object.fromEntries(VERDICTS.map((v) => [v, results.filter((r) => r.fix.verdict === v).length])),
      patternsFound: results.filter((r) => r.bottlenecks.patternRank !== undefined && r.bottlenecks.patternRank !== null).length,
      patternFaults: results.filter((r) => r.bottlenecks.expectedPattern !== undefined).length,
    },
    results: Object.fromEntries(results.map((r) => [r.kind, r])),
  }),
);
