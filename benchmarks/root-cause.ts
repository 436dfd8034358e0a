// `npm run bench:root-cause [-- --spans 1000000 --services 30 --runs 3]`
//
// How fast `POST /api/ppo/root-cause` answers over a 15-minute window of
// --spans spans (default 1M), with as many spans in the 15 minutes before it
// (the baseline). The spans are generated inside chDB by INSERT … SELECT (as
// bench:red does: no OTLP encoding to pay for), in traces of six spans:
// entry Server → Client → Server in a second service → Client → Server in a
// third → Client call into an un-instrumented PostgreSQL. One planted fault:
// in the window, svc-07's server spans take 8× their self time and fail 30 %
// of the time. The request goes through the real Hono app (`app.request()`);
// the figure is the median of --runs timed calls (after one warm-up), with the
// planted service's rank as a check. Progress on stderr; the last stdout line
// is one JSON object. Goal: ≤ 5 s on 2 cores.
import { LiveEvents } from '@ppo/analyzer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '@ppo/api';
import { migrate } from '@ppo/clickhouse-migrations';
import { openStorage } from '@ppo/storage';
import { numberOption } from './lib/cli-args.ts';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '1000000' },
    services: { type: 'string', default: '30' },
    runs: { type: 'string', default: '3' },
    'keep-data': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(`usage: npm run bench:root-cause -- [--spans N (in the window; as many in the baseline)] [--services N] [--runs N] [--keep-data]`);
  process.exit(0);
}
const spansInWindow = numberOption(args, 'spans', 6000, { integer: true });
const services = numberOption(args, 'services', 6, { integer: true });
const runs = numberOption(args, 'runs', 1, { integer: true });
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

const SPANS_PER_TRACE = 6;
const FAULTY = 'svc-07';
const PERIOD_NS = 15n * 60_000_000_000n;

// Trace r (of the period): services a → b → c chosen from r; span j of it.
// Self times per service 2..11 ms with log-normal noise; the client spans'
// own time (the wire) 1 ms; the db call 2 ms. In the window the faulty
// service's server spans gain 7× their self time and 30 % errors.
const PERIOD_SQL = `
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
SELECT
  fromUnixTimestamp64Nano(toInt64({start:Int64} + r * {gapNs:Int64} + j * 1000000)) AS Timestamp,
  lower(hex(cityHash64({period:UInt32}, r))) || lower(hex(cityHash64(r, {period:UInt32}, 7))) AS TraceId,
  lower(hex(cityHash64({period:UInt32}, r, j))) AS SpanId,
  if(j = 0, '', lower(hex(cityHash64({period:UInt32}, r, j - 1)))) AS ParentSpanId,
  multiIf(j IN (1, 3), 'HTTP GET', j = 5, 'SELECT orders', concat('GET /api/', ServiceName)) AS SpanName,
  if(j IN (0, 2, 4), 'Server', 'Client') AS SpanKind,
  concat('svc-', leftPad(toString(svc), 2, '0')) AS ServiceName,
  map('service.name', ServiceName, 'k8s.pod.name', concat(ServiceName, '-pod-', toString(r % 2))) AS ResourceAttributes,
  if(j = 5, map('db.system.name', 'postgresql', 'server.address', 'pg-main'), map('http.route', '/api')) AS SpanAttributes,
  toUInt64(multiIf(
    j = 5, 2e6,
    j IN (1, 3), 1e6 + serverNs(j + 1),
    serverNs(j))) AS Duration,
  if(j IN (0, 2, 4) AND isFaulty(j) AND cityHash64(r, j) % 100 < 30, 'Error', 'Unset') AS StatusCode
FROM (
  SELECT intDiv(number, ${SPANS_PER_TRACE}) AS r, number % ${SPANS_PER_TRACE} AS j,
    r % {services:UInt32} AS a, (a + 1 + r % 3) % {services:UInt32} AS b, (b + 1 + intDiv(r, 3) % 4) % {services:UInt32} AS c,
    multiIf(j < 2, a, j < 4, b, c) AS svc
  FROM numbers({rows:UInt64})
)`;

