/**
 * Bad input over OTLP/HTTP and OTLP/gRPC: each is refused with the status the
 * OTLP spec gives it and a message that names the problem, and the process
 * keeps serving (the last tests send valid requests that must still succeed).
 * Exact messages belong to the decoders; only status codes and the gist of
 * the message are asserted here.
 */
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postOtlp, type HttpReply } from './helpers/http.ts';
import { queryCount, waitForCount } from './helpers/sql.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

const LIMIT = 1024 * 1024;
const TRACE_SERVICE = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

let ppo: TestPpo;
let grpcClient: grpc.Client;
let gzipGrpcClient: grpc.Client;

beforeAll(async () => {
  ppo = await startTestPpo({ PPO_MAX_REQUEST_BYTES: String(LIMIT) });
  const target = `127.0.0.1:${ppo.grpcPort}`;
  grpcClient = new grpc.Client(target, grpc.credentials.createInsecure());
  // 2 = gzip in grpc-js's compression algorithm enum.
  gzipGrpcClient = new grpc.Client(target, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
});

afterAll(async () => {
  grpcClient?.close();
  gzipGrpcClient?.close();
  await ppo?.stop();
});

/** Real SDK spans (one trace), optionally with a big attribute to pad the request. */
function makeSpans(serviceName: string, count: number, padBytes = 0): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('receiver-errors');
  const root = tracer.startSpan('root', padBytes > 0 ? { attributes: { pad: 'x'.repeat(padBytes) } } : {});
  for (let i = 1; i < count; i++) tracer.startSpan(`child-${i}`, {}, trace.setSpan(ROOT_CONTEXT, root)).end();
  root.end();
  return memory.getFinishedSpans();
}

function protoRequest(spans: ReadableSpan[]): Buffer {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('serializer returned nothing');
  return Buffer.from(bytes);
}

/** google.rpc.Status {code = 1, message = 2}, the protobuf error body of OTLP/HTTP. */
function decodeRpcStatus(buf: Buffer): { code: number; message: string } {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  };
  let code = 0;
  let message = '';
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) code = v;
    } else if (wire === 2) {
      const len = varint();
      const bytes = buf.subarray(pos, pos + len);
      pos += len;
      if (field === 2) message = bytes.toString('utf8');
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return { code, message };
}

function jsonMessage(reply: HttpReply): string {
  const body = reply.json as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : '';
}

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A request through node:http, so a test can stream a body without a
 * Content-Length or use any method. Resolves with the response even when the
 * server stops reading the body early (a 413 before the upload finishes).
 */
function rawRequest(opts: { method: string; path: string; headers?: Record<string, string>; chunks?: Buffer[] }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: '127.0.0.1', port: ppo.httpPort, method: opts.method, path: opts.path, headers: opts.headers ?? {} }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    // EPIPE/ECONNRESET while still uploading is expected once the server has answered.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const chunks = opts.chunks ?? [];
    const writeNext = (i: number): void => {
      if (i >= chunks.length) {
        req.end();
        return;
      }
      const ok = req.write(chunks[i]);
      if (ok) setImmediate(() => writeNext(i + 1));
      else req.once('drain', () => writeNext(i + 1));
    };
    writeNext(0);
  });
}

interface GrpcOutcome {
  error: grpc.ServiceError | null;
  response: Buffer | undefined;
}

function grpcExport(client: grpc.Client, body: Buffer, path = TRACE_SERVICE): Promise<GrpcOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      path,
      (b) => b,
      (b) => b,
      body,
      new grpc.Metadata(),
      { deadline: Date.now() + 10_000 },
      (error, response) => resolve({ error, response }),
    );
  });
}

async function spansOf(serviceName: string): Promise<number> {
  return queryCount(ppo.ppo.storage.client, 'SELECT count() FROM otel_traces WHERE ServiceName = {svc:String}', { svc: serviceName });
}

