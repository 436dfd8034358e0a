// `npm run bench:slo [-- --spans 600000 --services 20 --days 30 --queries 60]`
//
// What SLO monitors cost (issue #8):
// 1. Ingest: the two histogram views of migration 0015 run on every insert
//    into otel_traces. Spans are generated inside chDB by INSERT … SELECT
//    (3 spans per request: Server entry, Client, Internal), timed with every
//    view in place, then again after dropping the 0015 views.
// 2. Evaluation: `POST /api/ppo/monitor-performance` (latency + error-rate +
//    availability objectives, a 30 d window, every burn-rate pair) through the
//    real Hono app over `--days` of per-minute histogram rows for `--services`
//    services, written straight into ppo_slo_hist_1m_service (what 30 days of
//    ingest would leave there, ~12 buckets per service and minute).
// Progress goes to stderr; the last stdout line is one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LATENCY_BUCKET_BOUNDS_NS, LiveEvents } from '@ppo/analyzer';
import { createApp } from '@ppo/api';
import { migrate } from '@ppo/clickhouse-migrations';
import { openStorage } from '@ppo/storage';
import { numberOption } from './lib/cli-args.ts';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '600000' },
    services: { type: 'string', default: '20' },
    days: { type: 'string', default: '30' },
    queries: { type: 'string', default: '60' },
    'small-inserts': { type: 'string', default: '300' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(`usage: npm run bench:slo -- [--spans N (per ingest run, default 600000)] [--services N (20)] [--days N (30)] [--queries N (60)]`);
  process.exit(0);
}
const num = (name: string, min: number): number => numberOption(args, name, min, { integer: true });
const opts = { spans: num('spans', 3), services: num('services', 1), days: num('days', 1), queries: num('queries', 1), smallInserts: num('small-inserts', 1) };
const log = (msg: string): void => void process.stderr.write(`[bench:slo] ${msg}\n`);
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

const dataDir = mkdtempSync(join(tmpdir(), 'ppo-bench-slo-'));
const storage = openStorage({ dataDir });
await migrate(storage.client, { retentionDays: 0 });
const client = storage.client;
const count = async (sql: string): Promise<number> => Number((await client.query({ query: sql, format: 'JSONEachRow' }).then((r) => r.json<{ n: string }>()))[0]?.n ?? 0);

// ------------------------------------------------------------ 1. ingest cost
const SPANS_SQL = `
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
SELECT
  fromUnixTimestamp64Nano(toInt64({start:Int64} + r * 10000000 + j * 1000000)),
  lower(hex(cityHash64({run:UInt32}, r))) || lower(hex(cityHash64(r, {run:UInt32}, 7))),
  lower(hex(cityHash64({run:UInt32}, r, j))),
  if(j = 0, '', lower(hex(cityHash64({run:UInt32}, r, 0)))),
  multiIf(j = 0, concat('GET /op', toString(r % 5)), j = 1, 'SELECT', 'render'),
  ['Server', 'Client', 'Internal'][j + 1],
  concat('svc-', toString(r % 20)),
  map('service.name', concat('svc-', toString(r % 20))),
  map('http.route', '/op'),
  toUInt64(exp(log(2e7) + 0.8 * randNormal(0, 1)) / if(j = 0, 1, 3)),
  if(j = 0 AND rand(r) % 100 = 0, 'Error', 'Unset')
FROM (SELECT intDiv(number, 3) AS r, number % 3 AS j FROM numbers({rows:UInt64}))`;

async function ingestRun(run: number, batch = 100_000, total = opts.spans): Promise<number> {
  const t0 = performance.now();
  // In 100k-span inserts, as the collector's batcher sends them under load (or `batch`-span ones, as at low traffic).
  for (let done = 0; done < total; done += batch) {
    const rows = Math.min(batch, total - done);
    await client.command({ query: SPANS_SQL, query_params: { start: (BigInt(Date.now() - 86_400_000) * 1_000_000n + BigInt(run * 1e15 + done * 1e7)).toString(), run: run * 100_000 + done / batch, rows } });
  }
  return (performance.now() - t0) / 1000;
}

