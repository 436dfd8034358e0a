// `npm run bench:overload [-- --seconds 60 --factor 2 --spool-max-mib 256]`
//
// What PPO does when offered more than it can store: first a short closed-loop
// probe finds the rate it sustains (spans/s reaching ClickHouse), then twice
// that rate is offered over OTLP/gRPC for --seconds, open loop, with
// pre-encoded requests. Refusals (UNAVAILABLE) are honoured as an OTel SDK
// does: resent after the server's RetryInfo delay / exponential back-off, at
// most --max-retries times. PPO runs as its own process with a spool cap the
// run reaches, so refusals happen. Afterwards PPO drains and stops, this
// process opens its data dir and counts exactly which acknowledged spans are
// missing and which are stored twice. Progress goes to stderr; the last
// stdout line is one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ChdbConnection } from 'chdb/connection';
import { OverloadClient } from './lib/overload-client.ts';
import { closedLoop, Ledger, openLoop, type DriverOptions } from './lib/overload-driver.ts';
import { PoolCatalog, tallyStored } from './lib/overload-verify.ts';
import { startPpoProcess } from './lib/ppo-process.ts';
import { readMachineBusySeconds, RssSampler, waitForIdleCpus } from './lib/proc-stats.ts';
import { RequestPool } from './lib/request-pool.ts';
import { numberOption } from './lib/cli-args.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    factor: { type: 'string', default: '2' },
    rate: { type: 'string', default: '0' },
    'probe-seconds': { type: 'string', default: '10' },
    channels: { type: 'string', default: '8' },
    'spans-per-request': { type: 'string', default: '512' },
    requests: { type: 'string', default: '600' },
    'max-outstanding': { type: 'string', default: '400' },
    'max-retries': { type: 'string', default: '5' },
    'spool-max-mib': { type: 'string', default: '256' },
    'drain-timeout': { type: 'string', default: '600' },
    seed: { type: 'string', default: '42' },
    'ppo-log-level': { type: 'string', default: 'info' },
    'idle-wait': { type: 'string', default: '60' },
    'keep-data': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  console.log(`usage: npm run bench:overload -- [options]
  --seconds N            overload window (default 60)
  --factor F             offered rate = F x the sustainable rate (default 2)
  --rate N               sustainable rate in spans/s: skip the probe
  --probe-seconds N      closed-loop probe length, after 2 s of warm-up (default 10)
  --channels N           OTLP/gRPC connections (default 8; the probe keeps one request in flight on each)
  --spans-per-request N  spans per pre-encoded request (default 512, the SDK batch size)
  --requests N           pre-encoded requests in the pool (default 600)
  --max-outstanding N    requests in flight or waiting to be resent before new ones are dropped (default 400)
  --max-retries N        resends of a refused request before it is given up (default 5)
  --spool-max-mib N      PPO_SPOOL_MAX_BYTES in MiB (default 256)
  --drain-timeout N      seconds to wait for PPO to insert its backlog at the end (default 600)
  --idle-wait N          wait up to N s for other processes to leave the CPUs idle first (default 60)
  --keep-data            keep the temporary data dir`);
  process.exit(0);
}

const num = (name: string, min: number): number => numberOption(args, name, min);

const opts = {
  seconds: num('seconds', 1),
  factor: num('factor', 0.1),
  rate: num('rate', 0),
  probeSeconds: num('probe-seconds', 1),
  channels: num('channels', 1),
  spansPerRequest: num('spans-per-request', 1),
  requests: num('requests', 2),
  maxOutstanding: num('max-outstanding', 1),
  maxRetries: num('max-retries', 0),
  spoolMaxMiB: num('spool-max-mib', 1),
  drainTimeout: num('drain-timeout', 1),
  seed: num('seed', 0),
  idleWait: num('idle-wait', 0),
};