const dataDir = mkdtempSync(join(tmpdir(), 'ppo-bench-root-cause-'));
const storage = openStorage({ dataDir });
try {
  await migrate(storage.client, { retentionDays: 7 });
  const windowTo = (BigInt(Date.now()) / 60_000n) * 60_000n * 1_000_000n;
  const windowFrom = windowTo - PERIOD_NS;
  const baselineFrom = windowFrom - PERIOD_NS;
  const traces = Math.ceil(spansInWindow / SPANS_PER_TRACE);
  const gapNs = PERIOD_NS / BigInt(traces);
  log(`loading 2 × ${(traces * SPANS_PER_TRACE).toLocaleString('en-US')} spans (baseline + window), ${services} services, fault in ${FAULTY} (data dir ${dataDir}) ...`);
  const loadStarted = performance.now();
  for (const [period, start] of [[0, baselineFrom], [1, windowFrom]] as const) {
    // Server span self time: per-service base with noise; the faulty service is 8× slower in the window.
    const selfNs = `(2e6 + 1e6 * (svcAt(jj) % 10)) * exp(0.3 * randNormal(0, 1)) * if(${period} = 1 AND svcAt(jj) = ${Number(FAULTY.slice(4))}, 8, 1)`;
    const query = PERIOD_SQL
      .replace(/serverNs\(j \+ 1\)/g, `(${selfNs.replace(/jj/g, 'j + 1')} + if(j + 1 = 4, 3e6, 0))`)
      .replace(/serverNs\(j\)/g, `(${selfNs.replace(/jj/g, 'j')} + multiIf(j = 4, 3e6, 10e6))`)
      .replace(/isFaulty\(j\)/g, `${period} = 1 AND svc = ${Number(FAULTY.slice(4))}`)
      .replace(/svcAt\(([^)]*)\)/g, (_m, e: string) => `multiIf((${e}) < 2, a, (${e}) < 4, b, c)`);
    await storage.client.command({
      query,
      query_params: { start: start.toString(), period, gapNs: gapNs.toString(), services, rows: traces * SPANS_PER_TRACE },
    });
  }
  const loadS = (performance.now() - loadStarted) / 1000;
  const countRows = await storage.client.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' }).then((r) => r.json<{ n: string }>());
  log(`${Number(countRows[0]?.n ?? 0).toLocaleString('en-US')} spans in ${loadS.toFixed(1)} s`);

  const app = createApp({ storage, checks: async () => ({}), apiKeys: [], metricsText: () => '', events: new LiveEvents() });
  const call = async (): Promise<{ ms: number; rank: number; top: string[] }> => {
    const t0 = performance.now();
    const res = await app.request('/api/ppo/root-cause', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: windowFrom.toString(), to: windowTo.toString() }),
    });
    const body = (await res.json()) as { candidates?: { service: string }[] };
    const ms = performance.now() - t0;
    if (res.status !== 200 || !body.candidates) throw new Error(`root-cause answered ${res.status}: ${JSON.stringify(body).slice(0, 400)}`);
    const names = body.candidates.map((c) => c.service);
    return { ms, rank: names.indexOf(FAULTY) + 1, top: names.slice(0, 3) };
  };
  await call();
  const timed: { ms: number; rank: number; top: string[] }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await call();
    timed.push(r);
    log(`  run ${i + 1}: ${r.ms.toFixed(0)} ms, ${FAULTY} ranked ${r.rank}, top ${r.top.join(', ')}`);
  }
  const sorted = timed.map((t) => t.ms).sort((x, y) => x - y);
  const medianMs = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    JSON.stringify({
      spans_window: traces * SPANS_PER_TRACE,
      spans_baseline: traces * SPANS_PER_TRACE,
      services,
      runs,
      median_ms: Math.round(medianMs),
      max_ms: Math.round(sorted.at(-1)!),
      planted_rank: timed[0]!.rank,
      goal_ms: 5000,
      ok: medianMs <= 5000 && timed[0]!.rank === 1,
    }),
  );
} finally {
  await storage.close();
  if (!args['keep-data']) rmSync(dataDir, { recursive: true, force: true });
}