log(`ingest: ${opts.spans} spans with the 0015 views ...`);
await ingestRun(0); // warm-up
const withViewsS = await ingestRun(1);
// Many small inserts (30 spans each): the views' fixed cost per insert (a part per target table).
const smallWithS = await ingestRun(3, 30, 30 * opts.smallInserts);
const histRows = await count('SELECT count() AS n FROM ppo_slo_hist_1m_service');
await client.command({ query: 'DROP VIEW ppo_slo_hist_1m_service_mv' });
await client.command({ query: 'DROP VIEW ppo_slo_hist_1m_operation_mv' });
log(`ingest: ${opts.spans} spans without them ...`);
const withoutViewsS = await ingestRun(2);
const smallWithoutS = await ingestRun(4, 30, 30 * opts.smallInserts);
const overheadPct = ((withViewsS - withoutViewsS) / withoutViewsS) * 100;
log(`${opts.smallInserts} inserts of 30 spans: ${round((smallWithS / opts.smallInserts) * 1000, 2)} ms each with the views, ${round((smallWithoutS / opts.smallInserts) * 1000, 2)} ms without`);
log(`with views ${round(withViewsS, 2)} s (${Math.round(opts.spans / withViewsS)} spans/s), without ${round(withoutViewsS, 2)} s: overhead ${round(overheadPct)} %`);

// -------------------------------------------------------- 2. evaluation cost
await client.command({ query: 'TRUNCATE TABLE ppo_slo_hist_1m_service' });
const now = Date.now();
const endMin = Math.floor(now / 60_000);
const minutes = opts.days * 1440;
log(`evaluation: ${opts.days} d of histogram rows for ${opts.services} services ...`);
// Per service and minute: 12 buckets from 6 ms to 75 ms, some errors.
const starts = LATENCY_BUCKET_BOUNDS_NS.slice(27, 39);
await client.command({
  query: `INSERT INTO ppo_slo_hist_1m_service (Minute, ServiceName, BucketStartNs, Count, Errors)
          SELECT toDateTime(({end:Int64} - m) * 60), concat('svc-', toString(s)), {starts:Array(UInt64)}[b + 1], toUInt64(1 + rand(number) % 40), toUInt64(rand(number + 1) % 100 = 0)
          FROM (SELECT number, intDiv(number, 12) % {minutes:UInt64} AS m, intDiv(number, 12 * {minutes:UInt64}) AS s, number % 12 AS b FROM numbers({rows:UInt64}))`,
  query_params: { end: endMin, minutes, rows: opts.services * minutes * 12, starts },
});
const evalRows = await count('SELECT count() AS n FROM ppo_slo_hist_1m_service');
const app = createApp({ storage, checks: async () => ({}), apiKeys: [], metricsText: () => '', events: new LiveEvents() });
const body = (i: number): string =>
  JSON.stringify({
    service: `svc-${i % opts.services}`,
    window: '30d',
    objectives: [
      { kind: 'latency', percentile: 99, threshold_ms: 50, target: 0.99 },
      { kind: 'error_rate', target: 0.02 },
      { kind: 'availability', target: 0.999 },
    ],
  });
const times: number[] = [];
for (let i = -3; i < opts.queries; i++) {
  const t0 = performance.now();
  const res = await app.request('/api/ppo/monitor-performance', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(Math.abs(i)) });
  const status = (await res.json()) as { objectives?: { events: number }[] };
  if (res.status >= 300 || !(status.objectives?.[0]?.events ?? 0)) throw new Error(`monitor-performance → ${res.status} ${JSON.stringify(status)}`);
  if (i >= 0) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const q = (p: number): number => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? 0;
log(`POST /monitor-performance over ${evalRows.toLocaleString('en-US')} rollup rows: p50 ${round(q(0.5))} ms, p95 ${round(q(0.95))} ms`);

await storage.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    ingest: { spans: opts.spans, with_views_s: round(withViewsS, 2), without_views_s: round(withoutViewsS, 2), overhead_pct: round(overheadPct), small_insert_ms: { with_views: round((smallWithS / opts.smallInserts) * 1000, 2), without_views: round((smallWithoutS / opts.smallInserts) * 1000, 2) }, hist_rows_per_100k_spans: Math.round((histRows / opts.spans) * 100_000) },
    evaluation: { services: opts.services, days: opts.days, rollup_rows: evalRows, queries: opts.queries, p50_ms: round(q(0.5)), p95_ms: round(q(0.95)), max_ms: round(times.at(-1) ?? 0) },
  }),
);
