// `npm run bench:red [-- --services 50 --hours 24 --rpm 20 --queries 100]`
//
// How fast `GET /api/ppo/performance-metrics` answers over a day of a 50-service
// fleet. Spans are generated inside chDB by INSERT … SELECT into otel_traces (so
// the RED materialized views fill the rollups exactly as ingest does, without
// paying for OTLP encoding), one INSERT per hour of data. Then random
// service / operation / step queries over the whole day go through the real
// Hono app (`app.request()`), timed end to end. Progress goes to stderr; the
// last stdout line is one JSON object. Goal: p95 ≤ 300 ms.
import { LiveEvents } from '@ppo/analyzer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '@ppo/api';
import { migrate } from '@ppo/clickhouse-migrations';
import { openStorage } from '@ppo/storage';
import { Random } from './lib/random.ts';
import { numberOption } from './lib/cli-args.ts';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '50' },
    hours: { type: 'string', default: '24' },
    rpm: { type: 'string', default: '20' },
    queries: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
    'keep-data': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  console.log(`usage: npm run bench:red -- [options]
  --services N   services in the fleet (default 50)
  --hours N      hours of spans, ending now (default 24)
  --rpm N        requests per minute per service; each is 3 spans: Server entry, Client and Internal children (default 20)
  --queries N    timed performance-metrics requests (default 100), after --warmup N (default 5)
  --seed N       seed of the random queries (default 42)
  --keep-data    keep the temporary data dir`);
  process.exit(0);
}

const num = (name: string, min: number): number => numberOption(args, name, min, { integer: true });

const opts = {
  services: num('services', 1),
  hours: num('hours', 1),
  rpm: num('rpm', 1),
  queries: num('queries', 1),
  warmup: num('warmup', 0),
  seed: num('seed', 0),
};

const log = (msg: string): void => {
  process.stderr.write(`[bench:red] ${msg}\n`);
};
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const OPERATIONS = 5;
const SPANS_PER_REQUEST = 3;

const dataDir = mkdtempSync(join(tmpdir(), 'ppo-bench-red-'));
const storage = openStorage({ dataDir });
await migrate(storage.client, { retentionDays: 7 });

// One hour of spans for the whole fleet. Request r of the hour: service
// r % services, spread evenly over the hour with jitter; span j of it: 0 the
// Server entry (one of 5 operations), 1 a Client call, 2 an Internal child.
// Each service has its own median latency (5..50 ms, log-normal) and error
// rate (0.5%, 5% for every 7th service).
const HOUR_SQL = `
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
SELECT
  fromUnixTimestamp64Nano(toInt64({hourStart:Int64} + intDiv(r, {services:UInt32}) * {gapNs:Int64} + (cityHash64(r, {hour:UInt32}) % {gapNs:Int64}) + j * 1000000)) AS Timestamp,
  lower(hex(cityHash64({hour:UInt32}, r))) || lower(hex(cityHash64(r, {hour:UInt32}, 7))) AS TraceId,
  lower(hex(cityHash64({hour:UInt32}, r, j))) AS SpanId,
  if(j = 0, '', lower(hex(cityHash64({hour:UInt32}, r, 0)))) AS ParentSpanId,
  multiIf(j = 0, concat('GET /api/v1/op', toString(cityHash64(r) % ${OPERATIONS})), j = 1, 'SELECT', 'render') AS SpanName,
  ['Server', 'Client', 'Internal'][j + 1] AS SpanKind,
  concat('svc-', leftPad(toString(svc), 2, '0')) AS ServiceName,
  map('service.name', ServiceName, 'host.name', concat(ServiceName, '-', toString(r % 3))) AS ResourceAttributes,
  if(j = 1, map('db.system.name', 'postgresql', 'server.address', 'pg-main'), map('http.route', '/api/v1/op')) AS SpanAttributes,
  toUInt64(exp(log(5e6 * (1 + svc % 10)) + 0.6 * randNormal(0, 1)) / if(j = 0, 1, 3)) AS Duration,
  if(j = 0 AND rand(r) % 1000 < if(svc % 7 = 0, 50, 5), 'Error', 'Unset') AS StatusCode
FROM (
  SELECT intDiv(number, ${SPANS_PER_REQUEST}) AS r, number % ${SPANS_PER_REQUEST} AS j, r % {services:UInt32} AS svc
  FROM numbers({rows:UInt64})
)`;