describe('OTLP/HTTP', () => {
  it('malformed protobuf → 400 with a google.rpc.Status body naming the problem', async () => {
    // Field 1 (resource_spans), length 2^28: far past the end of the body.
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x02]));
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    const status = decodeRpcStatus(reply.body);
    expect(status.code).toBe(3); // INVALID_ARGUMENT
    expect(status.message).toMatch(/proto|invalid|truncat|length|decode/i);
  });

  it('malformed protobuf on /v1/metrics and /v1/logs → 400 too', async () => {
    for (const signal of ['metrics', 'logs'] as const) {
      const reply = await postOtlp(ppo.otlpHttpUrl, signal, Buffer.from([0xff, 0xff, 0xff, 0xff]));
      expect(reply.status, signal).toBe(400);
      expect(decodeRpcStatus(reply.body).message.length, signal).toBeGreaterThan(0);
    }
  });

  it('malformed JSON → 400 with a JSON message', async () => {
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', '{"resourceSpans": [', { contentType: 'application/json' });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(jsonMessage(reply)).toMatch(/JSON/i);
  });

  it('JSON of the wrong shape → 400', async () => {
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', { resourceSpans: 'not an array' });
    expect(reply.status).toBe(400);
    expect(jsonMessage(reply)).toMatch(/resourceSpans|array|invalid/i);
  });

  it('wrong Content-Type → 415', async () => {
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', '{}', { contentType: 'text/plain' });
    expect(reply.status).toBe(415);
    expect(jsonMessage(reply)).toMatch(/content-type/i);
  });

  it('GET and PUT → 405 with Allow: POST', async () => {
    for (const method of ['GET', 'PUT']) {
      const res = await fetch(`${ppo.otlpHttpUrl}/v1/traces`, { method, ...(method === 'PUT' ? { body: '{}', headers: { 'Content-Type': 'application/json' } } : {}) });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow'), method).toBe('POST');
      await res.arrayBuffer();
    }
  });

  it('unknown path → 404', async () => {
    const res = await fetch(`${ppo.otlpHttpUrl}/v1/profiles`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });

  it('body over PPO_MAX_REQUEST_BYTES (Content-Length) → 413', async () => {
    const body = protoRequest(makeSpans('too-big-http', 1, LIMIT + 1024));
    expect(body.length).toBeGreaterThan(LIMIT);
    const reply = await rawRequest({
      method: 'POST',
      path: '/v1/traces',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': String(body.length) },
      chunks: [body],
    });
    expect(reply.status).toBe(413);
    expect(decodeRpcStatus(reply.body).message).toMatch(/limit/);
    expect(await spansOf('too-big-http')).toBe(0);
  });

  it('body over the limit without a Content-Length (chunked) → 413', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const chunks = Array.from({ length: 24 }, () => chunk); // 1.5 MiB
    const reply = await rawRequest({ method: 'POST', path: '/v1/traces', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }, chunks });
    expect(reply.status).toBe(413);
    expect(String((JSON.parse(reply.body.toString()) as { message?: string }).message)).toMatch(/limit/);
  });

  it('a small gzip body that inflates past the limit → 413, quickly', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(100 * 1024);
    const started = performance.now();
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', bomb, { contentType: 'application/x-protobuf', headers: { 'Content-Encoding': 'gzip' } });
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(413);
    expect(decodeRpcStatus(reply.body).message).toMatch(/limit/);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('invalid gzip → 400', async () => {
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', '{"resourceSpans":[]}', {
      contentType: 'application/json',
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(reply.status).toBe(400);
    expect(jsonMessage(reply)).toMatch(/gzip/i);
  });

  it('partial success: one valid span stored, one with a 10-hex-char trace id rejected', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const payload = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial-success' } }] },
          scopeSpans: [
            {
              scope: { name: 'receiver-errors' },
              spans: [
                { traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b175', name: 'valid', kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n) },
                { traceId: '0123456789', spanId: 'eee19b7ec3c1b176', name: 'bad trace id', kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n) },
              ],
            },
          ],
        },
      ],
    };
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', payload);
    expect(reply.status).toBe(200);
    const body = reply.json as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } };
    expect(Number(body.partialSuccess?.rejectedSpans)).toBe(1);
    expect(String(body.partialSuccess?.rejectedSpans)).toBe('1');
    expect(body.partialSuccess?.errorMessage ?? '').toMatch(/trace/i);
    const stored = await waitForCount(ppo.ppo.storage.client, 'SELECT count() FROM otel_traces WHERE ServiceName = {svc:String}', { svc: 'partial-success' }, 1);
    expect(stored).toBe(1);
    const names = await ppo.ppo.storage.client
      .query({ query: `SELECT SpanName FROM otel_traces WHERE ServiceName = 'partial-success'`, format: 'JSONEachRow' })
      .then((r) => r.json<{ SpanName: string }>());
    expect(names).toEqual([{ SpanName: 'valid' }]);
  });
});

