/**
 * Hand-made hostile requests against both receivers of one PPO (issue #4,
 * "Hostile input"): compression bombs are refused without inflating past the
 * limit; huge values are stored intact; AnyValue nesting past the depth limit
 * rejects its item (and 10,000 levels do not blow the stack); invalid UTF-8
 * is stored with U+FFFD; ids of the wrong length or all zeros are rejected
 * and counted; timestamps of 0 and far in the future are stored, clamped to
 * what the columns can hold. What lands is checked in SQL.
 */
import { connect } from 'node:http2';
import { setTimeout as delay } from 'node:timers/promises';
import { createDeflate, constants as zlibConstants, gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixed64Field, lenField, tag } from '../collector/src/otlp/testing/proto-bytes.ts';
import type { Signal } from './helpers/http.ts';
import { nestedAnyValue, nestedAnyValueJson, nestedAnyValueJsonText } from './helpers/otlp-mutations.ts';
import { GRPC_PATHS, OtlpGrpcClient, OtlpHttpClient } from './helpers/otlp-transport.ts';
import { decodeExportResponse, decodeRpcStatus } from './helpers/protobuf-wire.ts';
import { queryRows } from './helpers/sql.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

const LIMIT = 16 * 1024 * 1024;
const MiB = 1024 * 1024;

let ppo: TestPpo;
let http: OtlpHttpClient;
let grpcClient: OtlpGrpcClient;

beforeAll(async () => {
  ppo = await startTestPpo({ PPO_MAX_REQUEST_BYTES: String(LIMIT) });
  http = new OtlpHttpClient(ppo.httpPort, 4);
  grpcClient = new OtlpGrpcClient(ppo.grpcPort);
});

afterAll(async () => {
  http?.close();
  grpcClient?.close();
  await ppo?.stop();
});

// ---------------------------------------------------------------- requests

const T = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const S = Buffer.from('a1a2a3a4a5a6a7a8', 'hex');
const NOW_NS = BigInt(Date.now()) * 1_000_000n;

const str = (s: string | Buffer): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);
/** AnyValue{string_value} */
const stringValue = (s: string | Buffer): Buffer => lenField(1, str(s));
/** KeyValue */
const keyValue = (key: string | Buffer, anyValue: Buffer): Buffer => Buffer.concat([lenField(1, str(key)), lenField(2, anyValue)]);

interface SpanSpec {
  traceId?: Buffer;
  spanId?: Buffer;
  name: string | Buffer;
  start?: bigint;
  end?: bigint;
  /** KeyValue messages */
  attributes?: Buffer[];
}

function span({ traceId = T, spanId = S, name, start = NOW_NS, end = start + 1000n, attributes = [] }: SpanSpec): Buffer {
  return Buffer.concat([
    lenField(1, traceId),
    lenField(2, spanId),
    lenField(5, str(name)),
    fixed64Field(7, start),
    fixed64Field(8, end),
    ...attributes.map((a) => lenField(9, a)),
  ]);
}

/** Export{Trace,Logs,Metrics}ServiceRequest: one resource (with service.name) and one scope holding `items` (field 2). */
function request(service: string | Buffer, items: Buffer[]): Buffer {
  const resource = lenField(1, lenField(1, keyValue('service.name', stringValue(service))));
  const scope = lenField(2, Buffer.concat(items.map((i) => lenField(2, i))));
  return lenField(1, Buffer.concat([resource, scope]));
}

function jsonRequest(signal: Signal, service: string, items: unknown[]): Record<string, unknown> {
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: service } }] };
  switch (signal) {
    case 'traces':
      return { resourceSpans: [{ resource, scopeSpans: [{ spans: items }] }] };
    case 'logs':
      return { resourceLogs: [{ resource, scopeLogs: [{ logRecords: items }] }] };
    case 'metrics':
      return { resourceMetrics: [{ resource, scopeMetrics: [{ metrics: items }] }] };
  }
}

interface Exported {
  /** 'ok' or the refusal: HTTP status / gRPC status name */
  outcome: string;
  rejected: bigint;
  errorMessage: string;
  /** the refusal's message */
  message: string;
}

type Transport = 'http-proto' | 'http-json' | 'grpc';