const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MIB = 1024 * 1024;
const log = (msg: string): void => {
  process.stderr.write(`[overload] ${msg}\n`);
};
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------- requests
const poolSize = Math.max(opts.requests, opts.maxOutstanding + 2 * opts.channels);
log(`encoding ${poolSize} requests of ~${opts.spansPerRequest} spans with @opentelemetry/otlp-transformer ...`);
const pool = RequestPool.build({
  requests: poolSize,
  spansPerRequest: opts.spansPerRequest,
  seed: opts.seed,
  simulatedSpansPerSecond: 50_000,
  onProgress: (n) => {
    if (n % 100 === 0) log(`  ${n}/${poolSize} encoded`);
  },
});
const catalog = PoolCatalog.snapshot(pool);
log(`pool: ${fmt(pool.stats.spans)} spans, ${(pool.stats.bytes / pool.stats.spans).toFixed(0)} B/span encoded, built in ${(pool.stats.buildMs / 1000).toFixed(1)} s`);
if (catalog.repeatedSpanIds > 0) log(`WARNING: ${catalog.repeatedSpanIds} span ids repeat within the pool; the lost/duplicated tally may be off by as many`);

// ---------------------------------------------------------------- PPO
await waitForIdleCpus(opts.idleWait, log);
const dataDir = mkdtempSync(join(tmpdir(), 'ppo-overload-'));
const spoolMaxBytes = Math.round(opts.spoolMaxMiB * MIB);
// startPpoProcess passes this process's environment on, below its own settings.
process.env['PPO_SPOOL_MAX_BYTES'] = String(spoolMaxBytes);
log(`starting PPO (data dir ${dataDir}, PPO_SPOOL_MAX_BYTES=${spoolMaxBytes}) ...`);
const ppo = await startPpoProcess({
  repoRoot: REPO_ROOT,
  dataDir,
  logLevel: args['ppo-log-level'],
  nodeFlags: [],
  onLogLine: (line) => process.stderr.write(`[ppo] ${line}\n`),
});
const rss = new RssSampler(ppo.pid, 200);
rss.start();
log(`PPO pid ${ppo.pid} healthy: OTLP gRPC :${ppo.ports.grpc}`);

async function metrics(): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${ppo.ports.api}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}
const metric = (m: Map<string, number>, name: string): number => m.get(name) ?? 0;
const refusedBy = (m: Map<string, number>, reason: string): number => metric(m, `ppo_otlp_requests_refused_total{signal="traces",reason="${reason}"}`);

async function waitForDrain(timeoutS: number): Promise<boolean> {
  const deadline = performance.now() + timeoutS * 1000;
  let lastLog = 0;
  for (;;) {
    const m = await metrics();
    const backlog = metric(m, 'ppo_spool_backlog_rows');
    if (backlog === 0) return true;
    if (performance.now() > deadline) return false;
    if (performance.now() - lastLog > 5000) {
      log(`  draining: ${fmt(backlog)} rows waiting, spool ${(metric(m, 'ppo_spool_bytes') / MIB).toFixed(0)} MiB`);
      lastLog = performance.now();
    }
    await sleep(250);
  }
}

const ledger = new Ledger();
const client = new OverloadClient(`127.0.0.1:${ppo.ports.grpc}`, opts.channels);
let stopRetrying = false;
const driver: DriverOptions = {
  client,
  pool,
  catalog,
  ledger,
  retry: { maxRetries: opts.maxRetries, initialBackoffMs: 1000, maxBackoffMs: 5000 },
  shouldStop: () => stopRetrying,
};

