import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { OtelTable, RowFormat } from '../rows/table-batch.ts';
import type { Intent } from '../spool/commit-log.ts';
import type { Spool, SpooledRecord } from '../spool/spool.ts';

/**
 * Inserts a batch with a deduplication token; rejects on failure. `body` is
 * its records' payloads in order (pieces, not joined: the storage streams
 * them), all in `format`.
 */
export type InsertFn = (table: OtelTable, body: readonly Buffer[], dedupToken: string, format: RowFormat) => Promise<void>;

export interface DrainerOptions {
  spool: Spool;
  insert: InsertFn;
  /** Insert as soon as a table has this many rows waiting and no insert is running for it. */
  minRows: number;
  /** Never put more rows (or payload bytes) than this in one INSERT (a request's rows are never split). */
  maxRows: number;
  maxBytes: number;
  /** Insert rows older than this even when fewer than `minRows` wait. */
  maxDelayMs: number;
  /** Exponential back-off with jitter between failed attempts of the same batch. */
  retry: { initialMs: number; maxMs: number };
  onInsert?: (table: OtelTable, rows: number, bytes: number, ms: number) => void;
  onInsertError?: (table: OtelTable, rows: number, attempt: number, err: unknown) => void;
  onRecovered?: (failedForMs: number) => void;
  /** True for errors that mean ClickHouse refuses the data itself (not an outage): see `setAside`. */
  isRejectedData?: (err: unknown) => boolean;
  onSplit?: (table: OtelTable, records: number, reason: string) => void;
  onDeadLetter?: (table: OtelTable, rows: number, file: string, reason: string) => void;
}

interface Batch {
  token: string;
  records: SpooledRecord[];
  rows: number;
  format: RowFormat;
}

interface TableQueue {
  /** Interrupted inserts found on start-up: redone first, with their original token and records. */
  redo: Batch[];
  records: SpooledRecord[];
  rows: number;
  inFlight: Batch | undefined;
  timer: NodeJS.Timeout | undefined;
  /** How many records at the head of `records` must go in one per INSERT. */
  isolate: number;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, { signal }).catch(() => undefined);

/**
 * Drains the spool into ClickHouse, one INSERT in flight per table, in append
 * order. Records that arrive while an insert runs go out together in the next
 * one, so batches grow with load instead of the part count. A failed insert
 * is retried — same records, same deduplication token — until it succeeds:
 * the data is acknowledged already, so giving up is not an option; the spool
 * bound turns a long outage into retryable refusals at the receivers.
 */
export class SpoolDrainer {
  private readonly queues = new Map<OtelTable, TableQueue>();
  private failingSince: number | undefined;
  private lastError: string | undefined;
  private closing = false;
  private readonly stopping = new AbortController();
  private idleWaiters: (() => void)[] = [];
  retries = 0;
  /** Rows set aside in dead-letter files because ClickHouse refused them. */
  deadLettered = 0;

  constructor(private readonly opts: DrainerOptions) {}

  /** Hands over what the spool replayed on start-up. */
  start(replay: readonly SpooledRecord[], redo: readonly { intent: Intent; records: SpooledRecord[] }[]): void {
    const inRedo = new Set<SpooledRecord>();
    for (const { intent, records } of redo) {
      for (const r of records) inRedo.add(r);
      const q = this.queue(intent.table);
      // A batch never mixes formats (see take), so its first record tells.
      q.redo.push({ token: intent.token, records, rows: records.reduce((n, r) => n + r.rows, 0), format: records[0]?.format ?? 'TabSeparated' });
    }
    this.enqueue(replay.filter((r) => !inRedo.has(r)));
    for (const [table, q] of this.queues) this.schedule(table, q);
  }

  enqueue(records: readonly SpooledRecord[]): void {
    const touched = new Set<OtelTable>();
    for (const r of records) {
      const q = this.queue(r.table);
      q.records.push(r);
      q.rows += r.rows;
      touched.add(r.table);
    }
    for (const t of touched) this.schedule(t, this.queue(t));
  }

  /** Undefined while inserts succeed; the last error while they fail. */
  get insertError(): string | undefined {
    return this.failingSince === undefined ? undefined : this.lastError;
  }

  /** Rows waiting for or in an INSERT. */
  get backlogRows(): number {
    let n = 0;
    for (const q of this.queues.values()) {
      n += q.rows + (q.inFlight?.rows ?? 0);
      for (const b of q.redo) n += b.rows;
    }
    return n;
  }

  /** Append time of the oldest record not yet inserted. */
  get oldestAppendedAt(): number | undefined {
    let oldest: number | undefined;
    const see = (r: SpooledRecord | undefined): void => {
      if (r && (oldest === undefined || r.appendedAt < oldest)) oldest = r.appendedAt;
    };
    for (const q of this.queues.values()) {
      see(q.inFlight?.records[0]);
      see(q.redo[0]?.records[0]);
      see(q.records[0]);
    }
    return oldest;
  }

  private queue(table: OtelTable): TableQueue {
    let q = this.queues.get(table);
    if (!q) {
      q = { redo: [], records: [], rows: 0, inFlight: undefined, timer: undefined, isolate: 0 };
      this.queues.set(table, q);
    }
    return q;
  }