async function exportProto(transport: 'http-proto' | 'grpc', signal: Signal, body: Buffer): Promise<Exported> {
  if (transport === 'grpc') {
    const reply = await grpcClient.export(signal, body);
    if (reply.code !== grpc.status.OK) return { outcome: grpc.status[reply.code], rejected: 0n, errorMessage: '', message: reply.details };
    return { outcome: 'ok', ...decodeExportResponse(reply.response ?? Buffer.alloc(0)), message: '' };
  }
  const reply = await http.post({ path: `/v1/${signal}`, headers: { 'Content-Type': 'application/x-protobuf' }, body });
  if (reply.status !== 200) return { outcome: String(reply.status), rejected: 0n, errorMessage: '', message: decodeRpcStatus(reply.body).message };
  return { outcome: 'ok', ...decodeExportResponse(reply.body), message: '' };
}

const REJECTED_KEY: Record<Signal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' };

async function exportJson(signal: Signal, body: string | Buffer | object): Promise<Exported> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const reply = await http.post({ path: `/v1/${signal}`, headers: { 'Content-Type': 'application/json' }, body: bytes });
  const parsed = JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>;
  if (reply.status !== 200) return { outcome: String(reply.status), rejected: 0n, errorMessage: '', message: String(parsed['message']) };
  const ps = (parsed['partialSuccess'] ?? {}) as Record<string, unknown>;
  return { outcome: 'ok', rejected: BigInt(String(ps[REJECTED_KEY[signal]] ?? '0')), errorMessage: String(ps['errorMessage'] ?? ''), message: '' };
}

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return queryRows<T>(ppo.ppo.storage.client, query, params);
}

/** Peak RSS of this process (PPO runs in it) while `work` runs, sampled every few ms. */
async function peakRssDuring<T>(work: () => Promise<T>): Promise<{ result: T; growth: number; ms: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - before, ms: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------- bombs

/** 1 GiB of zeros as a ~1 MB multi-member gzip stream (16 members of 64 MiB). */
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(64 * MiB), { level: 9, strategy: zlibConstants.Z_RLE });
  return Buffer.concat(Array.from({ length: 16 }, () => member));
}

/** 1 GiB of zeros as one zlib (Content-Encoding: deflate) stream, compressed in chunks. */
async function deflateBomb(): Promise<Buffer> {
  const deflate = createDeflate({ level: 9, strategy: zlibConstants.Z_RLE });
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  const zeros = Buffer.alloc(16 * MiB);
  for (let i = 0; i < 64; i++) {
    if (!deflate.write(zeros)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  return Buffer.concat(parts);
}

/** One gRPC call over raw HTTP/2, so the message can be pre-compressed (a client would have to hold 1 GiB to compress it). */
function rawGrpcCall(path: string, frame: Buffer, headers: Record<string, string>): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${ppo.grpcPort}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error('no gRPC status within 10 s'));
    }, 10_000);
    const finish = (h: Record<string, unknown>): boolean => {
      if (h['grpc-status'] === undefined) return false;
      clearTimeout(timer);
      resolve({ status: Number(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'] ?? '')) });
      session.close();
      return true;
    };
    session.on('error', () => undefined);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    req.on('response', (h) => finish(h));
    req.on('trailers', (h) => finish(h));
    // The server may reset the stream before reading the whole upload once it has answered.
    req.on('error', () => undefined);
    req.on('data', () => undefined);
    req.end(frame);
  });
}