const warnings: string[] = [];
let sustainable = opts.rate;
let probe: { ackedPerS: number; insertedPerS: number } | undefined;
let offered = 0;
let window = { start: 0, end: 0, tailMs: 0, sentRequests: 0 };
let spoolMaxSeen = 0;
let drained = false;
let exitCode: number | null = null;
let before = new Map<string, number>();
let after = new Map<string, number>();
try {
  await client.ready();
  // ------------------------------------------------------------ probe
  if (sustainable <= 0) {
    log(`probe: ${opts.channels} requests in flight back to back, 2 s warm-up + ${opts.probeSeconds} s`);
    await closedLoop(driver, opts.channels, 2);
    const m0 = await metrics();
    const t0 = performance.now();
    const acked0 = ledger.ackedSpans;
    await closedLoop(driver, opts.channels, opts.probeSeconds);
    const m1 = await metrics();
    const s = (performance.now() - t0) / 1000;
    const ackedPerS = (ledger.ackedSpans - acked0) / s;
    const insertedPerS = (metric(m1, 'ppo_insert_rows_total') - metric(m0, 'ppo_insert_rows_total')) / s;
    probe = { ackedPerS, insertedPerS };
    sustainable = Math.min(ackedPerS, insertedPerS);
    log(`probe: ${fmt(ackedPerS)} spans/s acknowledged, ${fmt(insertedPerS)} spans/s inserted -> sustainable ${fmt(sustainable)} spans/s`);
    if (!(await waitForDrain(opts.drainTimeout))) throw new Error('the probe backlog did not drain');
  }
  offered = sustainable * opts.factor;

  // ------------------------------------------------------------ overload
  log(`overload: offering ${fmt(offered)} spans/s (${opts.factor} x ${fmt(sustainable)}) for ${opts.seconds} s, ${opts.channels} connections, spool cap ${opts.spoolMaxMiB} MiB`);
  before = await metrics();
  let lastProgress = performance.now();
  let lastAcked = ledger.ackedSpans;
  let outstanding = 0;
  const poller = setInterval(() => {
    void metrics().then(
      (m) => {
        spoolMaxSeen = Math.max(spoolMaxSeen, metric(m, 'ppo_spool_bytes'));
        const now = performance.now();
        if (now - lastProgress < 5000) return;
        const ackedPerS = ((ledger.ackedSpans - lastAcked) / (now - lastProgress)) * 1000;
        lastProgress = now;
        lastAcked = ledger.ackedSpans;
        log(
          `  ${((now - window.start) / 1000).toFixed(0)} s: ${fmt(ackedPerS)} spans/s acked, ${fmt(ledger.refusedRetryable)} refusals, ` +
            `${outstanding} outstanding, ${fmt(ledger.droppedRequests)} requests dropped by the client; PPO spool ${(metric(m, 'ppo_spool_bytes') / MIB).toFixed(0)} MiB, ` +
            `backlog ${fmt(metric(m, 'ppo_spool_backlog_rows'))} rows, RSS ${(rss.lastRssKiB / 1024).toFixed(0)} MiB`,
        );
      },
      () => undefined,
    );
  }, 1000);
  window.start = performance.now();
  try {
    const r = await openLoop(driver, {
      spansPerS: offered,
      seconds: opts.seconds,
      maxOutstanding: opts.maxOutstanding,
      onTick: (s) => (outstanding = s.outstanding),
    });
    window = { start: r.windowStart, end: r.windowEnd, tailMs: r.tailMs, sentRequests: r.sentRequests };
  } finally {
    stopRetrying = true;
    clearInterval(poller);
  }
  log(`offer over; the last resends ended ${(window.tailMs / 1000).toFixed(1)} s later. Waiting for PPO to insert its backlog ...`);
  drained = await waitForDrain(opts.drainTimeout);
  if (!drained) warnings.push(`PPO still had rows to insert after ${opts.drainTimeout} s: they stay in the spool and count as lost here`);
  after = await metrics();
} finally {
  client.close();
  rss.sample();
  exitCode = await ppo.stop();
  rss.stop();
}
if (exitCode !== 0) warnings.push(`PPO exited with code ${String(exitCode)}`);
if (ppo.earlyExit) warnings.push(`PPO exited on its own (code ${String(ppo.earlyExit.code)}, signal ${String(ppo.earlyExit.signal)}): ${ppo.earlyExit.lines.slice(-3).join(' | ')}`);

// ---------------------------------------------------------------- tally
log('PPO stopped; counting what ClickHouse holds ...');
const { createChdbConnection } = await import('chdb/connection');
const conn: ChdbConnection = createChdbConnection({ path: dataDir });
const tally = await tallyStored(conn, catalog, ledger.acked);
await conn.close();
if (!args['keep-data']) rmSync(dataDir, { recursive: true, force: true });
else log(`data kept in ${dataDir}`);

