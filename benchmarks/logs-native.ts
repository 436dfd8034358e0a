// `npx tsx benchmarks/logs-native.ts [--seconds 3 --records 500 --requests 100 --rounds 5 --skip-insert]`
//
// What writing protobuf logs as Native blocks saves, in two parts:
// (1) JS: one ExportLogsServiceRequest made by the OTel JS SDK decoded by the
//     protobuf decoder up to the bytes the spool stores (`batch.payloads()`),
//     per log record; the JSON decoder (which writes TSV) for reference.
// (2) Engine: `INSERT INTO otel_logs SELECT * FROM file()` (and into a Null
//     table of the same columns, the parse alone) of the same rows
//     (--requests × --records, distinct requests) as TabSeparated (the JSON
//     decoder's text) and as Native (the protobuf decoder's blocks): process
//     CPU time and wall time per INSERT, median of --rounds.
// Progress goes to stderr; stdout gets one JSON line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { context, trace } from '@opentelemetry/api';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { migrate } from '@ppo/clickhouse-migrations';
import { openStorage } from '@ppo/storage';
import { TABLE_COLUMNS } from '../collector/src/rows/columns.ts';
import { decodeLogsJson, decodeLogsProto } from '../collector/src/otlp/decode.ts';
import { numberOption } from './lib/cli-args.ts';
import { median, rate } from './lib/timing.ts';
import { shopServiceResource } from './lib/shop-resource.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    records: { type: 'string', default: '500' },
    requests: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    'skip-insert': { type: 'boolean', default: false },
  },
  strict: true,
});
const seconds = numberOption(args, 'seconds', 0.1);
const recordsPerRequest = numberOption(args, 'records', 1, { integer: true });
const requests = numberOption(args, 'requests', 1, { integer: true });
const rounds = numberOption(args, 'rounds', 1, { integer: true });

const SEVERITIES: [number, string][] = [[9, 'INFO'], [9, 'INFO'], [9, 'INFO'], [5, 'DEBUG'], [13, 'WARN'], [17, 'ERROR']];
const ROUTES = ['/api/v1/orders/{id}', '/api/v1/cart', '/api/v1/checkout', '/healthz', '/api/v1/users/{id}/profile'];

/** `n` log records of one request, spread over 5 services, as instrumented apps write them. */
function makeRecords(n: number, seed: number): ReadableLogRecord[] {
  const out: ReadableLogRecord[] = [];
  const services = 5;
  const tracer = new BasicTracerProvider().getTracer('t');
  for (let s = 0; s < services; s++) {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: shopServiceResource(s, { 'k8s.namespace.name': 'shop' }),
      processors: [new SimpleLogRecordProcessor(exporter)],
    });
    const logger = provider.getLogger('@opentelemetry/winston-transport', '0.14.0');
    const count = Math.floor(n / services) + (s < n % services ? 1 : 0);
    for (let i = 0; i < count; i++) {
      const k = seed * n + s * count + i;
      const [severityNumber, severityText] = SEVERITIES[k % SEVERITIES.length]!;
      const route = ROUTES[k % ROUTES.length]!;
      const span = tracer.startSpan('op');
      const body =
        severityNumber >= 17
          ? `request failed: ${route} order=${k} error="connection reset by peer" retry=${k % 4}`
          : k % 7 === 0
            ? `utilisateur connecté: ${k} — panier mis à jour`
            : `handled ${route} in ${(k % 900) + 3} ms status=${k % 23 === 0 ? 500 : 200} request_id=req-${k.toString(16)}`;
      logger.emit({
        severityNumber,
        severityText,
        body,
        attributes: {
          'http.request.method': ['GET', 'POST', 'PUT'][k % 3]!,
          'http.route': route,
          'http.response.status_code': k % 23 === 0 ? 500 : 200,
          'user.id': `u-${k % 1000}`,
          'thread.id': k % 64,
          'code.function': 'handleRequest',
        },
        ...(k % 2 === 0 ? { context: trace.setSpan(context.active(), span) } : {}),
      });
      span.end();
    }
    out.push(...exporter.getFinishedLogRecords());
  }
  return out;
}

// (1) JS cost per record.
const records = makeRecords(recordsPerRequest, 0);
const proto = ProtobufLogsSerializer.serializeRequest(records)!;
const json = new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records)!);
const check = decodeLogsProto(proto);
if (check.accepted !== records.length) throw new Error(`decoded ${check.accepted} of ${records.length} log records`);
const protoFormat = check.batch.payloads()[0]?.format ?? 'none';
process.stderr.write(`request: ${records.length} log records, ${proto.length} protobuf bytes; protobuf decoder writes ${protoFormat}\n`);
const protoRate = rate(`ppo protobuf → ${protoFormat} bytes`, () => decodeLogsProto(proto).batch.payloads(), seconds);
const jsonRate = rate('ppo JSON → TSV bytes', () => decodeLogsJson(json).batch.payloads(), seconds);
const protoNsPerRecord = 1e9 / (protoRate * records.length);
const jsonNsPerRecord = 1e9 / (jsonRate * records.length);
const payloadBytes = check.batch.payloads().reduce((n, p) => n + p.payload.length, 0);

