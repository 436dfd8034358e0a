/**
 * Property-based fuzzing of both OTLP receivers (issue #4, "Hostile input"):
 * over 10,000 mutated protobuf and JSON export requests, built from valid
 * SDK and spec-example requests, go to OTLP/HTTP (protobuf and JSON) and
 * OTLP/gRPC of one PPO. Every request must be answered within 10 s with
 * 200 / OK (an Export*ServiceResponse whose partial_success explains any
 * rejection) or 400 / INVALID_ARGUMENT (a google.rpc.Status with a message),
 * nothing else. Then the rows stored must equal the items sent in answered
 * requests minus the ones reported rejected, counted by a schema-less parser
 * independent of PPO's decoders, and the process must still serve.
 *
 * Reproduce a failure with the seed fast-check prints:
 * `PPO_FUZZ_SEED=<seed> npx vitest run test/fuzz-receivers.test.ts`.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpJsonToProto, type RequestKind } from '../collector/src/otlp/testing/otlp-json-to-proto.ts';
import { encodeSpans, sdkLogsRequest, sdkMetricsRequest, sdkSpans } from '../collector/src/otlp/testing/sdk-requests.ts';
import type { Signal } from './helpers/http.ts';
import { countItems } from './helpers/otlp-items.ts';
import {
  applyByteOp,
  applyJsonMutation,
  applyProtoMutation,
  byteOp,
  jsonMutation,
  protoMutation,
  type ByteOp,
  type JsonMutation,
  type ProtoMutation,
} from './helpers/otlp-mutations.ts';
import { mapLimit, OtlpGrpcClient, OtlpHttpClient, type GrpcReply, type RawHttpReply } from './helpers/otlp-transport.ts';
import { decodeExportResponse, decodeRpcStatus } from './helpers/protobuf-wire.ts';
import { sharedPath } from './helpers/shared-dir.ts';
import { queryCount, waitForCount } from './helpers/sql.ts';
import { startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

const SEED = Number(process.env['PPO_FUZZ_SEED'] ?? 0x0e7c4);
/** Requests per transport; together at least 10,000. */
const RUNS = { httpProto: 3_600, httpJson: 3_600, grpc: 2_880 };
/**
 * Requests per property run, sent 16 at a time: a run waits for its slowest
 * answer, so runs are long enough for that wait to be a small share.
 */
const BATCH = 80;
const IN_FLIGHT = 16;
const ANSWER_WITHIN_MS = 10_000;
/**
 * A property that runs past its budget fails (a hang somewhere), and shrinking
 * a failure (each step re-sends a batch) stops there, reporting the smallest
 * counterexample found so far.
 */
const FC_OPTIONS = { seed: SEED, interruptAfterTimeLimit: 100_000, markInterruptAsFailure: true };
/** A clear message names the problem and where; it does not quote megabytes of the request back. */
const MAX_MESSAGE_CHARS = 2_000;

function checkMessage(where: string, message: string): void {
  if (message.trim() === '') throw new Error(`${where}: empty message`);
  if (message.length > MAX_MESSAGE_CHARS) throw new Error(`${where}: message of ${message.length} characters: ${message.slice(0, 200)}…`);
}

const FIXTURES = sharedPath('fixtures', 'otlp-json');
const KIND: Record<Signal, RequestKind> = { traces: 'TracesRequest', metrics: 'MetricsRequest', logs: 'LogsRequest' };

interface Seed {
  signal: Signal;
  proto: Uint8Array;
  json: unknown;
  name: string;
}

let ppo: TestPpo;
let http: OtlpHttpClient;
let grpcClient: OtlpGrpcClient;
/** Sends every message gzip-compressed (grpc-encoding: gzip). */
let grpcGzipClient: OtlpGrpcClient;
const seeds: Seed[] = [];

/** Items that 200 answers said were stored (items in the request − rejected), per signal. */
const expectedRows: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
const answered = { ok: 0, invalid: 0, partial: 0 };
const sent = { httpProto: 0, httpJson: 0, grpc: 0 };

