import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EncodedRequest, RequestPool } from './request-pool.ts';

const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const identity = (b: Buffer): Buffer => b;

export interface LoadOptions {
  target: string;
  clients: number;
  pool: RequestPool;
  warmupMs: number;
  measureMs: number;
  /** Called every `progressMs` while measuring. */
  onProgress?: (p: LoadProgress) => void;
  progressMs?: number;
  /** Called when the measured window opens and closes (for CPU readings). */
  onWindow?: (edge: 'start' | 'end') => void;
}

export interface LoadProgress {
  phase: 'warmup' | 'measure';
  elapsedS: number;
  spansAckedInWindow: number;
  spansPerS: number;
  retries: number;
  errors: number;
}

export interface LoadResult {
  /** Spans acknowledged (sent minus partial_success rejections) inside the measured window. */
  spansAckedInWindow: number;
  requestsAckedInWindow: number;
  windowS: number;
  /** Everything acknowledged, warm-up and tail included: what must be in the table. */
  spansAckedTotal: number;
  requestsAckedTotal: number;
  spansRejected: number;
  retries: number;
  errors: number;
  errorSamples: string[];
  /** Requests given up on after the window closed while still being refused. */
  abandoned: number;
  latencyMs: { p50: number; p99: number; max: number };
  poolGenerations: number;
}

interface CallOutcome {
  ok: boolean;
  code?: grpc.status;
  message?: string;
  response?: Buffer;
}

function exportOnce(client: grpc.Client, body: Buffer): Promise<CallOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      TRACE_EXPORT,
      identity,
      identity,
      body,
      new grpc.Metadata(),
      { deadline: Date.now() + 60_000 },
      (err, response) => {
        if (err) resolve({ ok: false, code: err.code, message: err.details || err.message });
        else resolve(response ? { ok: true, response } : { ok: true });
      },
    );
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/**
 * N concurrent OTLP/gRPC clients, each on its own channel (own HTTP/2
 * connection, as separate SDKs or collectors would be), each sending the next
 * pre-encoded request as soon as the previous one is acknowledged. Refusals
 * (UNAVAILABLE) are retried with a short back-off and counted.
 */
export async function runGrpcLoad(opts: LoadOptions): Promise<LoadResult> {
  const clients = Array.from(
    { length: opts.clients },
    () =>
      new grpc.Client(opts.target, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_receive_message_length': -1,
        'grpc.max_send_message_length': -1,
      }),
  );
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve, reject) =>
          c.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())),
        ),
    ),
  );

  const started = performance.now();
  const windowStart = started + opts.warmupMs;
  const windowEnd = windowStart + opts.measureMs;
  let windowOpened = false;
  let windowClosed = false;
  const r: LoadResult = {
    spansAckedInWindow: 0,
    requestsAckedInWindow: 0,
    windowS: opts.measureMs / 1000,
    spansAckedTotal: 0,
    requestsAckedTotal: 0,
    spansRejected: 0,
    retries: 0,
    errors: 0,
    errorSamples: [],
    abandoned: 0,
    latencyMs: { p50: 0, p99: 0, max: 0 },
    poolGenerations: 0,
  };
  const latencies: number[] = [];

  const windowTimers = [
    setTimeout(() => {
      windowOpened = true;
      opts.onWindow?.('start');
    }, opts.warmupMs),
    setTimeout(() => {
      windowClosed = true;
      opts.onWindow?.('end');
    }, opts.warmupMs + opts.measureMs),
  ];
  const progressMs = opts.progressMs ?? 5000;
  const progress = setInterval(() => {
    const now = performance.now();
    const inWindow = now >= windowStart;
    const elapsed = inWindow ? (now - windowStart) / 1000 : (now - started) / 1000;
    opts.onProgress?.({
      phase: inWindow ? 'measure' : 'warmup',
      elapsedS: elapsed,
      spansAckedInWindow: r.spansAckedInWindow,
      spansPerS: inWindow && elapsed > 0 ? r.spansAckedInWindow / elapsed : 0,
      retries: r.retries,
      errors: r.errors,
    });
  }, progressMs);

  const acknowledge = (req: EncodedRequest, outcome: CallOutcome, sentAt: number): void => {
    const at = performance.now();
    let rejected = 0;
    if (outcome.response && outcome.response.length > 0) {
      const res = ProtobufTraceSerializer.deserializeResponse(outcome.response);
      rejected = Number(res.partialSuccess?.rejectedSpans ?? 0);
      if (rejected > 0 && r.errorSamples.length < 5) r.errorSamples.push(`partial_success: ${res.partialSuccess?.errorMessage ?? ''}`);
    }
    const acked = req.spans - rejected;
    r.spansAckedTotal += acked;
    r.requestsAckedTotal++;
    r.spansRejected += rejected;
    if (at >= windowStart && at <= windowEnd) {
      r.spansAckedInWindow += acked;
      r.requestsAckedInWindow++;
      latencies.push(at - sentAt);
    }
  };

  const worker = async (client: grpc.Client): Promise<void> => {
    while (!windowClosed) {
      const req = opts.pool.take();
      try {
        for (let attempt = 0; ; attempt++) {
          const sentAt = performance.now();
          const outcome = await exportOnce(client, req.body);
          if (outcome.ok) {
            acknowledge(req, outcome, sentAt);
            break;
          }
          if (outcome.code === grpc.status.UNAVAILABLE) {
            if (windowClosed) {
              r.abandoned++;
              break;
            }
            r.retries++;
            await sleep(Math.min(1000, 25 * 2 ** attempt));
            continue;
          }
          r.errors++;
          if (r.errorSamples.length < 5) r.errorSamples.push(`${grpc.status[outcome.code ?? grpc.status.UNKNOWN]}: ${outcome.message ?? ''}`);
          await sleep(100);
          break;
        }
      } finally {
        opts.pool.release(req);
      }
    }
  };

  try {
    await Promise.all(clients.map((c) => worker(c)));
  } finally {
    for (const t of windowTimers) clearTimeout(t);
    clearInterval(progress);
    for (const c of clients) c.close();
  }
  if (!windowOpened) opts.onWindow?.('start');
  latencies.sort((a, b) => a - b);
  r.latencyMs = { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? 0 };
  r.poolGenerations = opts.pool.generations;
  return r;
}
