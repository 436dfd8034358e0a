// `npm run bench:ingest [-- --seconds 20 --clients 8 --spans-per-request 1000 --profile]`
//
// How fast PPO ingests spans over OTLP/gRPC, against the fastest way to put the
// same rows into chDB. PPO runs as its own process (as in production); the load
// generator only replays pre-encoded requests, so the figure measures PPO, not
// the encoder sharing its cores. Progress goes to stderr; the last stdout line
// is one JSON object.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ChdbConnection } from 'chdb/connection';
import { formatSummary, newestProfile, summarizeProfile, type ProfileSummary } from './lib/cpuprofile-top.ts';
import { runGrpcLoad, type LoadResult } from './lib/grpc-load.ts';
import { startPpoProcess, type InsertLogEntry } from './lib/ppo-process.ts';
import { cpuDeltaByGroup, readMachineBusySeconds, readProcessCpuSeconds, readThreadCpu, RssSampler, waitForIdleCpus, type ThreadCpu } from './lib/proc-stats.ts';
import { countLines, createCopyTable, exportNativeChunks, exportTsv, queryRows, queryText, splitTsv, timeRawInserts, waitForMerges, type RawInsertResult, type RawVia } from './lib/raw-insert.ts';
import { RequestPool } from './lib/request-pool.ts';
import { numberOption } from './lib/cli-args.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    clients: { type: 'string', default: '8' },
    'spans-per-request': { type: 'string', default: '1000' },
    requests: { type: 'string', default: '200' },
    seed: { type: 'string', default: '42' },
    'raw-seconds': { type: 'string', default: '10' },
    'raw-source-rows': { type: 'string', default: '200000' },
    'raw-chunk-rows': { type: 'string', default: '0' },
    'raw-big-chunk-rows': { type: 'string', default: '50000' },
    'skip-optimize': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'profile-dir': { type: 'string', default: '/tmp/ppo-prof' },
    'ppo-log-level': { type: 'string', default: 'debug' },
    'keep-data': { type: 'boolean', default: false },
    'idle-wait': { type: 'string', default: '120' },
    'ppo-node-flags': { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  console.log(`usage: npm run bench:ingest -- [options]
  --seconds N             measured window (default 20), after --warmup N seconds (default 3)
  --clients N             concurrent OTLP/gRPC clients, one connection each (default 8)
  --spans-per-request N   spans per pre-encoded request (default 1000)
  --requests N            pre-encoded requests in the pool (default 200)
  --raw-seconds N         duration of each raw-insert baseline run (default 10)
  --raw-chunk-rows N      rows per raw insert (default: PPO's average batch size)
  --raw-big-chunk-rows N  also time raw inserts of this many rows (default 50000)
  --profile               run PPO with --cpu-prof and print its top functions
  --profile-dir DIR       where the .cpuprofile goes (default /tmp/ppo-prof)
  --ppo-log-level L       PPO_LOG_LEVEL (default debug: one line per insert, for batch sizes)
  --skip-optimize         do not measure bytes/span after OPTIMIZE FINAL
  --keep-data             keep the temporary data dir
  --ppo-node-flags=F      extra node flags for PPO, e.g. --ppo-node-flags="--max-semi-space-size=64"
  --idle-wait N           wait up to N s for other processes to leave the CPUs idle first (default 120)`);
  process.exit(0);
}

const num = (name: string, min: number): number => numberOption(args, name, min);

const opts = {
  seconds: num('seconds', 1),
  warmup: num('warmup', 0),
  clients: num('clients', 1),
  spansPerRequest: num('spans-per-request', 1),
  requests: num('requests', 1),
  seed: num('seed', 0),
  rawSeconds: num('raw-seconds', 1),
  rawSourceRows: num('raw-source-rows', 1000),
  rawChunkRows: num('raw-chunk-rows', 0),
  rawBigChunkRows: num('raw-big-chunk-rows', 1000),
  idleWait: num('idle-wait', 0),
};

const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};
const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

