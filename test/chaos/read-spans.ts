// `node --import tsx test/chaos/read-spans.ts <data dir>`: opens a stopped
// PPO's data dir with embedded chDB and prints, as JSON lines, how often each
// SpanId is stored in otel_traces and the insert block range its rows are in
// (from the part name: inserts get increasing block numbers, a merge keeps the
// range of what it merged), then one summary line. Its own process because
// chDB allows one data dir per process and a dir must not be open twice.
import { openStorage } from '@ppo/storage';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: read-spans.ts <data dir>\n');
  process.exit(2);
}
const storage = openStorage({ dataDir });
try {
  // Keep the parts as PPO left them (their names carry the insert order).
  await storage.client.command({ query: 'SYSTEM STOP MERGES otel_traces' });
  const rs = await storage.client.query({
    query: `SELECT SpanId AS s, count() AS n,
                   min(toUInt64(splitByChar('_', _part)[2])) AS b0,
                   max(toUInt64(splitByChar('_', _part)[3])) AS b1
            FROM otel_traces GROUP BY SpanId`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const rows = await rs.json<{ s: string; n: number; b0: number; b1: number }>();
  const out: string[] = [];
  let total = 0;
  for (const r of rows) {
    total += Number(r.n);
    out.push(JSON.stringify({ s: r.s, n: Number(r.n), b0: Number(r.b0), b1: Number(r.b1) }));
  }
  out.push(JSON.stringify({ summary: true, rows: total, spans: rows.length }));
  process.stdout.write(out.join('\n') + '\n');
} finally {
  await storage.close();
}
