/**
 * Delivers live events (SLO burn alerts by default) to PPO_WEBHOOK_URL.
 *
 * - Never blocks the publisher: `enqueue` only appends to a bounded in-memory
 *   queue; one worker delivers in order, so a slow or dead endpoint costs at
 *   most `maxQueue` events of memory. When full, the oldest event is dropped
 *   (an alert that old is stale; the newest state matters most) and counted.
 * - Retries network errors, timeouts, 408, 425, 429 and 5xx with exponential
 *   back-off and jitter (half fixed, half random, so retries of many PPOs
 *   spread out but still grow), honouring Retry-After up to the cap; other 4xx
 *   are the receiver refusing the payload and are not retried.
 * - Each attempt has a timeout; stop() aborts the attempt and the waits.
 */
import type { LiveEvent, LiveEventType, LiveEvents } from '../events/live-events.ts';
import type { JobLog } from '../jobs/job.ts';

export interface WebhookOptions {
  url: string;
  /** Event types delivered; ['slo_burn'] when absent. */
  types?: readonly LiveEventType[];
  /** Undelivered events kept; the oldest is dropped beyond it. */
  maxQueue?: number;
  /** Attempts per event, the first included. */
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  log?: JobLog;
  /** Injected for tests of the jitter; Math.random otherwise. */
  random?: () => number;
}

export interface WebhookStats {
  delivered: number;
  /** Events given up on after their last attempt or a non-retryable answer. */
  failed: number;
  /** Events dropped from a full queue. */
  dropped: number;
  /** Attempts repeated after a failure. */
  retries: number;
  queued: number;
}

const RETRYABLE = new Set([408, 425, 429]);

export class WebhookNotifier {
  private readonly queue: LiveEvent[] = [];
  private readonly opts: Required<Omit<WebhookOptions, 'log' | 'types'>> & { log: JobLog | undefined };
  private readonly stopController = new AbortController();
  private working: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  readonly stats: WebhookStats = { delivered: 0, failed: 0, dropped: 0, retries: 0, queued: 0 };

  constructor(opts: WebhookOptions) {
    this.opts = {
      url: opts.url,
      maxQueue: opts.maxQueue ?? 1_000,
      maxAttempts: opts.maxAttempts ?? 8,
      initialBackoffMs: opts.initialBackoffMs ?? 500,
      maxBackoffMs: opts.maxBackoffMs ?? 60_000,
      timeoutMs: opts.timeoutMs ?? 10_000,
      random: opts.random ?? Math.random,
      log: opts.log,
    };
  }

  /** Queues an event for delivery; returns at once. False once stopped. */
  enqueue(event: LiveEvent): boolean {
    if (this.stopController.signal.aborted) return false;
    if (this.queue.length >= this.opts.maxQueue) {
      this.queue.shift();
      this.stats.dropped++;
      // The first drop and every 100th: a dead endpoint must not flood the log too.
      if (this.stats.dropped % 100 === 1) this.opts.log?.warn({ dropped: this.stats.dropped, maxQueue: this.opts.maxQueue }, 'webhook queue full; dropped the oldest event');
    }
    this.queue.push(event);
    this.stats.queued = this.queue.length;
    // Start on the next turn: the first fetch() loads the HTTP stack synchronously, never on the publisher's time.
    this.working ??= new Promise<void>((r) => setImmediate(r))
      .then(() => this.work())
      .finally(() => {
        this.working = undefined;
        for (const w of this.idleWaiters.splice(0)) w();
      });
    return true;
  }

  /** Resolves when the queue is empty and nothing is in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.working) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Aborts the attempt in flight and any wait; queued events are dropped. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.working?.catch(() => undefined);
  }

  /** The wait before attempt `attempt + 1` (attempt >= 1). */
  backoffMs(attempt: number, retryAfterMs?: number): number {
    const exp = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** (attempt - 1));
    const jittered = exp / 2 + this.opts.random() * (exp / 2);
    return retryAfterMs === undefined ? jittered : Math.min(this.opts.maxBackoffMs, Math.max(jittered, retryAfterMs));
  }

  private async work(): Promise<void> {
    const signal = this.stopController.signal;
    for (let event = this.queue.shift(); event !== undefined && !signal.aborted; event = this.queue.shift()) {
      this.stats.queued = this.queue.length;
      await this.deliver(event, signal);
    }
    this.stats.queued = this.queue.length;
  }

  private async deliver(event: LiveEvent, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify({ type: event.type, at: event.at, data: event.data });
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs: number | undefined;
      let reason: string;
      try {
        const res = await fetch(this.opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'ppo-webhook/1', 'x-ppo-event': event.type },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs)]),
        });
        // Drain the body so the connection can be reused.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.stats.delivered++;
          return;
        }
        reason = `HTTP ${res.status}`;
        if (!(res.status >= 500 || RETRYABLE.has(res.status))) {
          this.stats.failed++;
          this.opts.log?.warn({ status: res.status, event: event.type }, 'webhook refused the event; not retrying');
          return;
        }
        const ra = res.headers.get('retry-after');
        if (ra !== null && /^\d+$/.test(ra.trim())) retryAfterMs = Number(ra) * 1000;
      } catch (err) {
        if (signal.aborted) return;
        reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      if (attempt >= this.opts.maxAttempts) {
        this.stats.failed++;
        this.opts.log?.warn({ attempts: attempt, reason, event: event.type }, 'webhook delivery failed; giving up on the event');
        return;
      }
      const wait = this.backoffMs(attempt, retryAfterMs);
      this.stats.retries++;
      this.opts.log?.info({ attempt, reason, retryInMs: Math.round(wait) }, 'webhook delivery failed; retrying');
      if (!(await sleep(wait, signal))) return;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Subscribes a notifier to the bus; stop() unsubscribes and stops it. */
export function startWebhook(events: LiveEvents, opts: WebhookOptions): { notifier: WebhookNotifier; stop(): Promise<void> } {
  const notifier = new WebhookNotifier(opts);
  const types = new Set<LiveEventType>(opts.types ?? ['slo_burn']);
  const unsubscribe = events.subscribe((e) => {
    if (types.has(e.type)) notifier.enqueue(e);
  });
  return {
    notifier,
    stop: async () => {
      unsubscribe();
      await notifier.stop();
    },
  };
}