// ---------------------------------------------------------------- requests
const poolSize = Math.max(opts.requests, opts.clients * 4);
log(`encoding ${poolSize} requests of ~${opts.spansPerRequest} spans with @opentelemetry/otlp-transformer ...`);
const pool = RequestPool.build({
  requests: poolSize,
  spansPerRequest: opts.spansPerRequest,
  seed: opts.seed,
  simulatedSpansPerSecond: 50_000,
  onProgress: (n) => {
    if (n % 50 === 0) log(`  ${n}/${poolSize} encoded`);
  },
});
const ps = pool.stats;
log(
  `pool: ${ps.requests} requests, ${fmt(ps.spans)} spans in ${fmt(ps.traces)} traces, ${(ps.bytes / ps.spans).toFixed(0)} B/span encoded, ` +
    `${ps.attributesPerSpan.toFixed(1)} attributes/span, ${ps.resourcesPerRequest.toFixed(1)} resources/request, ` +
    `${(ps.errorSpanShare * 100).toFixed(1)}% error spans, built in ${(ps.buildMs / 1000).toFixed(1)} s`,
);

// ---------------------------------------------------------------- PPO
await waitForIdleCpus(opts.idleWait, log);
const dataDir = mkdtempSync(join(tmpdir(), 'ppo-bench-'));
const nodeFlags: string[] = args['ppo-node-flags'].split(/\s+/).filter((f) => f.length > 0);
if (args.profile) {
  mkdirSync(args['profile-dir'], { recursive: true });
  for (const f of readdirSync(args['profile-dir'])) if (f.endsWith('.cpuprofile')) rmSync(join(args['profile-dir'], f));
  nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${args['profile-dir']}`);
}
log(`starting PPO (data dir ${dataDir}${nodeFlags.length > 0 ? `, node ${nodeFlags.join(' ')}` : ''}) ...`);
const ppo = await startPpoProcess({
  repoRoot: REPO_ROOT,
  dataDir,
  logLevel: args['ppo-log-level'],
  nodeFlags,
  onLogLine: (line) => process.stderr.write(`[ppo] ${line}\n`),
});
log(`PPO pid ${ppo.pid} healthy: OTLP gRPC :${ppo.ports.grpc}`);
const rss = new RssSampler(ppo.pid);
rss.start();

let threadsAtStart = new Map<number, ThreadCpu>();
let threadsAtEnd = new Map<number, ThreadCpu>();
let ppoCpuStart = 0;
let ppoCpuEnd = 0;
let benchCpuStart = process.cpuUsage();
let benchCpu = { user: 0, system: 0 };
let machineStart = 0;
let machineEnd = 0;
let windowStartAt = 0;
let windowEndAt = 0;

log(`load: ${opts.clients} clients, ${opts.warmup} s warm-up, ${opts.seconds} s measured`);
const loadStartedAt = performance.now();
let load: LoadResult;
try {
  load = await runGrpcLoad({
    target: `127.0.0.1:${ppo.ports.grpc}`,
    clients: opts.clients,
    pool,
    warmupMs: opts.warmup * 1000,
    measureMs: opts.seconds * 1000,
    onProgress: (p) => {
      const rssMiB = rss.lastRssKiB / 1024;
      if (p.phase === 'warmup') log(`  warm-up ${p.elapsedS.toFixed(0)} s, rss ${rssMiB.toFixed(0)} MiB`);
      else log(`  ${p.elapsedS.toFixed(0)} s: ${fmt(p.spansAckedInWindow)} spans acked, ${fmt(p.spansPerS)} spans/s, ${p.retries} retries, ${p.errors} errors, rss ${rssMiB.toFixed(0)} MiB`);
    },
    onWindow: (edge) => {
      if (edge === 'start') {
        windowStartAt = performance.now();
        threadsAtStart = readThreadCpu(ppo.pid);
        ppoCpuStart = readProcessCpuSeconds(ppo.pid) ?? 0;
        benchCpuStart = process.cpuUsage();
        machineStart = readMachineBusySeconds();
      } else {
        windowEndAt = performance.now();
        threadsAtEnd = readThreadCpu(ppo.pid);
        ppoCpuEnd = readProcessCpuSeconds(ppo.pid) ?? 0;
        benchCpu = process.cpuUsage(benchCpuStart);
        machineEnd = readMachineBusySeconds();
      }
    },
  });
} catch (err) {
  await ppo.stop(10_000);
  throw err;
}
rss.sample();
const stopStarted = performance.now();
const exitCode = await ppo.stop();
const stopMs = performance.now() - stopStarted;
rss.stop();
log(`PPO stopped (exit code ${exitCode}) in ${(stopMs / 1000).toFixed(1)} s`);

const windowS = (windowEndAt - windowStartAt) / 1000 || opts.seconds;
// PPO acknowledges once rows are in its spool, so the acknowledged rate can
// outrun ClickHouse while the spool fills. The figure that counts is end to
// end: every acknowledged span, over the time until the last of them was in
// ClickHouse (the stop drains the whole backlog: PPO_SHUTDOWN_GRACE_MS is raised).
const ackedSpansPerS = load.spansAckedInWindow / load.windowS;
const endToEndS = (stopStarted - loadStartedAt + stopMs) / 1000;
const spansPerS = load.spansAckedTotal / endToEndS;
const threadGroups = cpuDeltaByGroup(ppo.pid, threadsAtStart, threadsAtEnd);
const ppoCores = (ppoCpuEnd - ppoCpuStart) / windowS;
const benchCores = (benchCpu.user + benchCpu.system) / 1e6 / windowS;
// Whatever else ran on the machine during the window (the figures are only
// meaningful when this is near zero: PPO and the load generator share 2 cores).
const otherCores = Math.max(0, (machineEnd - machineStart) / windowS - ppoCores - benchCores);
const windowInserts: InsertLogEntry[] = ppo.inserts.filter((e) => e.table === 'otel_traces' && e.at >= windowStartAt && e.at <= windowEndAt);
const avgBatchRows = windowInserts.length > 0 ? windowInserts.reduce((s, e) => s + e.rows, 0) / windowInserts.length : 0;
const avgInsertMs = windowInserts.length > 0 ? windowInserts.reduce((s, e) => s + e.ms, 0) / windowInserts.length : 0;
const insertBusyShare = windowInserts.reduce((s, e) => s + e.ms, 0) / (windowS * 1000);

// ---------------------------------------------------------------- disk + raw baseline
// Only now does this process open a chDB data dir: PPO's, after PPO exited.
const { createChdbConnection } = await import('chdb/connection');
const conn: ChdbConnection = createChdbConnection({ path: dataDir });

interface PartsRow {
  parts: string;
  rows: string;
  bytes_on_disk: string;
  uncompressed: string;
}
const partsOf = async (table: string): Promise<{ parts: number; rows: number; bytes: number; uncompressed: number }> => {
  const [r] = await queryRows<PartsRow>(
    conn,
    `SELECT count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS bytes_on_disk, sum(data_uncompressed_bytes) AS uncompressed
     FROM system.parts WHERE database = currentDatabase() AND table = '${table}' AND active`,
  );
  return { parts: Number(r?.parts ?? 0), rows: Number(r?.rows ?? 0), bytes: Number(r?.bytes_on_disk ?? 0), uncompressed: Number(r?.uncompressed ?? 0) };
};

const parts = await partsOf('otel_traces');
const lookupParts = await partsOf('otel_traces_trace_id_ts');
const bytesPerSpan = parts.rows > 0 ? parts.bytes / parts.rows : 0;
const [counts] = await queryRows<{ n: string; distinct_spans: string }>(conn, 'SELECT count() AS n, uniqExact(TraceId, SpanId) AS distinct_spans FROM otel_traces');
const rowsInTable = Number(counts?.n ?? 0);
const distinctSpans = Number(counts?.distinct_spans ?? 0);
const warnings: string[] = [];
if (rowsInTable !== load.spansAckedTotal) {
  warnings.push(`otel_traces has ${fmt(rowsInTable)} rows but ${fmt(load.spansAckedTotal)} spans were acknowledged (${fmt(rowsInTable - load.spansAckedTotal)} difference)`);
}
if (distinctSpans !== rowsInTable) warnings.push(`otel_traces has ${fmt(rowsInTable - distinctSpans)} duplicate (TraceId, SpanId) rows`);
if (load.errors > 0) warnings.push(`${load.errors} requests failed with non-retryable errors: ${load.errorSamples.join(' | ')}`);
if (load.spansRejected > 0) warnings.push(`${fmt(load.spansRejected)} spans rejected via partial_success`);
if (exitCode !== 0) warnings.push(`PPO exited with code ${String(exitCode)}`);
const early = ppo.earlyExit;
if (early) {
  const why = early.lines.filter((l) => /shutting down|signal|fatal|error/i.test(l)).slice(-3).join(' | ');
  warnings.push(
    `PPO exited on its own (code ${String(early.code)}, signal ${String(early.signal)}) ${((early.atMs - windowStartAt) / 1000).toFixed(1)} s into the window, before the benchmark stopped it: ${why || early.lines.slice(-3).join(' | ')}`,
  );
}
if (otherCores > 0.2) warnings.push(`other processes used ${otherCores.toFixed(2)} cores during the window: figures are depressed by contention`);
for (const w of warnings) log(`WARNING: ${w}`);

const columns = await queryRows<{ name: string; compressed: string; uncompressed: string }>(
  conn,
  `SELECT name, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed
   FROM system.columns WHERE database = currentDatabase() AND table = 'otel_traces'
   GROUP BY name ORDER BY sum(data_compressed_bytes) DESC LIMIT 8`,
);

let afterMerge: { parts: number; bytesPerSpan: number } | undefined;
if (!args['skip-optimize'] && parts.rows > 0) {
  const t = performance.now();
  await queryText(conn, 'OPTIMIZE TABLE otel_traces FINAL');
  const p = await partsOf('otel_traces');
  afterMerge = { parts: p.parts, bytesPerSpan: p.rows > 0 ? p.bytes / p.rows : 0 };
  log(`OPTIMIZE FINAL: ${p.parts} parts, ${afterMerge.bytesPerSpan.toFixed(1)} B/span (${((performance.now() - t) / 1000).toFixed(1)} s)`);
}

// The baseline: the same rows (read back from PPO's table) inserted as TSV
// through chDB's raw passthrough insert and as a file the engine reads, and
// as Native blocks in such a file, at PPO's own batch size and at a large
// one, one and two inserts at a time; the fastest is "the limit".
const sameChunkRows = Math.round(opts.rawChunkRows > 0 ? opts.rawChunkRows : Math.min(100_000, Math.max(1000, avgBatchRows || 20_000)));
const chunkSizes = sameChunkRows < 0.8 * opts.rawBigChunkRows ? [sameChunkRows, opts.rawBigChunkRows] : [sameChunkRows];
const sourceRows = Math.min(rowsInTable, Math.max(opts.rawSourceRows, 2 * Math.max(...chunkSizes)));
interface RawPhase extends RawInsertResult {
  table: string;
  chunkRows: number;
  via: RawVia;
  /** CPU cores this process (chDB) used while inserting. */
  cores: number;
}
const rawPlain: RawPhase[] = [];
const rawViews: RawPhase[] = [];
let viewCopies = 0;
if (sourceRows > 0) {
  log(`raw baseline: exporting ${fmt(sourceRows)} rows of otel_traces as TSV and as Native blocks ...`);
  const tsv = await exportTsv(conn, 'otel_traces', sourceRows);
  log(`  ${(tsv.length / 1024 / 1024).toFixed(0)} MiB, ${(tsv.length / sourceRows).toFixed(0)} B/row`);
  const chunked = new Map<string, { chunks: Buffer[]; rows: number[] }>();
  for (const size of chunkSizes) {
    let chunks = splitTsv(tsv, size);
    let rows = chunks.map(countLines);
    // Drop a short tail chunk: it would make the rotation unrepresentative.
    if (chunks.length > 1 && (rows.at(-1) ?? 0) < size) {
      chunks = chunks.slice(0, -1);
      rows = rows.slice(0, -1);
    }
    chunked.set(`tsv ${size}`, { chunks, rows });
    const native = await exportNativeChunks(conn, 'otel_traces', size, chunks.length);
    chunked.set(`native ${size}`, { chunks: native, rows });
  }
  await createCopyTable(conn, 'otel_traces', 'bench_raw', false);
  viewCopies = (await createCopyTable(conn, 'otel_traces', 'bench_raw_v', true)).length;
  const runPhase = async (table: string, size: number, concurrency: number, via: RawVia): Promise<RawPhase> => {
    const c = chunked.get(`${via === 'native' ? 'native' : 'tsv'} ${size}`);
    if (!c) throw new Error(`no chunks of ${size} rows`);
    await waitForMerges(conn);
    const machine0 = readMachineBusySeconds();
    const own0 = process.cpuUsage();
    const r = await timeRawInserts(conn, {
      table,
      chunks: c.chunks,
      chunkRowCounts: c.rows,
      concurrency,
      maxSeconds: opts.rawSeconds,
      minSeconds: Math.min(3, opts.rawSeconds),
      targetRows: load.spansAckedInWindow,
      via,
      stagingDir: dataDir,
    });
    const own = process.cpuUsage(own0);
    const ownCores = (own.user + own.system) / 1e6 / r.seconds;
    const otherCores = Math.max(0, (readMachineBusySeconds() - machine0) / r.seconds - ownCores);
    log(
      `  ${via === 'rawInsert' ? 'rawInsert' : via === 'file' ? 'file() TSV' : 'file() Native'} into ${table}, ${fmt(size)} rows/insert, ${concurrency} at a time: ${fmt(r.rowsPerS)} rows/s ` +
        `(${fmt(r.rows)} rows, ${r.inserts} inserts, ${r.avgInsertMs.toFixed(0)} ms each; chDB ${ownCores.toFixed(2)} cores, other processes ${otherCores.toFixed(2)})`,
    );
    if (otherCores > 0.2) warnings.push(`other processes used ${otherCores.toFixed(2)} cores during the raw insert into ${table} (${fmt(size)} x${concurrency} via ${via})`);
    return { ...r, table, chunkRows: size, via, cores: ownCores };
  };
  for (const via of ['rawInsert', 'file', 'native'] as const) for (const size of chunkSizes) for (const concurrency of [1, 2]) rawPlain.push(await runPhase('bench_raw', size, concurrency, via));
  const fastest = rawPlain.reduce((b, r) => (r.rowsPerS > b.rowsPerS ? r : b));
  rawViews.push(await runPhase('bench_raw_v', fastest.chunkRows, fastest.concurrency, fastest.via));
}
await conn.close();
if (!args['keep-data']) rmSync(dataDir, { recursive: true, force: true });
else log(`data kept in ${dataDir}`);

const best = (rs: readonly RawPhase[]): RawPhase | undefined => rs.reduce<RawPhase | undefined>((b, r) => (!b || r.rowsPerS > b.rowsPerS ? r : b), undefined);
const rawBest = best(rawPlain);
const rawSameBatch = best(rawPlain.filter((r) => r.chunkRows === sameChunkRows));
const rawBigBatch = best(rawPlain.filter((r) => r.chunkRows === opts.rawBigChunkRows));
const rawViewsBest = best(rawViews);
const rawRowsPerS = rawBest?.rowsPerS ?? 0;

// ---------------------------------------------------------------- profile
let profile: ProfileSummary | undefined;
if (args.profile) {
  const file = newestProfile(args['profile-dir']);
  if (file) profile = summarizeProfile(file, 25);
  else warnings.push(`no .cpuprofile was written to ${args['profile-dir']}`);
}

// ---------------------------------------------------------------- report
const out: string[] = [];
out.push('');
out.push('PPO ingest benchmark (OTLP/gRPC traces -> otel_traces)');
out.push(`  load           ${opts.clients} clients x 1 request in flight, ${load.requestsAckedInWindow} requests (${(load.spansAckedInWindow / Math.max(1, load.requestsAckedInWindow)).toFixed(0)} spans each) acked in ${load.windowS} s, latency p50 ${load.latencyMs.p50.toFixed(0)} ms / p99 ${load.latencyMs.p99.toFixed(0)} ms, ${load.retries} UNAVAILABLE retries, pool wrapped ${load.poolGenerations}x`);
out.push(`  PPO            ${fmt(spansPerS)} spans/s end to end (acknowledged into the spool at ${fmt(ackedSpansPerS)} spans/s in the window; all ${fmt(load.spansAckedTotal)} in ClickHouse after ${endToEndS.toFixed(1)} s), RSS max ${rss.maxMiB.toFixed(0)} MiB, ${ppoCores.toFixed(2)} cores; load generator ${benchCores.toFixed(2)} cores, other processes ${otherCores.toFixed(2)} cores (machine has 2)`);
out.push(`  PPO threads    ${[...threadGroups].map(([g, s]) => `${g} ${(s / windowS).toFixed(2)}`).join(', ')} (cores)`);
out.push(`  PPO inserts    ${windowInserts.length} into otel_traces in the window, avg ${fmt(avgBatchRows)} rows, ${avgInsertMs.toFixed(0)} ms each, an insert in flight ${(insertBusyShare * 100).toFixed(0)}% of the time; shutdown flush ${(stopMs / 1000).toFixed(1)} s`);
out.push(`  disk           ${fmt(parts.rows)} rows in ${parts.parts} active parts, ${(parts.bytes / 1024 / 1024).toFixed(1)} MiB on disk = ${bytesPerSpan.toFixed(1)} B/span (uncompressed ${(parts.uncompressed / Math.max(1, parts.rows)).toFixed(0)} B/span)${afterMerge ? `; after OPTIMIZE FINAL ${afterMerge.bytesPerSpan.toFixed(1)} B/span in ${afterMerge.parts} parts` : ''}; + otel_traces_trace_id_ts ${(lookupParts.bytes / Math.max(1, parts.rows)).toFixed(1)} B/span`);
out.push(`  columns        ${columns.map((c) => `${c.name} ${(Number(c.compressed) / Math.max(1, parts.rows)).toFixed(1)}`).join(', ')} (B/span compressed)`);
const rawLine = (rs: readonly RawPhase[]): string => rs.map((r) => `${r.via} ${fmt(r.chunkRows)} rows x${r.concurrency} ${fmt(r.rowsPerS)}`).join(', ');
out.push(`  raw baseline   the same rows as TSV by rawInsert or file(), or as Native blocks by file() (rows/insert x concurrent inserts -> rows/s): ${rawLine(rawPlain)} into a bare copy of otel_traces; ${rawLine(rawViews)} into a copy with its ${viewCopies} materialized view(s)`);
out.push(`  ratio          ${(rawRowsPerS > 0 ? spansPerS / rawRowsPerS : 0).toFixed(3)} of the fastest raw insert${rawSameBatch ? `, ${(spansPerS / rawSameBatch.rowsPerS).toFixed(3)} of raw at PPO's batch size` : ''}${rawViewsBest ? `, ${(spansPerS / rawViewsBest.rowsPerS).toFixed(3)} of raw with views` : ''}`);
for (const w of warnings) out.push(`  WARNING        ${w}`);
if (profile) {
  out.push('');
  out.push(formatSummary(profile));
}
console.log(out.join('\n'));

const result = {
  spans_per_s: round(spansPerS),
  acked_spans_per_s: round(ackedSpansPerS),
  end_to_end_s: round(endToEndS, 1),
  raw_insert_rows_per_s: round(rawRowsPerS),
  ratio: round(rawRowsPerS > 0 ? spansPerS / rawRowsPerS : 0, 3),
  bytes_per_span_on_disk: round(bytesPerSpan, 1),
  rss_max_mib: round(rss.maxMiB, 1),
  rss_anon_max_mib: round(rss.maxAnonKiB / 1024, 1),
  rss_file_max_mib: round(rss.maxFileKiB / 1024, 1),
  clients: opts.clients,
  seconds: load.windowS,
  requests: load.requestsAckedInWindow,
  retries: load.retries,
  errors: load.errors,
  spans_acked: load.spansAckedInWindow,
  spans_acked_total: load.spansAckedTotal,
  rows_in_table: rowsInTable,
  avg_spans_per_request: round(load.spansAckedInWindow / Math.max(1, load.requestsAckedInWindow), 1),
  latency_p50_ms: round(load.latencyMs.p50, 1),
  latency_p99_ms: round(load.latencyMs.p99, 1),
  avg_batch_rows: round(avgBatchRows),
  insert_busy_share: round(insertBusyShare, 3),
  ppo_cpu_cores: round(ppoCores, 2),
  loadgen_cpu_cores: round(benchCores, 2),
  other_cpu_cores: round(otherCores, 2),
  raw_insert_best: rawBest ? `${rawBest.via} ${rawBest.chunkRows} rows x${rawBest.concurrency}` : null,
  raw_insert_same_batch_rows_per_s: round(rawSameBatch?.rowsPerS ?? 0),
  raw_insert_big_batch_rows_per_s: round(rawBigBatch?.rowsPerS ?? 0),
  raw_insert_with_views_rows_per_s: round(rawViewsBest?.rowsPerS ?? 0),
  ratio_vs_same_batch: round(rawSameBatch ? spansPerS / rawSameBatch.rowsPerS : 0, 3),
  ratio_vs_with_views: round(rawViewsBest ? spansPerS / rawViewsBest.rowsPerS : 0, 3),
  bytes_per_span_after_merge: afterMerge ? round(afterMerge.bytesPerSpan, 1) : null,
  warnings: warnings.length,
};
console.log(JSON.stringify(result));