describe('compression bombs', () => {
  it('a 1 MB gzip body inflating to 1 GiB → 413 quickly, without inflating past the limit', async () => {
    const bomb = gzipBomb();
    expect(bomb.length).toBeLessThan(1.5 * MiB);
    const { result: reply, growth, ms } = await peakRssDuring(() =>
      http.post({ path: '/v1/traces', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' }, body: bomb }),
    );
    expect(reply.status).toBe(413);
    expect(decodeRpcStatus(reply.body).message).toMatch(/decompressed .*exceeds the limit of 16777216 bytes/);
    // Inflating 1 GiB takes seconds and a GiB; stopping at the 16 MiB limit takes neither.
    expect(ms).toBeLessThan(2_000);
    expect(growth).toBeLessThan(256 * MiB);
  });

  it('the same as Content-Encoding: deflate, and as JSON → 413', async () => {
    const bomb = await deflateBomb();
    expect(bomb.length).toBeLessThan(1.5 * MiB);
    const { result: reply, growth } = await peakRssDuring(() =>
      http.post({ path: '/v1/logs', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'deflate' }, body: bomb }),
    );
    expect(reply.status).toBe(413);
    expect((JSON.parse(reply.body.toString('utf8')) as { message: string }).message).toMatch(/exceeds the limit/);
    expect(growth).toBeLessThan(256 * MiB);
  });

  it('a gzip-compressed gRPC message inflating to 1 GiB → RESOURCE_EXHAUSTED', async () => {
    const bomb = gzipBomb();
    const prefix = Buffer.alloc(5);
    prefix[0] = 1; // compressed
    prefix.writeUInt32BE(bomb.length, 1);
    const { result, growth, ms } = await peakRssDuring(() =>
      rawGrpcCall(GRPC_PATHS.traces, Buffer.concat([prefix, bomb]), { 'grpc-encoding': 'gzip', 'grpc-accept-encoding': 'identity,gzip' }),
    );
    expect(result.status).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(result.message).toMatch(/larger than 16777216/);
    expect(ms).toBeLessThan(2_000);
    expect(growth).toBeLessThan(256 * MiB);
  });
});

// ---------------------------------------------------------------- values

describe('a 5 MB attribute value', () => {
  // Every character that needs escaping somewhere (TSV, Map literals, JSON), and multi-byte UTF-8.
  const chunk = "tab\there nl\nhere 'quote' \"dq\" back\\slash ünïcødé 😀 ".repeat(16);
  const repeats = Math.ceil((5 * MiB) / Buffer.byteLength(chunk));
  const big = chunk.repeat(repeats);

  it.each<Transport>(['http-proto', 'http-json', 'grpc'])('over %s is accepted and stored intact', async (transport) => {
    const service = `huge-value-${transport}`;
    const exported =
      transport === 'http-json'
        ? await exportJson('traces', jsonRequest('traces', service, [
            { traceId: T.toString('hex'), spanId: S.toString('hex'), name: 'big', startTimeUnixNano: String(NOW_NS), attributes: [{ key: 'big', value: { stringValue: big } }] },
          ]))
        : await exportProto(transport, 'traces', request(service, [span({ name: 'big', attributes: [keyValue('big', stringValue(big))] })]));
    expect(exported).toMatchObject({ outcome: 'ok', rejected: 0n });
    const [row] = await rows<{ bytes: string; same: number }>(
      `SELECT toString(length(SpanAttributes['big'])) AS bytes, SpanAttributes['big'] = repeat({chunk:String}, {n:UInt32}) AS same
       FROM otel_traces WHERE ServiceName = {svc:String}`,
      { svc: service, chunk, n: repeats },
    );
    expect(row).toEqual({ bytes: String(Buffer.byteLength(big)), same: 1 });
  });
});

describe('deeply nested AnyValue', () => {
  const limitMessage = /AnyValue nesting deeper than 32 levels/;

  it.each<Transport>(['http-proto', 'http-json', 'grpc'])('over %s: depth 32 is kept, 33, 40 and 10,000 reject their span only', async (transport) => {
    const service = `deep-${transport}`;
    const depths = [32, 33, 40, 10_000];
    let exported: Exported;
    if (transport === 'http-json') {
      // JSON.stringify cannot write 10,000 levels (its own stack); the text is built directly.
      const spans = depths.map((d, i) => ({
        traceId: T.toString('hex'),
        spanId: `${i + 1}`.repeat(16),
        name: `depth-${d}`,
        startTimeUnixNano: String(NOW_NS),
        attributes: [{ key: 'deep', value: `@DEEP${d}@` }],
      }));
      let text = JSON.stringify(jsonRequest('traces', service, spans));
      for (const d of depths) text = text.replace(`"@DEEP${d}@"`, nestedAnyValueJsonText(d));
      exported = await exportJson('traces', text);
    } else {
      const spans = depths.map((d, i) => span({ spanId: Buffer.alloc(8, i + 1), name: `depth-${d}`, attributes: [keyValue('deep', nestedAnyValue(d))] }));
      exported = await exportProto(transport, 'traces', request(service, spans));
    }
    expect(exported.outcome).toBe('ok');
    expect(exported.rejected).toBe(3n);
    expect(exported.errorMessage).toMatch(limitMessage);
    const stored = await rows<{ SpanName: string; deep: string }>(
      `SELECT SpanName, SpanAttributes['deep'] AS deep FROM otel_traces WHERE ServiceName = {svc:String}`,
      { svc: service },
    );
    expect(stored).toEqual([{ SpanName: 'depth-32', deep: `${'['.repeat(31)}"deep"${']'.repeat(31)}` }]);
  });

  it('a log body nested 10,000 levels rejects its record; a kvlist 40 deep too', async () => {
    const service = 'deep-log-body';
    const record = (body: Buffer, text: string): Buffer => Buffer.concat([fixed64Field(1, NOW_NS), lenField(5, body), lenField(6, keyValue('case', stringValue(text)))]);
    const kvlist40 = otlpAnyValueFromJson(nestedAnyValueJson(40, 'kvlist'));
    const exported = await exportProto('http-proto', 'logs', request(service, [
      record(stringValue('fine'), 'fine'),
      record(nestedAnyValue(10_000), 'array-10000'),
      record(kvlist40, 'kvlist-40'),
    ]));
    expect(exported).toMatchObject({ outcome: 'ok', rejected: 2n });
    expect(exported.errorMessage).toMatch(limitMessage);
    expect(await rows(`SELECT Body FROM otel_logs WHERE ServiceName = {svc:String}`, { svc: service })).toEqual([{ Body: 'fine' }]);
  });

  it('a data point attribute 40 deep rejects that point', async () => {
    const service = 'deep-metric';
    const point = (attr: Buffer): Buffer => lenField(1, Buffer.concat([fixed64Field(3, NOW_NS), tag(4, 1), Buffer.alloc(8), lenField(7, attr)]));
    const metric = Buffer.concat([lenField(1, Buffer.from('deep.gauge')), lenField(5, Buffer.concat([point(keyValue('k', stringValue('v'))), point(keyValue('k', nestedAnyValue(40)))]))]);
    const exported = await exportProto('grpc', 'metrics', request(service, [metric]));
    expect(exported).toMatchObject({ outcome: 'ok', rejected: 1n });
    expect(exported.errorMessage).toMatch(/^rejected 1 data points: AnyValue nesting deeper than 32 levels/);
    expect(await rows(`SELECT Attributes FROM otel_metrics_gauge WHERE ServiceName = {svc:String}`, { svc: service })).toEqual([{ Attributes: { k: 'v' } }]);
  });
});

describe('deeply nested JSON outside AnyValue', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const spanText = (fields: string): string =>
    `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"deep-json"}}]},"scopeSpans":[{"spans":[{"traceId":"${T.toString('hex')}","spanId":"${S.toString('hex')}","name":"x"${fields}}]}]}]}`;

  it('100,000 levels where a scalar belongs → 400 naming the field (not a stack overflow and a 500)', async () => {
    for (const key of ['startTimeUnixNano', 'kind', 'flags', 'name']) {
      const exported = await exportJson('traces', spanText(`,"${key}":${deep}`));
      expect(exported.outcome, key).toBe('400');
      expect(exported.message, key).toMatch(new RegExp(`spans\\[0\\]\\.${key}: expected \\w+, got (an )?array$`));
    }
    expect((await exportJson('traces', `{"resourceSpans":${deep}}`)).message).toMatch(/resourceSpans\[0\]: expected object, got array/);
  });

  it('100,000 levels in an unknown field are ignored', async () => {
    expect(await exportJson('traces', spanText(`,"future":${deep}`))).toMatchObject({ outcome: 'ok', rejected: 0n });
    expect(await rows(`SELECT count() AS n FROM otel_traces WHERE ServiceName = 'deep-json'`)).toEqual([{ n: '1' }]);
  });
});