beforeAll(async () => {
  // fsync per group commit is the spool tests' subject; here it would only slow 10,000 requests down.
  ppo = await startTestPpo({ PPO_MAX_REQUEST_BYTES: String(8 * 1024 * 1024), PPO_SPOOL_FSYNC: 'interval' });
  http = new OtlpHttpClient(ppo.httpPort, IN_FLIGHT);
  grpcClient = new OtlpGrpcClient(ppo.grpcPort);
  // 2 = gzip in grpc-js's compression algorithm enum.
  grpcGzipClient = new OtlpGrpcClient(ppo.grpcPort, { 'grpc.default_compression_algorithm': 2 });

  const sdkTraces = encodeSpans(sdkSpans(2, 6));
  const sdkMetrics = await sdkMetricsRequest();
  const sdkLogs = sdkLogsRequest();
  const parse = (b: Uint8Array): unknown => JSON.parse(Buffer.from(b).toString('utf8'));
  seeds.push(
    { signal: 'traces', name: 'sdk traces', proto: sdkTraces.proto, json: parse(sdkTraces.json) },
    { signal: 'metrics', name: 'sdk metrics', proto: sdkMetrics.proto, json: parse(sdkMetrics.json) },
    { signal: 'logs', name: 'sdk logs', proto: sdkLogs.proto, json: parse(sdkLogs.json) },
  );
  for (const [file, signal] of [['trace.json', 'traces'], ['metrics.json', 'metrics'], ['logs.json', 'logs'], ['events.json', 'logs']] as const) {
    const json = JSON.parse(readFileSync(`${FIXTURES}/${file}`, 'utf8')) as unknown;
    seeds.push({ signal, name: file, json, proto: otlpJsonToProto(KIND[signal], json) });
  }
});

afterAll(async () => {
  http?.close();
  grpcClient?.close();
  grpcGzipClient?.close();
  await ppo?.stop();
});

function seedOf(index: number): Seed {
  return seeds[index % seeds.length] as Seed;
}

/** Runs one request's send-and-check; a failure names the case, since a property run holds BATCH of them. */
async function oneCase(c: unknown, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const text = JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : v));
    throw new Error(`${(err as Error).message}\n  failing case: ${text.length > 2_000 ? text.slice(0, 2_000) + '…' : text}`, { cause: err });
  }
}

function show(body: Uint8Array): string {
  const b = Buffer.from(body);
  return b.length > 300 ? `${b.subarray(0, 300).toString('hex')}… (${b.length} bytes)` : b.toString('hex');
}

/**
 * Checks a 200's reported rejections against the request and books the
 * rows it promised. `rejected` is from the response, the item count from
 * an independent parse of what the receiver decoded.
 */
function bookAccepted(signal: Signal, encoding: 'proto' | 'json', decoded: Uint8Array, rejected: bigint, errorMessage: string): void {
  let items: number;
  try {
    items = countItems(signal, encoding, decoded);
  } catch (err) {
    throw new Error(`200 for a request whose envelope is not valid OTLP (${(err as Error).message}); body ${show(decoded)}`);
  }
  if (rejected < 0n || rejected > BigInt(items)) {
    throw new Error(`rejected ${rejected} of ${items} items; body ${show(decoded)}`);
  }
  if (rejected > 0n) checkMessage(`partial_success rejecting ${rejected} items`, errorMessage);
  expectedRows[signal] += items - Number(rejected);
  answered.ok++;
  if (rejected > 0n) answered.partial++;
}

const REJECTED_KEY: Record<Signal, string> = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' };