const windowS = (window.end - window.start) / 1000;
const ackedInWindow = ledger.spansAckedBetween(window.start, window.end);
const refusedSpool = refusedBy(after, 'spool_full') - refusedBy(before, 'spool_full');
const refusedMemory = refusedBy(after, 'memory') - refusedBy(before, 'memory');
if (ledger.errors > 0) warnings.push(`${ledger.errors} requests failed with non-retryable errors: ${ledger.errorSamples.join(' | ')}`);
if (ledger.refusedRetryable === 0) warnings.push('PPO never refused: the spool cap was not reached, raise --factor or lower --spool-max-mib');
if (tally.foreignRows > 0) warnings.push(`${tally.foreignRows} rows in otel_traces are not from the request pool`);
for (const w of warnings) log(`WARNING: ${w}`);

const out: string[] = [];
out.push('');
out.push('PPO overload benchmark (OTLP/gRPC traces, open loop)');
if (probe) out.push(`  probe          ${fmt(probe.ackedPerS)} spans/s acknowledged, ${fmt(probe.insertedPerS)} spans/s inserted into ClickHouse -> sustainable ${fmt(sustainable)} spans/s`);
out.push(`  offered        ${fmt(offered)} spans/s for ${windowS.toFixed(0)} s (${opts.factor} x sustainable), ${fmt(window.sentRequests)} requests sent, ${fmt(ledger.droppedRequests)} dropped by the client (more than ${opts.maxOutstanding} outstanding)`);
out.push(`  acknowledged   ${fmt(ackedInWindow / windowS)} spans/s in the window; ${fmt(ledger.ackedSpans)} spans in all (probe and resends included)`);
out.push(`  refused        ${fmt(ledger.refusedRetryable)} UNAVAILABLE answers (PPO counted ${fmt(refusedSpool)} spool full, ${fmt(refusedMemory)} queue full); ${fmt(ledger.gaveUpRequests)} requests given up after ${opts.maxRetries} resends; ${ledger.errors} non-retryable errors`);
out.push(`  refusal        ${[...ledger.refusalSamples].join(' | ') || '-'}`);
out.push(`  PPO            RSS max ${rss.maxMiB.toFixed(0)} MiB (largest anonymous part ${(rss.maxAnonKiB / 1024).toFixed(0)} MiB, file-backed code ${(rss.maxFileKiB / 1024).toFixed(0)} MiB), spool max seen ${(spoolMaxSeen / MIB).toFixed(0)} of ${opts.spoolMaxMiB} MiB, ${fmt(metric(after, 'ppo_insert_failures_total'))} insert failures`);
out.push(`  ClickHouse     ${fmt(tally.rows)} rows; ${fmt(tally.lost)} acknowledged spans missing, ${fmt(tally.duplicated)} spans stored more than once (${fmt(tally.duplicateRows)} extra rows), ${fmt(tally.storedNotAcked)} stored without an acknowledgement`);
for (const w of warnings) out.push(`  WARNING        ${w}`);
console.log(out.join('\n'));

console.log(
  JSON.stringify({
    acked: ledger.ackedSpans,
    refused_retryable: ledger.refusedRetryable,
    lost: tally.lost,
    duplicated: tally.duplicated,
    rss_max_mib: round(rss.maxMiB, 1),
    rss_anon_max_mib: round(rss.maxAnonKiB / 1024, 1),
    rss_file_max_mib: round(rss.maxFileKiB / 1024, 1),
    offered_spans_per_s: round(offered),
    acked_spans_per_s: round(ackedInWindow / windowS),
    sustainable_spans_per_s: round(sustainable),
    seconds: round(windowS, 1),
    requests_sent: window.sentRequests,
    requests_dropped_by_client: ledger.droppedRequests,
    requests_given_up: ledger.gaveUpRequests,
    spans_given_up: ledger.gaveUpSpans,
    errors: ledger.errors,
    refused_spool_full: refusedSpool,
    refused_memory: refusedMemory,
    spool_max_seen_mib: round(spoolMaxSeen / MIB, 1),
    spool_cap_mib: opts.spoolMaxMiB,
    rows_in_table: tally.rows,
    stored_not_acked: tally.storedNotAcked,
    drained,
    warnings: warnings.length,
  }),
);
