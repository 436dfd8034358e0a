import { setTimeout as sleep } from 'node:timers/promises';
import type { OverloadClient } from './overload-client.ts';
import type { PoolCatalog } from './overload-verify.ts';
import type { EncodedRequest, RequestPool } from './request-pool.ts';

/**
 * Load for `bench:overload`: requests offered at a fixed rate whatever PPO
 * answers (open loop, like many independent SDKs), and refusals honoured the
 * way an OTel SDK does: UNAVAILABLE means "not taken, resend later", after the
 * server's RetryInfo delay if it sent one, else exponential back-off with
 * jitter, at most `maxRetries` times; then the batch is given up. Every
 * acknowledged request is recorded by identity for the exact tally afterwards.
 */

export interface RetryPolicy {
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/** Exponential back-off of the OTel exporters (x1.5, +-20% jitter), at least the server's hint. */
export function retryDelay(policy: RetryPolicy, retry: number, hintMs: number | undefined): number {
  const backoff = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 1.5 ** retry);
  return Math.max(hintMs ?? 0, backoff) * (0.8 + Math.random() * 0.4);
}

/** Everything the client saw, counted exactly. */
export class Ledger {
  /** Instance id → spans acknowledged (sent minus partial_success rejections). */
  readonly acked = new Map<string, number>();
  ackedSpans = 0;
  ackedRequests = 0;
  /** UNAVAILABLE answers (each one a refused attempt). */
  refusedRetryable = 0;
  /** Requests and spans given up after `maxRetries` refusals. */
  gaveUpRequests = 0;
  gaveUpSpans = 0;
  /** Requests offered while `maxOutstanding` were already waiting (an SDK's full queue drops them), never sent. */
  droppedRequests = 0;
  rejectedSpans = 0;
  errors = 0;
  readonly errorSamples: string[] = [];
  readonly refusalSamples = new Set<string>();
  /** Acknowledged spans with their time, for rates over a window: [performance.now(), spans]. */
  readonly ackTimes: [number, number][] = [];

  spansAckedBetween(from: number, to: number): number {
    let n = 0;
    for (const [at, spans] of this.ackTimes) if (at >= from && at <= to) n += spans;
    return n;
  }
}

export interface DriverOptions {
  client: OverloadClient;
  pool: RequestPool;
  catalog: PoolCatalog;
  ledger: Ledger;
  retry: RetryPolicy;
  /** Set to stop retrying (the run is over): pending requests are given up at their next refusal. */
  shouldStop?: () => boolean;
}

/** Sends one pool request until it is acknowledged, refused too often, or fails for good; releases it. */
async function exportWithRetries(opts: DriverOptions, req: EncodedRequest): Promise<void> {
  const { ledger } = opts;
  try {
    const id = opts.catalog.instanceId(req);
    for (let retry = 0; ; retry++) {
      const outcome = await opts.client.send(req.body);
      if (outcome.kind === 'ok') {
        const spans = req.spans - outcome.rejected;
        if (ledger.acked.has(id)) throw new Error(`request instance ${id} acknowledged twice: the pool reused an identity`);
        ledger.acked.set(id, spans);
        ledger.ackedSpans += spans;
        ledger.ackedRequests++;
        ledger.rejectedSpans += outcome.rejected;
        ledger.ackTimes.push([performance.now(), spans]);
        return;
      }
      if (outcome.kind === 'error') {
        ledger.errors++;
        if (ledger.errorSamples.length < 5) ledger.errorSamples.push(`${outcome.code}: ${outcome.message}`);
        return;
      }
      ledger.refusedRetryable++;
      if (ledger.refusalSamples.size < 4) ledger.refusalSamples.add(`${outcome.message} (retry after ${outcome.retryAfterMs ?? '-'} ms)`);
      if (retry >= opts.retry.maxRetries || opts.shouldStop?.()) {
        ledger.gaveUpRequests++;
        ledger.gaveUpSpans += req.spans;
        return;
      }
      await sleep(retryDelay(opts.retry, retry, outcome.retryAfterMs));
    }
  } finally {
    opts.pool.release(req);
  }
}

/** `concurrency` requests in flight back to back for `seconds` (to find the rate PPO sustains). */
export async function closedLoop(opts: DriverOptions, concurrency: number, seconds: number): Promise<void> {
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await exportWithRetries(opts, opts.pool.take());
    }),
  );
}

export interface OpenLoopOptions {
  spansPerS: number;
  seconds: number;
  /** Requests in flight or waiting to be resent; beyond it new ones are dropped, as an SDK's full queue would. */
  maxOutstanding: number;
  onTick?: (s: { outstanding: number; offeredSpans: number }) => void;
}

export interface OpenLoopResult {
  offeredSpans: number;
  sentRequests: number;
  windowStart: number;
  windowEnd: number;
  /** How long the last resends took after the window closed. */
  tailMs: number;
}

/** Offers `spansPerS` for `seconds`, then waits for every request still being resent. */
export async function openLoop(opts: DriverOptions, load: OpenLoopOptions): Promise<OpenLoopResult> {
  const avgSpans = opts.pool.stats.spans / opts.pool.stats.requests;
  const windowStart = performance.now();
  const windowEnd = windowStart + load.seconds * 1000;
  const pending = new Set<Promise<void>>();
  let offeredSpans = 0;
  let sentRequests = 0;
  for (let now = windowStart; now < windowEnd; now = performance.now()) {
    const due = (load.spansPerS * (now - windowStart)) / 1000;
    while (offeredSpans < due) {
      if (pending.size >= load.maxOutstanding) {
        offeredSpans += avgSpans;
        opts.ledger.droppedRequests++;
        continue;
      }
      const req = opts.pool.take();
      offeredSpans += req.spans;
      sentRequests++;
      const p: Promise<void> = exportWithRetries(opts, req).finally(() => pending.delete(p));
      pending.add(p);
    }
    load.onTick?.({ outstanding: pending.size, offeredSpans });
    await sleep(2);
  }
  const closedAt = performance.now();
  await Promise.all(pending);
  return { offeredSpans, sentRequests, windowStart, windowEnd: closedAt, tailMs: performance.now() - closedAt };
}