function checkHttpReply(signal: Signal, encoding: 'proto' | 'json', decoded: Uint8Array | undefined, reply: RawHttpReply): void {
  const ctype = String(reply.headers['content-type'] ?? '');
  const where = `HTTP ${encoding} /v1/${signal} → ${reply.status}`;
  if (reply.status !== 200 && reply.status !== 400) {
    throw new Error(`${where}: status must be 200 or 400; body ${reply.body.toString('utf8').slice(0, 500)}`);
  }
  if (encoding === 'proto' && !ctype.startsWith('application/x-protobuf')) throw new Error(`${where}: content-type ${ctype}`);
  if (encoding === 'json' && !ctype.startsWith('application/json')) throw new Error(`${where}: content-type ${ctype}`);
  if (reply.status === 400) {
    const status = encoding === 'proto' ? decodeRpcStatus(reply.body) : (JSON.parse(reply.body.toString('utf8')) as { code?: unknown; message?: unknown });
    if (status.code !== 3) throw new Error(`${where}: Status code ${String(status.code)}, want 3 (INVALID_ARGUMENT)`);
    if (typeof status.message !== 'string') throw new Error(`${where}: Status without a message`);
    checkMessage(where, status.message);
    answered.invalid++;
    return;
  }
  if (decoded === undefined) throw new Error(`${where}: 200 for a body that does not decompress`);
  if (encoding === 'proto') {
    const r = decodeExportResponse(reply.body);
    bookAccepted(signal, encoding, decoded, r.rejected, r.errorMessage);
    return;
  }
  const body = JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>;
  const keys = Object.keys(body);
  if (keys.length === 0) {
    bookAccepted(signal, encoding, decoded, 0n, '');
    return;
  }
  if (keys.length !== 1 || keys[0] !== 'partialSuccess') throw new Error(`${where}: unexpected response ${JSON.stringify(body)}`);
  const ps = body['partialSuccess'] as Record<string, unknown>;
  for (const k of Object.keys(ps)) {
    if (k !== REJECTED_KEY[signal] && k !== 'errorMessage') throw new Error(`${where}: unexpected partialSuccess.${k}`);
  }
  const count = ps[REJECTED_KEY[signal]] ?? '0';
  if (typeof count !== 'string' || !/^\d+$/.test(count)) throw new Error(`${where}: ${REJECTED_KEY[signal]} ${JSON.stringify(count)} is not an int64 string`);
  const message = ps['errorMessage'] ?? '';
  if (typeof message !== 'string') throw new Error(`${where}: errorMessage is not a string`);
  bookAccepted(signal, encoding, decoded, BigInt(count), message);
}

function checkGrpcReply(signal: Signal, body: Uint8Array, reply: GrpcReply): void {
  const where = `gRPC ${signal} → ${grpc.status[reply.code]}`;
  if (reply.code === grpc.status.INVALID_ARGUMENT) {
    checkMessage(where, reply.details);
    answered.invalid++;
    return;
  }
  if (reply.code !== grpc.status.OK) throw new Error(`${where}: ${reply.details}; body ${show(body)}`);
  const r = decodeExportResponse(reply.response ?? Buffer.alloc(0));
  bookAccepted(signal, 'proto', body, r.rejected, r.errorMessage);
}

type Compression = { kind: 'none' } | { kind: 'gzip' } | { kind: 'corrupt-gzip'; op: ByteOp };

const compression: fc.Arbitrary<Compression> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'gzip' as const }) },
  { weight: 1, arbitrary: byteOp.map((op) => ({ kind: 'corrupt-gzip' as const, op })) },
);

/** The bytes on the wire and what the receiver should decode from them (undefined: not valid gzip). */
function compress(body: Buffer, c: Compression): { wire: Buffer; decoded: Buffer | undefined; headers: Record<string, string> } {
  if (c.kind === 'none') return { wire: body, decoded: body, headers: {} };
  let wire: Buffer = gzipSync(body);
  if (c.kind === 'corrupt-gzip') wire = applyByteOp(wire, c.op);
  let decoded: Buffer | undefined;
  try {
    decoded = gunzipSync(wire);
  } catch {
    decoded = undefined;
  }
  return { wire, decoded, headers: { 'Content-Encoding': 'gzip' } };
}

async function sendHttp(signal: Signal, encoding: 'proto' | 'json', body: Buffer, c: Compression): Promise<void> {
  const { wire, decoded, headers } = compress(body, c);
  const reply = await http.post({
    path: `/v1/${signal}`,
    headers: { 'Content-Type': encoding === 'proto' ? 'application/x-protobuf' : 'application/json', ...headers },
    body: wire,
    timeoutMs: ANSWER_WITHIN_MS,
  });
  checkHttpReply(signal, encoding, decoded, reply);
}