/** The protobuf AnyValue of a JSON AnyValue holding only strings, arrays and kvlists. */
function otlpAnyValueFromJson(v: unknown): Buffer {
  const o = v as { stringValue?: string; arrayValue?: { values: unknown[] }; kvlistValue?: { values: { key: string; value: unknown }[] } };
  if (o.stringValue !== undefined) return stringValue(o.stringValue);
  if (o.arrayValue) return lenField(5, Buffer.concat(o.arrayValue.values.map((x) => lenField(1, otlpAnyValueFromJson(x)))));
  const kvs = o.kvlistValue?.values ?? [];
  return lenField(6, Buffer.concat(kvs.map((kv) => lenField(1, keyValue(kv.key, otlpAnyValueFromJson(kv.value))))));
}

describe('invalid UTF-8', () => {
  const bad = (prefix: string): Buffer => Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('!')]);

  it.each<'http-proto' | 'grpc'>(['http-proto', 'grpc'])('in names, keys and values over %s is stored with U+FFFD', async (transport) => {
    const service = Buffer.concat([Buffer.from(`utf8-${transport}-`), Buffer.from([0xfe])]);
    const exported = await exportProto(transport, 'traces', request(service, [span({ name: bad('name'), attributes: [keyValue(bad('key'), stringValue(bad('value')))] })]));
    expect(exported).toMatchObject({ outcome: 'ok', rejected: 0n });
    const stored = await rows<{ SpanName: string; attrs: Record<string, string> }>(
      `SELECT SpanName, SpanAttributes AS attrs FROM otel_traces WHERE ServiceName = {svc:String}`,
      { svc: `utf8-${transport}-\ufffd` },
    );
    // WHATWG decoding: FF → one U+FFFD; C3 followed by '(' → one; ED A0 80 (a surrogate) → three.
    const replaced = (p: string): string => `${p}\ufffd\ufffd(\ufffd\ufffd\ufffd!`;
    expect(stored).toEqual([{ SpanName: replaced('name'), attrs: { [replaced('key')]: replaced('value') } }]);
  });

  it('in a JSON body is replaced the same way', async () => {
    const service = 'utf8-http-json';
    const text = JSON.stringify(jsonRequest('logs', service, [{ timeUnixNano: String(NOW_NS), body: { stringValue: '@BAD@' } }]));
    const [before, after] = text.split('@BAD@') as [string, string];
    const exported = await exportJson('logs', Buffer.concat([Buffer.from(before), bad('body'), Buffer.from(after)]));
    expect(exported).toMatchObject({ outcome: 'ok', rejected: 0n });
    expect(await rows(`SELECT Body FROM otel_logs WHERE ServiceName = {svc:String}`, { svc: service })).toEqual([
      { Body: 'body\ufffd\ufffd(\ufffd\ufffd\ufffd!' },
    ]);
  });
});

