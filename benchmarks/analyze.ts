// `npm run bench:analyze [-- --spans 1000000 --seed 42]`
//
// How long aggregated bottleneck analysis takes over a window of ≥ 1 M
// realistic spans in embedded chDB, and whether the anti-patterns planted in
// them are found. Loads the spans straight as TSV (the collector's column
// list), waits for background merges to settle, then times the very function
// `POST /api/ppo/analyze-bottlenecks` calls, over the whole window with no
// entry-point filter. Progress goes to stderr; the last stdout line is one
// JSON object.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { analyzeBottlenecks, DEFAULT_MAX_TRACES, type AnalyzeBottlenecksResult } from '@ppo/analyzer';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import { generateChunk, PLANTED_PATTERNS } from './lib/analyze-traces.ts';
import { readMachineBusySeconds, readMemory, waitForIdleCpus } from './lib/proc-stats.ts';
import { Random } from './lib/random.ts';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '42' },
    'chunk-traces': { type: 'string', default: '2000' },
    'spacing-ms': { type: 'string', default: '150' },
    'max-traces': { type: 'string', default: String(DEFAULT_MAX_TRACES) },
    'merge-wait': { type: 'string', default: '60' },
    'idle-wait': { type: 'string', default: '120' },
    'keep-data': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  console.log(`usage: npm run bench:analyze -- [options]
  --spans N          spans to load, at least (default 1000000)
  --seed N           generator seed (default 42)
  --chunk-traces N   traces per TSV insert (default 2000)
  --spacing-ms N     time between trace starts (default 150: ~17k traces in ~43 min)
  --max-traces N     analysis sample cap (default ${DEFAULT_MAX_TRACES})
  --merge-wait S     wait up to S seconds for background merges before timing (default 60)
  --idle-wait S      wait up to S seconds for other processes to leave the CPUs idle (default 120)
  --keep-data        keep the temporary chDB data dir`);
  process.exit(0);
}

const log = (msg: string): void => {
  process.stderr.write(`[bench:analyze] ${msg}\n`);
};

const targetSpans = Number(args.spans);
const chunkTraces = Number(args['chunk-traces']);
const spacingNs = BigInt(Math.round(Number(args['spacing-ms']) * 1e6));
const maxTraces = Number(args['max-traces']);

async function scalar(storage: Storage, sql: string): Promise<number> {
  const rs = await storage.client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  const [row] = await rs.json<Record<string, number>>();
  return Number(Object.values(row ?? {})[0] ?? 0);
}