describe('fuzzing the OTLP receivers with mutated requests', () => {
  it(`OTLP/HTTP protobuf: ${RUNS.httpProto} mutated requests, each answered 200 or 400 as the spec says`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(protoMutation, compression), { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        await mapLimit(cases, IN_FLIGHT, ([m, c]: [ProtoMutation, Compression]) =>
          oneCase([m, c], async () => {
            const seed = seedOf(m.seed);
            sent.httpProto++;
            await sendHttp(seed.signal, 'proto', applyProtoMutation(seed.proto, m), c);
          }),
        );
      }),
      { ...FC_OPTIONS, numRuns: RUNS.httpProto / BATCH },
    );
  }, 120_000);

  it(`OTLP/HTTP JSON: ${RUNS.httpJson} mutated requests, each answered 200 or 400 as the spec says`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(jsonMutation, compression), { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        await mapLimit(cases, IN_FLIGHT, ([m, c]: [JsonMutation, Compression]) =>
          oneCase([m, c], async () => {
            const seed = seedOf(m.seed);
            sent.httpJson++;
            await sendHttp(seed.signal, 'json', applyJsonMutation(seed.json, m), c);
          }),
        );
      }),
      { ...FC_OPTIONS, numRuns: RUNS.httpJson / BATCH },
    );
  }, 120_000);

  it(`OTLP/gRPC: ${RUNS.grpc} mutated requests, each answered OK or INVALID_ARGUMENT`, async () => {
    const gzip = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(protoMutation, gzip), { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        await mapLimit(cases, IN_FLIGHT, ([m, compressed]: [ProtoMutation, boolean]) =>
          oneCase([m, compressed], async () => {
            const seed = seedOf(m.seed);
            const body = applyProtoMutation(seed.proto, m);
            sent.grpc++;
            const client = compressed ? grpcGzipClient : grpcClient;
            checkGrpcReply(seed.signal, body, await client.export(seed.signal, body, ANSWER_WITHIN_MS));
          }),
        );
      }),
      { ...FC_OPTIONS, numRuns: RUNS.grpc / BATCH },
    );
  }, 120_000);

  it('sent at least 10,000 requests; some were accepted, some partially, some refused', () => {
    expect(sent.httpProto + sent.httpJson + sent.grpc).toBeGreaterThanOrEqual(10_000);
    // A fuzzer that only ever hits one answer tests little.
    expect(answered.ok).toBeGreaterThan(1_000);
    expect(answered.partial).toBeGreaterThan(100);
    expect(answered.invalid).toBeGreaterThan(1_000);
  });

  it('every INSERT of the accepted rows succeeded', async () => {
    // The drainer retries a refused batch until it lands, so one the database can never take blocks its table for good.
    const collector = ppo.ppo.collector;
    if (!collector) throw new Error('PPO runs without the collector role');
    await Promise.race([collector.drainer.drained(), delay(30_000)]);
    expect(collector.drainer.insertError).toBeUndefined();
    expect(collector.inserts.failures).toBe(0);
    expect(collector.drainer.backlogRows).toBe(0);
  });

  it('rows stored = items in accepted requests − items reported rejected', async () => {
    const client = ppo.ppo.storage.client;
    const queries: Record<Signal, string> = {
      traces: 'SELECT count() FROM otel_traces',
      logs: 'SELECT count() FROM otel_logs',
      metrics: `SELECT (SELECT count() FROM otel_metrics_gauge) + (SELECT count() FROM otel_metrics_sum)
        + (SELECT count() FROM otel_metrics_histogram) + (SELECT count() FROM otel_metrics_exponential_histogram)
        + (SELECT count() FROM otel_metrics_summary)`,
    };
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      await waitForCount(client, queries[signal], {}, expectedRows[signal]);
      expect(await queryCount(client, queries[signal]), signal).toBe(expectedRows[signal]);
    }
  });
});

describe('after the fuzzing, the process still serves', () => {
  it('health is ok', async () => {
    const res = await fetch(`${ppo.apiBase}/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
  });

  it('valid requests on every transport are accepted and queryable', async () => {
    const traceId = 'f1'.repeat(16);
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'after-fuzz' } }] },
          scopeSpans: [
            {
              spans: [1, 2, 3].map((i) => ({
                traceId,
                spanId: `${i}`.repeat(16),
                name: `alive-${i}`,
                startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n + 1000n),
              })),
            },
          ],
        },
      ],
    };
    const proto = Buffer.from(otlpJsonToProto('TracesRequest', request));
    const viaJson = await http.post({ path: '/v1/traces', headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(request)) });
    const viaProto = await http.post({ path: '/v1/traces', headers: { 'Content-Type': 'application/x-protobuf' }, body: proto });
    const viaGrpc = await grpcClient.export('traces', proto);
    expect([viaJson.status, viaProto.status, viaGrpc.code]).toEqual([200, 200, grpc.status.OK]);
    const rows = await waitForCount(
      ppo.ppo.storage.client,
      'SELECT count() FROM otel_traces WHERE ServiceName = {svc:String} AND TraceId = {tid:String}',
      { svc: 'after-fuzz', tid: traceId },
      9,
    );
    expect(rows).toBe(9);
  });
});