// ---------------------------------------------------------------- ids

describe('ids of the wrong length or all zeros are rejected and counted', () => {
  const cases: [string, Partial<SpanSpec>][] = [
    ['valid', {}],
    ['trace-15', { traceId: T.subarray(0, 15) }],
    ['trace-17', { traceId: Buffer.concat([T, Buffer.from([1])]) }],
    ['trace-zero', { traceId: Buffer.alloc(16) }],
    ['trace-empty', { traceId: Buffer.alloc(0) }],
    ['span-7', { spanId: S.subarray(0, 7) }],
    ['span-9', { spanId: Buffer.concat([S, Buffer.from([1])]) }],
    ['span-zero', { spanId: Buffer.alloc(8) }],
  ];

  it.each<'http-proto' | 'grpc'>(['http-proto', 'grpc'])('protobuf over %s', async (transport) => {
    const service = `ids-${transport}`;
    const exported = await exportProto(transport, 'traces', request(service, cases.map(([name, ids]) => span({ name, ...ids }))));
    expect(exported.outcome).toBe('ok');
    expect(exported.rejected).toBe(7n);
    for (const reason of ['trace_id must be 16 bytes, got 15', 'trace_id must be 16 bytes, got 17', 'trace_id is all zeros', 'trace_id must be 16 bytes, got 0', 'span_id must be 8 bytes, got 7']) {
      expect(exported.errorMessage).toContain(reason);
    }
    expect(await rows(`SELECT SpanName FROM otel_traces WHERE ServiceName = {svc:String}`, { svc: service })).toEqual([{ SpanName: 'valid' }]);
  });

  it('JSON: odd-length, wrong-length, non-hex and all-zero hex; any case is fine', async () => {
    const service = 'ids-http-json';
    const t = T.toString('hex');
    const s = S.toString('hex');
    const spans: [string, string, string][] = [
      ['lower', t, s],
      ['upper', t.toUpperCase(), s.toUpperCase()],
      ['mixed', 'Ab'.repeat(16), 'cD'.repeat(8)],
      ['trace-odd', t.slice(0, 31), s],
      ['trace-15', t.slice(0, 30), s],
      ['trace-17', t + 'ab', s],
      ['trace-zero', '0'.repeat(32), s],
      ['trace-nonhex', 'g' + t.slice(1), s],
      ['span-7', t, s.slice(0, 14)],
      ['span-zero', t, '0'.repeat(16)],
    ];
    const exported = await exportJson('traces', jsonRequest('traces', service, spans.map(([name, traceId, spanId]) => ({ name, traceId, spanId, startTimeUnixNano: String(NOW_NS) }))));
    expect(exported).toMatchObject({ outcome: 'ok', rejected: 7n });
    expect(exported.errorMessage).toMatch(/^rejected 7 spans: /);
    const stored = await rows<{ SpanName: string; TraceId: string; SpanId: string }>(
      `SELECT SpanName, TraceId, SpanId FROM otel_traces WHERE ServiceName = {svc:String} ORDER BY SpanName`,
      { svc: service },
    );
    expect(stored).toEqual([
      { SpanName: 'lower', TraceId: t, SpanId: s },
      { SpanName: 'mixed', TraceId: 'ab'.repeat(16), SpanId: 'cd'.repeat(8) },
      { SpanName: 'upper', TraceId: t, SpanId: s },
    ]);
  });

  it('log records: ids of the wrong length are rejected, all-zero ids mean none', async () => {
    const service = 'ids-logs';
    const record = (name: string, traceId: Buffer, spanId: Buffer): Buffer =>
      Buffer.concat([fixed64Field(1, NOW_NS), lenField(5, stringValue(name)), lenField(9, traceId), lenField(10, spanId)]);
    const exported = await exportProto('grpc', 'logs', request(service, [
      record('valid', T, S),
      record('zeros', Buffer.alloc(16), Buffer.alloc(8)),
      record('trace-15', T.subarray(0, 15), S),
      record('span-7', T, S.subarray(0, 7)),
    ]));
    expect(exported).toMatchObject({ outcome: 'ok', rejected: 2n });
    expect(await rows(`SELECT Body, TraceId, SpanId FROM otel_logs WHERE ServiceName = {svc:String} ORDER BY Body`, { svc: service })).toEqual([
      { Body: 'valid', TraceId: T.toString('hex'), SpanId: S.toString('hex') },
      { Body: 'zeros', TraceId: '', SpanId: '' },
    ]);
  });
});

