import { randomUUID } from 'node:crypto';
import type { OtelTable, TableBatch } from '../rows/table-batch.ts';

/** Writes one batch of TSV rows; rejects on failure. */
export type InsertFn = (table: OtelTable, body: Buffer, dedupToken: string) => Promise<void>;

export interface BatcherOptions {
  insert: InsertFn;
  /** Flush as soon as a table has this many rows waiting and no insert is running for it. */
  minRows: number;
  /** Never put more rows than this in one INSERT. */
  maxRows: number;
  /** Flush rows older than this even when fewer than `minRows` are waiting. */
  maxDelayMs: number;
  /** Bytes of TSV held in memory (waiting + being inserted) beyond which new requests are refused. */
  maxQueuedBytes: number;
  onInsert?: (table: OtelTable, rows: number, bytes: number, ms: number) => void;
  onInsertError?: (table: OtelTable, rows: number, err: unknown) => void;
}

/** The queue is full: a retryable refusal (HTTP 503 / gRPC UNAVAILABLE). */
export class BackpressureError extends Error {
  override readonly name = 'BackpressureError';
  constructor(readonly retryAfterMs: number) {
    super('PPO is at capacity (insert queue full); retry later');
  }
}

/** ClickHouse refused or failed the insert: retryable, the data was not acknowledged. */
export class InsertFailedError extends Error {
  override readonly name = 'InsertFailedError';
  constructor(readonly retryAfterMs: number, cause: unknown) {
    super(`storage insert failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface Pending {
  text: string;
  rows: number;
  waiters: Waiter[];
  since: number;
}

interface TableQueue {
  pending: Pending[];
  pendingRows: number;
  inFlight: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Group-commit batcher: requests wait until their rows are in ClickHouse, so an
 * acknowledgement means stored. While one INSERT per table runs, rows from
 * every concurrent request accumulate and go out together in the next one:
 * batch size grows with load instead of the part count, and latency stays
 * near one insert round-trip. Memory is bounded by `maxQueuedBytes`.
 */
export class InsertBatcher {
  private readonly queues = new Map<OtelTable, TableQueue>();
  private queuedBytes = 0;
  private failing = false;
  private lastError: string | undefined;
  private closed = false;

  constructor(private readonly opts: BatcherOptions) {}

  get bytesQueued(): number {
    return this.queuedBytes;
  }

  /** Undefined while inserts succeed; the last error message while they fail. */
  get insertError(): string | undefined {
    return this.failing ? this.lastError : undefined;
  }

  /**
   * Resolves when every row of `batch` is stored. Throws BackpressureError
   * synchronously-in-effect (rejected promise, nothing enqueued) when full.
   */
  submit(batch: TableBatch): Promise<void> {
    if (this.closed) return Promise.reject(new BackpressureError(1000));
    let bytes = 0;
    for (const t of batch.tables.values()) bytes += t.text.length;
    if (bytes === 0) return Promise.resolve();
    if (this.queuedBytes + bytes > this.opts.maxQueuedBytes) {
      return Promise.reject(new BackpressureError(this.failing ? 5000 : 1000));
    }
    this.queuedBytes += bytes;
    const parts: Promise<void>[] = [];
    for (const [table, t] of batch.tables) {
      parts.push(
        new Promise<void>((resolve, reject) => {
          this.enqueue(table, { text: t.text, rows: t.rows, waiters: [{ resolve, reject }], since: Date.now() });
        }),
      );
    }
    return parts.length === 1 ? (parts[0] as Promise<void>) : Promise.all(parts).then(() => undefined);
  }

  private queue(table: OtelTable): TableQueue {
    let q = this.queues.get(table);
    if (!q) {
      q = { pending: [], pendingRows: 0, inFlight: false, timer: undefined };
      this.queues.set(table, q);
    }
    return q;
  }

  private enqueue(table: OtelTable, p: Pending): void {
    const q = this.queue(table);
    q.pending.push(p);
    q.pendingRows += p.rows;
    this.schedule(table, q);
  }

  private schedule(table: OtelTable, q: TableQueue): void {
    if (q.inFlight || q.pending.length === 0) return;
    const oldest = q.pending[0] as Pending;
    const age = Date.now() - oldest.since;
    if (q.pendingRows >= this.opts.minRows || age >= this.opts.maxDelayMs || this.closed) {
      if (q.timer) clearTimeout(q.timer);
      q.timer = undefined;
      void this.flush(table, q);
    } else if (!q.timer) {
      q.timer = setTimeout(() => {
        q.timer = undefined;
        this.schedule(table, q);
      }, this.opts.maxDelayMs - age);
    }
  }

  private async flush(table: OtelTable, q: TableQueue): Promise<void> {
    // Take whole requests up to maxRows (at least one, however large).
    const take: Pending[] = [];
    let rows = 0;
    while (q.pending.length > 0) {
      const next = q.pending[0] as Pending;
      if (take.length > 0 && rows + next.rows > this.opts.maxRows) break;
      take.push(next);
      rows += next.rows;
      q.pending.shift();
    }
    q.pendingRows -= rows;
    q.inFlight = true;
    let chars = 0;
    for (const p of take) chars += p.text.length;
    const body = Buffer.from(take.length === 1 ? (take[0] as Pending).text : take.map((p) => p.text).join(''));
    const started = performance.now();
    try {
      await this.opts.insert(table, body, randomUUID());
      this.failing = false;
      this.opts.onInsert?.(table, rows, body.length, performance.now() - started);
      for (const p of take) for (const w of p.waiters) w.resolve();
    } catch (err) {
      this.failing = true;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.opts.onInsertError?.(table, rows, err);
      // Not acknowledged yet, so the senders still own the data: they retry.
      const refusal = new InsertFailedError(5000, err);
      for (const p of take) for (const w of p.waiters) w.reject(refusal);
    } finally {
      this.queuedBytes -= chars;
      q.inFlight = false;
      this.schedule(table, q);
      if (this.closed && this.idle()) this.drained?.();
    }
  }

  private idle(): boolean {
    for (const q of this.queues.values()) if (q.inFlight || q.pending.length > 0) return false;
    return true;
  }

  private drained: (() => void) | undefined;

  /** Refuses new work, flushes what is queued, resolves when all inserts settled. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idle()) return;
    const done = new Promise<void>((resolve) => (this.drained = resolve));
    for (const [table, q] of this.queues) this.schedule(table, q);
    await done;
  }
}