describe('OTLP/gRPC', () => {
  it('garbage bytes → INVALID_ARGUMENT with a message', async () => {
    const { error } = await grpcExport(grpcClient, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details ?? '').toMatch(/proto|invalid|truncat|length|decode/i);
  });

  it('garbage on the metrics and logs services → INVALID_ARGUMENT', async () => {
    for (const path of ['/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', '/opentelemetry.proto.collector.logs.v1.LogsService/Export']) {
      const { error } = await grpcExport(grpcClient, Buffer.from([0xff, 0xff, 0xff]), path);
      expect(error?.code, path).toBe(grpc.status.INVALID_ARGUMENT);
      expect((error?.details ?? '').length, path).toBeGreaterThan(0);
    }
  });

  it('message over the limit → RESOURCE_EXHAUSTED', async () => {
    const body = protoRequest(makeSpans('too-big-grpc', 1, LIMIT + 1024));
    const { error } = await grpcExport(grpcClient, body);
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details ?? '').toMatch(/limit|larger|size|exceed/i);
    expect(await spansOf('too-big-grpc')).toBe(0);
  });

  it('gzip-compressed valid request → OK and stored', async () => {
    const spans = makeSpans('grpc-gzip-ok', 3, 20_000);
    const { error, response } = await grpcExport(gzipGrpcClient, protoRequest(spans));
    expect(error).toBeNull();
    expect(response).toBeInstanceOf(Buffer);
    // An empty ExportTraceServiceResponse (no partial_success) is zero bytes.
    expect(response?.length).toBe(0);
    expect(await spansOf('grpc-gzip-ok')).toBe(3);
  });
});

describe('after all of that, the process still serves', () => {
  it('a valid OTLP/HTTP protobuf request', async () => {
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', protoRequest(makeSpans('still-alive-http-proto', 2)));
    expect(reply.status).toBe(200);
    expect(await spansOf('still-alive-http-proto')).toBe(2);
  });

  it('a valid gzip OTLP/HTTP JSON request', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const payload = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'still-alive-http-json' } }] },
          scopeSpans: [{ spans: [{ traceId: '11111111111111111111111111111111', spanId: '2222222222222222', name: 'ok', startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5n) }] }],
        },
      ],
    };
    const reply = await postOtlp(ppo.otlpHttpUrl, 'traces', payload, { gzip: true });
    expect(reply.status).toBe(200);
    expect(await spansOf('still-alive-http-json')).toBe(1);
  });

  it('a valid uncompressed gRPC request', async () => {
    const { error } = await grpcExport(grpcClient, protoRequest(makeSpans('still-alive-grpc', 2)));
    expect(error).toBeNull();
    expect(await spansOf('still-alive-grpc')).toBe(2);
  });

  it('health is still ok', async () => {
    const res = await fetch(`${ppo.apiBase}/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
  });
});