// (2) Engine cost per INSERT.
let insert: Record<string, unknown> | undefined;
if (!args['skip-insert']) {
  if (protoFormat !== 'Native') throw new Error('the insert comparison needs the protobuf decoder to write Native');
  const tsvParts: Buffer[] = [];
  const nativeParts: Buffer[] = [];
  let rows = 0;
  for (let q = 0; q < requests; q++) {
    const recs = makeRecords(recordsPerRequest, q + 1);
    const t = decodeLogsJson(new TextDecoder().decode(JsonLogsSerializer.serializeRequest(recs)!));
    const n = decodeLogsProto(ProtobufLogsSerializer.serializeRequest(recs)!);
    for (const p of t.batch.payloads()) tsvParts.push(p.payload);
    for (const p of n.batch.payloads()) nativeParts.push(p.payload);
    rows += n.accepted;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ppo-logs-native-'));
  const storage = openStorage({ dataDir: join(dir, 'data') });
  try {
    await migrate(storage.client, { retentionDays: 0 });
    const tsvPath = join(dir, 'logs.tsv');
    const nativePath = join(dir, 'logs.native');
    writeFileSync(tsvPath, Buffer.concat(tsvParts));
    writeFileSync(nativePath, Buffer.concat(nativeParts));
    const columns = TABLE_COLUMNS.otel_logs;
    const types = (await (await storage.client.query({
      query: `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'otel_logs'`,
      format: 'JSONEachRow',
    })).json<{ name: string; type: string }>());
    const typeOf = new Map(types.map((c) => [c.name, c.type]));
    const structure = columns.map((c) => `\`${c}\` ${typeOf.get(c)}`).join(', ');
    // A Null table with the same columns isolates the format's parse cost from the MergeTree write.
    await storage.client.command({ query: `CREATE TABLE logs_null (${structure}) ENGINE = Null` });
    const results: Record<string, { cpuMs: number; wallMs: number; rowsPerSec: number }> = {};
    for (const table of ['otel_logs', 'logs_null'] as const) {
      for (const [label, path, format] of [['tsv', tsvPath, 'TabSeparated'], ['native', nativePath, 'Native']] as const) {
        const cpu: number[] = [];
        const wall: number[] = [];
        for (let i = 0; i < rounds + 1; i++) {
          if (table === 'otel_logs') await storage.client.command({ query: 'TRUNCATE TABLE otel_logs' });
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await storage.client.command({
            query: `INSERT INTO ${table} (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT * FROM file('${path}', '${format}', '${structure}')`,
          });
          const w = performance.now() - t0;
          const c = process.cpuUsage(c0);
          if (i === 0) continue; // warm-up
          cpu.push((c.user + c.system) / 1000);
          wall.push(w);
        }
        if (table === 'otel_logs') {
          const stored = (await (await storage.client.query({ query: 'SELECT count() AS n FROM otel_logs', format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n;
          if (Number(stored) !== rows) throw new Error(`${label}: ${stored} rows stored, ${rows} sent`);
        }
        results[`${table}_${label}`] = { cpuMs: Number(median(cpu).toFixed(1)), wallMs: Number(median(wall).toFixed(1)), rowsPerSec: Math.round(rows / (median(wall) / 1000)) };
        process.stderr.write(`INSERT INTO ${table} ${rows} rows as ${format}: CPU ${median(cpu).toFixed(1)} ms, wall ${median(wall).toFixed(1)} ms (median of ${rounds}; CPU per round ${cpu.map((x) => x.toFixed(0)).join(' ')})\n`);
      }
    }
    insert = { rows, tsvBytes: tsvParts.reduce((n, b) => n + b.length, 0), nativeBytes: nativeParts.reduce((n, b) => n + b.length, 0), ...results };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write(
  JSON.stringify({
    benchmark: 'logs-native',
    node: process.version,
    recordsPerRequest: records.length,
    protobufBytes: proto.length,
    protobufDecoderFormat: protoFormat,
    payloadBytesPerRecord: Number((payloadBytes / records.length).toFixed(1)),
    protobufNsPerRecord: Math.round(protoNsPerRecord),
    jsonNsPerRecord: Math.round(jsonNsPerRecord),
    insert,
  }) + '\n',
);