const now = Date.now();
const endMs = Math.floor(now / 3_600_000) * 3_600_000;
const startMs = endMs - opts.hours * 3_600_000;
const requestsPerHour = opts.services * opts.rpm * 60;
const gapNs = Math.floor(3_600_000_000_000 / (opts.rpm * 60));
log(`loading ${opts.hours} h × ${opts.services} services × ${opts.rpm} requests/min × ${SPANS_PER_REQUEST} spans into otel_traces (data dir ${dataDir}) ...`);
const loadStarted = performance.now();
for (let hour = 0; hour < opts.hours; hour++) {
  await storage.client.command({
    query: HOUR_SQL,
    query_params: {
      hourStart: (BigInt(startMs + hour * 3_600_000) * 1_000_000n).toString(),
      hour,
      services: opts.services,
      gapNs,
      rows: requestsPerHour * SPANS_PER_REQUEST,
    },
  });
  if ((hour + 1) % 6 === 0 || hour + 1 === opts.hours) log(`  ${hour + 1}/${opts.hours} h loaded, ${round((performance.now() - loadStarted) / 1000)} s`);
}
const loadS = (performance.now() - loadStarted) / 1000;

const count = async (sql: string): Promise<number> => {
  const rows = await storage.client.query({ query: sql, format: 'JSONEachRow' }).then((r) => r.json<{ n: string | number }>());
  return Number(rows[0]?.n ?? 0);
};
const spans = await count('SELECT count() AS n FROM otel_traces');
const serviceRows = await count('SELECT count() AS n FROM ppo_red_1m_service');
const operationRows = await count('SELECT count() AS n FROM ppo_red_1m_operation');
const parts = await count("SELECT count() AS n FROM system.parts WHERE active AND table IN ('ppo_red_1m_service', 'ppo_red_1m_operation')");
log(`${spans.toLocaleString('en-US')} spans in ${round(loadS)} s; rollups: ${serviceRows} service rows, ${operationRows} operation rows in ${parts} active parts`);

// ---------------------------------------------------------------- queries
const app = createApp({ storage, checks: async () => ({}), apiKeys: [], metricsText: () => '', events: new LiveEvents() });
const rnd = new Random(opts.seed);
const STEPS = [60, 300, 900, 3600];
const from = new Date(startMs).toISOString();
const to = new Date(endMs).toISOString();

function randomQuery(): string {
  const p = new URLSearchParams({ service: `svc-${String(rnd.int(0, opts.services - 1)).padStart(2, '0')}`, from, to, step: String(rnd.pick(STEPS)) });
  // A third of the queries ask for one operation (the other rollup table).
  if (rnd.chance(1 / 3)) p.set('operation', `GET /api/v1/op${rnd.int(0, OPERATIONS - 1)}`);
  return `/api/ppo/performance-metrics?${p.toString()}`;
}

async function timed(url: string): Promise<number> {
  const started = performance.now();
  const res = await app.request(url);
  const body = (await res.json()) as { series?: { calls: number }[] };
  const ms = performance.now() - started;
  if (res.status !== 200 || !body.series) throw new Error(`${url} → ${res.status} ${JSON.stringify(body)}`);
  if (!body.series.some((p) => p.calls > 0)) throw new Error(`${url} → an empty series: the rollups did not fill`);
  return ms;
}

for (let i = 0; i < opts.warmup; i++) await timed(randomQuery());
const times: number[] = [];
for (let i = 0; i < opts.queries; i++) times.push(await timed(randomQuery()));
times.sort((a, b) => a - b);
const quantile = (q: number): number => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? 0;
log(`${opts.queries} queries over ${opts.hours} h: p50 ${round(quantile(0.5))} ms, p95 ${round(quantile(0.95))} ms, max ${round(times.at(-1) ?? 0)} ms`);

await storage.close();
if (!args['keep-data']) rmSync(dataDir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    services: opts.services,
    hours: opts.hours,
    spans,
    load_s: round(loadS),
    rollup_rows: { service: serviceRows, operation: operationRows },
    queries: opts.queries,
    p50_ms: round(quantile(0.5)),
    p95_ms: round(quantile(0.95)),
    max_ms: round(times.at(-1) ?? 0),
  }),
);