  private schedule(table: OtelTable, q: TableQueue): void {
    // Past the shutdown grace period no new batch starts; the rest stays in the spool.
    if (q.inFlight || this.stopping.signal.aborted) return;
    if (q.redo.length > 0) {
      void this.run(table, q, q.redo.shift() as Batch);
      return;
    }
    if (q.records.length === 0) {
      this.notifyIfIdle();
      return;
    }
    const age = Date.now() - (q.records[0] as SpooledRecord).appendedAt;
    if (q.rows >= this.opts.minRows || age >= this.opts.maxDelayMs || this.closing) {
      if (q.timer) clearTimeout(q.timer);
      q.timer = undefined;
      void this.run(table, q, this.take(q));
    } else if (!q.timer) {
      q.timer = setTimeout(() => {
        q.timer = undefined;
        this.schedule(table, q);
      }, this.opts.maxDelayMs - age);
    }
  }

  /** Whole records up to maxRows / maxBytes (at least one, however large). */
  private take(q: TableQueue): Batch {
    if (q.isolate > 0) {
      // Records of a batch ClickHouse refused: one per INSERT until they are through.
      q.isolate--;
      const only = q.records.shift() as SpooledRecord;
      q.rows -= only.rows;
      return { token: randomUUID(), records: [only], rows: only.rows, format: only.format };
    }
    const records: SpooledRecord[] = [];
    let rows = 0;
    let bytes = 0;
    // One INSERT reads one format: a batch ends where the format changes (the
    // JSON and protobuf span decoders write different ones), so append order holds.
    const format = (q.records[0] as SpooledRecord).format;
    while (q.records.length > 0) {
      const next = q.records[0] as SpooledRecord;
      if (next.format !== format) break;
      if (records.length > 0 && (rows + next.rows > this.opts.maxRows || bytes + next.payloadBytes > this.opts.maxBytes)) break;
      records.push(next);
      rows += next.rows;
      bytes += next.payloadBytes;
      q.records.shift();
    }
    q.rows -= rows;
    return { token: randomUUID(), records, rows, format };
  }

  private async run(table: OtelTable, q: TableQueue, batch: Batch): Promise<void> {
    q.inFlight = batch;
    try {
      await this.opts.spool.beginInsert({ token: batch.token, table, records: batch.records.map((r) => [r.seg, r.offset] as const) });
      const body = await Promise.all(batch.records.map((r) => this.opts.spool.payload(r)));
      const bytes = body.reduce((n, b) => n + b.length, 0);
      for (let attempt = 1; ; attempt++) {
        const started = performance.now();
        try {
          await this.opts.insert(table, body, batch.token, batch.format);
          this.opts.onInsert?.(table, batch.rows, bytes, performance.now() - started);
          break;
        } catch (err) {
          if (this.opts.isRejectedData?.(err)) {
            await this.setAside(table, q, batch, err);
            return;
          }
          if (this.failingSince === undefined) this.failingSince = Date.now();
          this.lastError = err instanceof Error ? err.message : String(err);
          this.opts.onInsertError?.(table, batch.rows, attempt, err);
          // On shutdown the batch simply stays in the spool; the next start redoes it with this token.
          if (this.closing) return;
          this.retries++;
          const backoff = Math.min(this.opts.retry.maxMs, this.opts.retry.initialMs * 2 ** (attempt - 1));
          await sleep(backoff * (0.5 + Math.random() * 0.5), this.stopping.signal);
          if (this.closing) return;
        }
      }
      if (this.failingSince !== undefined) {
        this.opts.onRecovered?.(Date.now() - this.failingSince);
        this.failingSince = undefined;
      }
      await this.opts.spool.completeInsert(batch.token, batch.records);
    } catch (err) {
      // Spool I/O failed: keep the batch for the next start rather than lose track of it.
      this.lastError = `spool: ${(err as Error).message}`;
      this.failingSince ??= Date.now();
      this.opts.onInsertError?.(table, batch.rows, 0, err);
      return;
    } finally {
      q.inFlight = undefined;
      if (!this.closing || this.failingSince === undefined) this.schedule(table, q);
      this.notifyIfIdle();
    }
  }

  /**
   * ClickHouse refuses the batch for its content, so retrying it as is would
   * block the table for good. Split it: each record is retried alone (the
   * others then go in), and a record refused alone is dead-lettered.
   */
  private async setAside(table: OtelTable, q: TableQueue, batch: Batch, err: unknown): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    if (batch.records.length > 1) {
      await this.opts.spool.cancelInsert(batch.token);
      q.records.unshift(...batch.records);
      q.rows += batch.rows;
      q.isolate += batch.records.length;
      this.opts.onSplit?.(table, batch.records.length, reason);
      return;
    }
    const file = await this.opts.spool.deadLetter(batch.token, batch.records[0] as SpooledRecord, reason);
    this.deadLettered += batch.rows;
    this.opts.onDeadLetter?.(table, batch.rows, file, reason);
  }

  private idle(): boolean {
    for (const q of this.queues.values()) if (q.inFlight || q.redo.length > 0 || q.records.length > 0) return false;
    return true;
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const stuck = this.closing && this.failingSince !== undefined && [...this.queues.values()].every((q) => !q.inFlight);
    if (this.idle() || stuck) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves once everything handed over so far is inserted. */
  drained(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Flushes what is queued, giving up after `graceMs` (or at the first failure):
   * whatever is not inserted stays in the spool for the next start.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    for (const [table, q] of this.queues) this.schedule(table, q);
    await Promise.race([this.drained(), sleep(graceMs)]);
    this.stopping.abort();
    for (const q of this.queues.values()) if (q.timer) clearTimeout(q.timer);
    // Let an insert that is already running settle before storage closes under it.
    while ([...this.queues.values()].some((q) => q.inFlight)) await sleep(10);
  }
}