// ---------------------------------------------------------------- time

describe('timestamps of 0 and far in the future are stored, clamped to the column range', () => {
  // Year 3000 does not fit: fixed64 nanoseconds end in 2554 (the uint64 maximum below); DateTime64(9) in 2262.
  const YEAR_2500_NS = BigInt(Date.UTC(2500, 0, 1)) * 1_000_000n;
  const INT64_MAX = 9223372036854775807n;
  const UINT64_MAX = 18446744073709551615n;

  it.each<Transport>(['http-proto', 'http-json', 'grpc'])('spans over %s', async (transport) => {
    const service = `time-${transport}`;
    const cases: [string, bigint, bigint][] = [
      ['zero', 0n, 0n],
      ['zero-start', 0n, NOW_NS],
      ['year-2500', YEAR_2500_NS, YEAR_2500_NS + 5n],
      ['uint64-max', UINT64_MAX, UINT64_MAX],
      ['ends-before-start', NOW_NS, 0n],
    ];
    const exported =
      transport === 'http-json'
        ? await exportJson('traces', jsonRequest('traces', service, cases.map(([name, start, end], i) => ({
            traceId: T.toString('hex'), spanId: `${i + 1}`.repeat(16), name, startTimeUnixNano: String(start), endTimeUnixNano: String(end),
          }))))
        : await exportProto(transport, 'traces', request(service, cases.map(([name, start, end], i) => span({ spanId: Buffer.alloc(8, i + 1), name, start, end }))));
    expect(exported).toMatchObject({ outcome: 'ok', rejected: 0n });
    const stored = await rows<{ SpanName: string; ns: string; Duration: string }>(
      `SELECT SpanName, toString(toUnixTimestamp64Nano(Timestamp)) AS ns, Duration FROM otel_traces WHERE ServiceName = {svc:String} ORDER BY SpanName`,
      { svc: service },
    );
    expect(stored).toEqual([
      { SpanName: 'ends-before-start', ns: String(NOW_NS), Duration: '0' },
      { SpanName: 'uint64-max', ns: String(INT64_MAX), Duration: '0' },
      { SpanName: 'year-2500', ns: String(INT64_MAX), Duration: '5' },
      { SpanName: 'zero', ns: '0', Duration: '0' },
      { SpanName: 'zero-start', ns: '0', Duration: String(NOW_NS) },
    ]);
  });

  it('log records (event time 0 falls back to the observed time) and metric points (second precision)', async () => {
    const service = 'time-logs-metrics';
    const record = (name: string, time: bigint, observed: bigint): Buffer =>
      Buffer.concat([fixed64Field(1, time), fixed64Field(11, observed), lenField(5, stringValue(name))]);
    const logs = await exportProto('http-proto', 'logs', request(service, [
      record('both-zero', 0n, 0n),
      record('observed-only', 0n, NOW_NS),
      record('year-2500', YEAR_2500_NS, 0n),
    ]));
    expect(logs).toMatchObject({ outcome: 'ok', rejected: 0n });
    expect(await rows(
      `SELECT Body, toString(toUnixTimestamp64Nano(Timestamp)) AS ns FROM otel_logs WHERE ServiceName = {svc:String} ORDER BY Body`,
      { svc: service },
    )).toEqual([
      { Body: 'both-zero', ns: '0' },
      { Body: 'observed-only', ns: String(NOW_NS) },
      { Body: 'year-2500', ns: String(INT64_MAX) },
    ]);

    const point = (time: bigint, value: number): Buffer => {
      const v = Buffer.alloc(8);
      v.writeDoubleLE(value);
      return lenField(1, Buffer.concat([fixed64Field(2, time), fixed64Field(3, time), tag(4, 1), v]));
    };
    const gauge = Buffer.concat([lenField(1, Buffer.from('clock')), lenField(5, Buffer.concat([point(0n, 1), point(YEAR_2500_NS, 2), point(UINT64_MAX, 3)]))]);
    const metrics = await exportProto('grpc', 'metrics', request(service, [gauge]));
    expect(metrics).toMatchObject({ outcome: 'ok', rejected: 0n });
    expect(await rows(
      `SELECT Value, toUnixTimestamp(StartTimeUnix) AS start, toUnixTimestamp(TimeUnix) AS time FROM otel_metrics_gauge WHERE ServiceName = {svc:String} ORDER BY Value`,
      { svc: service },
    )).toEqual([
      { Value: 1, start: 0, time: 0 },
      // DateTime ends at 2106-02-07 06:28:15 (2^32 − 1 seconds).
      { Value: 2, start: 4294967295, time: 4294967295 },
      { Value: 3, start: 4294967295, time: 4294967295 },
    ]);
  });

  it('a request whose spans fall on 150 different days is stored whole', async () => {
    // Every day is a partition; ClickHouse refuses more than 100 in one INSERT unless told otherwise, and
    // the drainer would retry that batch for good.
    const service = 'time-150-days';
    const day = 86_400_000_000_000n;
    const spans = Array.from({ length: 150 }, (_, i) => span({ spanId: Buffer.from((i + 1).toString(16).padStart(16, '0'), 'hex'), name: `day-${i}`, start: NOW_NS - BigInt(i) * 7n * day }));
    expect(await exportProto('grpc', 'traces', request(service, spans))).toMatchObject({ outcome: 'ok', rejected: 0n });
    await Promise.race([ppo.ppo.collector?.drainer.drained(), delay(10_000)]);
    expect(ppo.ppo.collector?.drainer.insertError).toBeUndefined();
    expect(await rows(`SELECT count() AS n, uniqExact(toDate(Timestamp)) AS days FROM otel_traces WHERE ServiceName = {svc:String}`, { svc: service }))
      .toEqual([{ n: '150', days: '150' }]);
  });

  it('JSON timestamps beyond uint64 (year 3000) or negative are a 400 naming the field', async () => {
    for (const value of ['32503680000000000000', '18446744073709551616', '-1', 1e30]) {
      const exported = await exportJson('traces', jsonRequest('traces', 'time-invalid', [{ traceId: T.toString('hex'), spanId: S.toString('hex'), name: 'x', startTimeUnixNano: value }]));
      expect(exported.outcome, String(value)).toBe('400');
      expect(exported.message, String(value)).toMatch(/startTimeUnixNano: expected uint64/);
    }
  });
});

describe('after all of that, the process still serves', () => {
  it('health is ok and a valid request over each transport is stored', async () => {
    const res = await fetch(`${ppo.apiBase}/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
    const body = request('hostile-after', [span({ name: 'alive' })]);
    expect((await exportProto('http-proto', 'traces', body)).outcome).toBe('ok');
    expect((await exportProto('grpc', 'traces', body)).outcome).toBe('ok');
    expect(await rows(`SELECT count() AS n FROM otel_traces WHERE ServiceName = 'hostile-after'`)).toEqual([{ n: '2' }]);
  });
});