/** Resets the kernel's peak-RSS mark so VmHWM covers only what follows (Linux; ignored elsewhere). */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ppo-bench-analyze-'));
const storage = openStorage({ dataDir: dir });
let result: AnalyzeBottlenecksResult | undefined;
try {
  // No TTL: the window sits a few hours back and must not expire mid-run.
  await migrate(storage.client, { retentionDays: 0 });

  // ---- load ----
  const rnd = new Random(Number(args.seed));
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const startNs = ((nowNs - 3n * 3_600_000_000_000n) / 1_000_000_000n) * 1_000_000_000n;
  let spans = 0;
  let traces = 0;
  const planted = PLANTED_PATTERNS.map(() => 0);
  const loadStarted = performance.now();
  let insertMs = 0;
  while (spans < targetSpans) {
    const chunk = generateChunk(rnd, traces, chunkTraces, startNs, spacingNs);
    const t = performance.now();
    await storage.insertTsv('otel_traces', chunk.tsv, { columns: TABLE_COLUMNS.otel_traces });
    insertMs += performance.now() - t;
    spans += chunk.spans;
    traces += chunk.traces;
    chunk.planted.forEach((n, i) => (planted[i] = (planted[i] as number) + n));
    if ((traces / chunkTraces) % 2 === 0) log(`loaded ${spans.toLocaleString('en-US')} spans in ${traces} traces`);
  }
  const loadS = (performance.now() - loadStarted) / 1000;
  log(`loaded ${spans} spans (${traces} traces, ${(spans / traces).toFixed(1)} spans/trace) in ${loadS.toFixed(1)} s (${(insertMs / 1000).toFixed(1)} s inserting)`);
  PLANTED_PATTERNS.forEach((p, i) => log(`planted ${p.kind} at ${p.service} "${p.operation}" in ${planted[i]} traces`));

  const stored = await scalar(storage, 'SELECT count() FROM otel_traces');
  if (stored !== spans) throw new Error(`stored ${stored} spans, generated ${spans}`);

  // Time the analysis on settled parts, as it would run against a live table.
  const mergeDeadline = performance.now() + Number(args['merge-wait']) * 1000;
  while (performance.now() < mergeDeadline && (await scalar(storage, 'SELECT count() FROM system.merges')) > 0) await sleep(250);
  const parts = await scalar(storage, "SELECT count() FROM system.parts WHERE active AND table = 'otel_traces'");
  log(`${parts} active parts`);
  await waitForIdleCpus(Number(args['idle-wait']), log);
  log('analyzing');

  // ---- analyze ----
  const from = startNs;
  const to = startNs + BigInt(traces + 1) * spacingNs;
  const hwmReset = resetPeakRss();
  const rssBeforeKiB = readMemory(process.pid)?.rssKiB ?? 0;
  let rssMaxKiB = rssBeforeKiB;
  const sampler = setInterval(() => {
    rssMaxKiB = Math.max(rssMaxKiB, readMemory(process.pid)?.rssKiB ?? 0);
  }, 50);
  const cpuBefore = process.cpuUsage();
  const machineBefore = readMachineBusySeconds();
  const started = performance.now();
  result = await analyzeBottlenecks(storage.client, { from, to }, { maxTraces });
  const analyzeS = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  // What the rest of the machine took meanwhile: the 2 cores are shared.
  const otherCores = Math.max(0, readMachineBusySeconds() - machineBefore - (cpu.user + cpu.system) / 1e6) / analyzeS;
  const mem = readMemory(process.pid);
  rssMaxKiB = Math.max(rssMaxKiB, hwmReset ? (mem?.hwmKiB ?? 0) : 0, mem?.rssKiB ?? 0);

  // ---- report ----
  log(`analyzed ${result.tracesAnalyzed} of ${result.tracesTotal} traces (sampled: ${result.sampled}) in ${analyzeS.toFixed(2)} s, ` +
    `process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; p50 latency ${result.latencyP50Ms} ms`);
  log('top bottlenecks (est_saving_ms, critical_path_share, self p50/p95 ms, traces, pattern):');
  for (const b of result.bottlenecks.slice(0, 10)) {
    log(`  ${b.estSavingMs.toFixed(3).padStart(8)}  ${(b.criticalPathShare * 100).toFixed(1).padStart(5)} %  ` +
      `${b.selfTimeP50Ms.toFixed(2)}/${b.selfTimeP95Ms.toFixed(2)}  ${b.traces}  ${b.service} "${b.operation}"${b.pattern ? `  [${b.pattern}]` : ''}`);
  }
  const matches = (p: { kind: string; service: string; operation: string }) => (q: { kind: string; service: string; operation: string }) =>
    p.kind === q.kind && p.service === q.service && p.operation === q.operation;
  const found = PLANTED_PATTERNS.filter((p) => result?.patterns.some(matches(p)));
  const unplanted = result.patterns.filter((q) => !PLANTED_PATTERNS.some((p) => matches(p)(q)));
  log('patterns found:');
  for (const p of result.patterns) {
    const known = PLANTED_PATTERNS.some((k) => matches(k)(p));
    log(`  ${known ? 'planted  ' : 'UNPLANTED'} ${p.kind} at ${p.service} "${p.operation}" → ${p.target ?? ''}: ${p.traces} traces, ${p.wastedMsTotal} ms wasted`);
  }

  console.log(
    JSON.stringify({
      spans,
      traces,
      traces_analyzed: result.tracesAnalyzed,
      sampled: result.sampled,
      analyze_s: Math.round(analyzeS * 1000) / 1000,
      analyze_cpu_s: Math.round(((cpu.user + cpu.system) / 1e6) * 1000) / 1000,
      rss_max_mib: Math.round(rssMaxKiB / 1024),
      // Peak during the analysis; the process already held rss_before_mib (chDB, the load's heap).
      rss_before_mib: Math.round(rssBeforeKiB / 1024),
      other_cpu_cores: Math.round(otherCores * 100) / 100,
      planted_patterns_found: found.length,
      planted_patterns_total: PLANTED_PATTERNS.length,
      unplanted_patterns: unplanted.length,
      load_s: Math.round(loadS * 10) / 10,
    }),
  );
} finally {
  await storage.close();
  if (args['keep-data']) log(`data kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
