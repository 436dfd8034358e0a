import { mkdir, open, readdir, readFile, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { OtelTable, RowFormat } from '../rows/table-batch.ts';
import { CommitLog, refKey, type Intent, type RecordRef } from './commit-log.ts';
import { encodeRecordHeader, HEADER_BYTES, parseRecord } from './record-codec.ts';

export type FsyncPolicy = 'always' | 'interval';

export interface SpoolOptions {
  dir: string;
  fsync: FsyncPolicy;
  /** With `interval`: how often appended data is fsynced (the loss window on power failure). */
  fsyncIntervalMs: number;
  /** Spool size on disk beyond which appends are refused. */
  maxBytes: number;
  /** Segment file size at which a new segment starts. */
  segmentBytes: number;
  /** Payloads kept in memory for the inserter; beyond this they are read back from disk. */
  memoryBytes: number;
  log?: (level: 'info' | 'warn', msg: string, fields?: object) => void;
}

/** A record in the spool, waiting for (or in) an INSERT. */
export interface SpooledRecord {
  readonly seg: number;
  readonly offset: number;
  readonly table: OtelTable;
  readonly format: RowFormat;
  readonly rows: number;
  readonly payloadBytes: number;
  readonly appendedAt: number;
  payload: Buffer | undefined;
}

export interface SpoolPart {
  table: OtelTable;
  format: RowFormat;
  rows: number;
  payload: Buffer;
}

/** The spool is at `maxBytes`: a retryable refusal. */
export class SpoolFullError extends Error {
  override readonly name = 'SpoolFullError';
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`PPO is at capacity: the ingest spool holds ${bytes} of at most ${maxBytes} bytes; retry later`);
  }
}

export class SpoolClosedError extends Error {
  override readonly name = 'SpoolClosedError';
  constructor() {
    super('PPO is shutting down; retry later');
  }
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  size: number;
  /** Records not yet inserted. */
  live: number;
  /** Offsets of inserted records, kept for commit-log compaction while the segment lives. */
  inserted: number[];
  closed: boolean;
  /** Set once its deletion started (a segment can become empty on two paths at once: rotation and completeInsert). */
  dropping: boolean;
  /** Opened on first read-back; a promise so concurrent reads share one handle. */
  reader: Promise<FileHandle> | undefined;
}

interface PendingAppend {
  parts: SpoolPart[];
  bytes: number;
  resolve(records: SpooledRecord[]): void;
  reject(err: Error): void;
}

async function closeReader(seg: Segment): Promise<void> {
  const reader = seg.reader;
  seg.reader = undefined;
  if (reader) await (await reader.catch(() => undefined))?.close();
}

const SEGMENT_FILE = /^seg-(\d{12})\.log$/;
const segmentName = (seq: number): string => `seg-${String(seq).padStart(12, '0')}.log`;
const COMMIT_LOG_COMPACT_BYTES = 8 * 1024 * 1024;

/**
 * The write-ahead log between the receivers and ClickHouse. A request is
 * acknowledged once its rows are appended here (and fsynced, with the
 * `always` policy, batched across concurrent requests by group commit); the
 * inserter drains it in order and marks records inserted in the commit log;
 * a segment file is deleted once every record in it is inserted. On start-up
 * every record not marked inserted is handed back for insertion.
 */
export class Spool {
  private readonly segments = new Map<number, Segment>();
  private active!: Segment;
  private writer: FileHandle | undefined;
  private queue: PendingAppend[] = [];
  private writing = false;
  private queuedBytes = 0;
  private diskBytes = 0;
  private cachedBytes = 0;
  private closed = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  private readonly inFlightIntents = new Map<string, Intent>();
  private compacting: Promise<void> | undefined;
  /** Bytes of a fully inserted active segment that the write loop will rotate away before its next write. */
  private reclaimingBytes = 0;
  /** Commit-log operations run one at a time, in call order (see `logged`). */
  private logChain: Promise<void> = Promise.resolve();

  /**
   * Disk is reclaimed a whole segment at a time, so segments are kept at most
   * an eighth of the spool: dead bytes in the active segment can then never
   * make the spool refuse while most of its space is free.
   */
  private readonly segmentBytes: number;

  private constructor(
    private readonly opts: SpoolOptions,
    private readonly commits: CommitLog,
  ) {
    this.segmentBytes = Math.min(opts.segmentBytes, Math.max(4096, Math.floor(opts.maxBytes / 8)));
  }

  /** Opens (or creates) the spool; returns the records still to insert and the interrupted inserts to redo. */
  static async open(opts: SpoolOptions): Promise<{ spool: Spool; replay: SpooledRecord[]; redo: { intent: Intent; records: SpooledRecord[] }[] }> {
    await mkdir(opts.dir, { recursive: true });
    const { log: commits, state } = await CommitLog.open(join(opts.dir, 'commits.log'));
    const spool = new Spool(opts, commits);
    const names = (await readdir(opts.dir)).filter((n) => SEGMENT_FILE.test(n)).sort();
    const byRef = new Map<string, SpooledRecord>();
    const replay: SpooledRecord[] = [];
    let lastSeq = 0;
    for (const name of names) {
      const seq = Number(SEGMENT_FILE.exec(name)?.[1]);
      lastSeq = Math.max(lastSeq, seq);
      const path = join(opts.dir, name);
      const buf = await readFile(path);
      const seg: Segment = { seq, path, size: 0, live: 0, inserted: [], closed: true, dropping: false, reader: undefined };
      let offset = 0;
      for (;;) {
        const r = parseRecord(buf, offset);
        if (r.kind === 'end') break;
        if (r.kind === 'torn') {
          // Only an append that was never acknowledged (fsync not finished) can be torn.
          opts.log?.('warn', 'spool: cutting a torn record at the end of a segment', { segment: name, offset, reason: r.reason, droppedBytes: buf.length - offset });
          await truncate(path, offset);
          break;
        }
        if (state.inserted.has(refKey(seq, offset))) {
          seg.inserted.push(offset);
        } else {
          const rec: SpooledRecord = { seg: seq, offset, table: r.header.table, format: r.header.format, rows: r.header.rows, payloadBytes: r.header.payloadBytes, appendedAt: r.header.appendedAt, payload: undefined };
          replay.push(rec);
          byRef.set(refKey(seq, offset), rec);
          seg.live++;
        }
        offset = r.next;
      }
      seg.size = offset;
      if (seg.live === 0) {
        await unlink(path);
      } else {
        spool.segments.set(seq, seg);
        spool.diskBytes += seg.size;
      }
    }
    const redo: { intent: Intent; records: SpooledRecord[] }[] = [];
    for (const intent of state.pending) {
      const records = intent.records.map(([s, o]) => byRef.get(refKey(s, o)));
      if (records.every((r): r is SpooledRecord => r !== undefined)) {
        redo.push({ intent, records });
        spool.inFlightIntents.set(intent.token, intent);
      }
    }
    await spool.startSegment(lastSeq + 1);
    await spool.compactCommitLog();
    if (replay.length > 0) {
      opts.log?.('info', 'spool: replaying records not yet inserted', { records: replay.length, bytes: spool.diskBytes, interruptedInserts: redo.length });
    }
    if (opts.fsync === 'interval') {
      spool.syncTimer = setInterval(() => void spool.syncNow(), opts.fsyncIntervalMs);
      spool.syncTimer.unref();
    }
    return { spool, replay, redo };
  }

  /** Bytes of segment files on disk (inserted records are reclaimed a segment at a time). */
  get bytes(): number {
    return this.diskBytes + this.queuedBytes;
  }

  get maxBytes(): number {
    return this.opts.maxBytes;
  }

  /**
   * Appends the parts of one request; resolves when they are durable under the
   * fsync policy. Refuses (SpoolFullError) without writing anything when full.
   */
  append(parts: SpoolPart[]): Promise<SpooledRecord[]> {
    if (this.closed) return Promise.reject(new SpoolClosedError());
    let bytes = 0;
    for (const p of parts) bytes += HEADER_BYTES + p.payload.length;
    if (this.diskBytes - this.reclaimingBytes + this.queuedBytes + bytes > this.opts.maxBytes) {
      // Segments are reclaimed whole, and the active one only when it rotates.
      // When every record in it is inserted (the usual state once a backlog has
      // drained) its bytes are dead: rotate it away first instead of refusing.
      // Without this a spool capped below one segment's size stays "full" for
      // good once the active segment reaches the cap, with nothing left to insert.
      const active = this.active;
      const reclaimable = !this.writing && active.live === 0 && active.size > 0 ? active.size : 0;
      if (reclaimable === 0 || this.diskBytes - reclaimable + this.queuedBytes + bytes > this.opts.maxBytes) {
        return Promise.reject(new SpoolFullError(this.diskBytes - this.reclaimingBytes + this.queuedBytes, this.opts.maxBytes));
      }
      this.reclaimingBytes = reclaimable;
    }
    this.queuedBytes += bytes;
    return new Promise((resolve, reject) => {
      this.queue.push({ parts, bytes, resolve, reject });
      if (!this.writing) void this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        // One group: everything queued that fits in the active segment.
        if (this.active.size > 0 && (this.reclaimingBytes > 0 || this.active.size + (this.queue[0] as PendingAppend).bytes > this.segmentBytes)) {
          try {
            await this.rotate();
          } catch (err) {
            // Without a writable segment nothing queued can be made durable: refuse it all (retryable).
            const e = new Error(`spool segment rotation failed: ${(err as Error).message}`, { cause: err });
            for (const req of this.queue.splice(0)) {
              this.queuedBytes -= req.bytes;
              req.reject(e);
            }
            return;
          } finally {
            this.reclaimingBytes = 0;
          }
        }
        const group: PendingAppend[] = [];
        let groupBytes = 0;
        while (this.queue.length > 0) {
          const next = this.queue[0] as PendingAppend;
          if (group.length > 0 && this.active.size + groupBytes + next.bytes > this.segmentBytes) break;
          group.push(next);
          groupBytes += next.bytes;
          this.queue.shift();
        }
        await this.writeGroup(group);
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeGroup(group: PendingAppend[]): Promise<void> {
    const seg = this.active;
    const buffers: Buffer[] = [];
    const results: SpooledRecord[][] = [];
    const now = Date.now();
    let offset = seg.size;
    for (const req of group) {
      const recs: SpooledRecord[] = [];
      for (const p of req.parts) {
        buffers.push(encodeRecordHeader(p.table, p.format, p.rows, now, p.payload), p.payload);
        const keep = this.cachedBytes + p.payload.length <= this.opts.memoryBytes;
        if (keep) this.cachedBytes += p.payload.length;
        recs.push({ seg: seg.seq, offset, table: p.table, format: p.format, rows: p.rows, payloadBytes: p.payload.length, appendedAt: now, payload: keep ? p.payload : undefined });
        offset += HEADER_BYTES + p.payload.length;
      }
      results.push(recs);
    }
    const groupBytes = offset - seg.size;
    try {
      await (this.writer as FileHandle).writev(buffers);
      if (this.opts.fsync === 'always') await (this.writer as FileHandle).datasync();
      else this.dirty = true;
    } catch (err) {
      for (const recs of results) for (const r of recs) if (r.payload) this.cachedBytes -= r.payloadBytes;
      this.queuedBytes -= groupBytes;
      const e = new Error(`spool write failed: ${(err as Error).message}`, { cause: err });
      for (const req of group) req.reject(e);
      return;
    }
    seg.size = offset;
    this.diskBytes += groupBytes;
    this.queuedBytes -= groupBytes;
    group.forEach((req, i) => {
      seg.live += (results[i] as SpooledRecord[]).length;
      req.resolve(results[i] as SpooledRecord[]);
    });
  }

  private async startSegment(seq: number): Promise<void> {
    const path = join(this.opts.dir, segmentName(seq));
    this.writer = await open(path, 'a');
    this.active = { seq, path, size: 0, live: 0, inserted: [], closed: false, dropping: false, reader: undefined };
    this.segments.set(seq, this.active);
  }

  private async rotate(): Promise<void> {
    const old = this.active;
    const writer = this.writer as FileHandle;
    await writer.datasync();
    await writer.close();
    old.closed = true;
    await this.startSegment(old.seq + 1);
    if (old.live === 0) await this.dropSegment(old);
  }

  private async syncNow(): Promise<void> {
    if (!this.dirty || this.writing || !this.writer) return;
    this.dirty = false;
    await this.writer.datasync().catch((err: unknown) => this.opts.log?.('warn', 'spool: periodic fsync failed', { err }));
  }

  /** The record's TSV bytes, from memory or read back from its segment. */
  async payload(rec: SpooledRecord): Promise<Buffer> {
    if (rec.payload) return rec.payload;
    const seg = this.segments.get(rec.seg);
    if (!seg) throw new Error(`spool segment ${rec.seg} is gone while record ${rec.offset} is not inserted`);
    seg.reader ??= open(seg.path, 'r');
    const reader = await seg.reader;
    const buf = Buffer.allocUnsafe(rec.payloadBytes);
    const { bytesRead } = await reader.read(buf, 0, rec.payloadBytes, rec.offset + HEADER_BYTES);
    if (bytesRead !== rec.payloadBytes) throw new Error(`spool segment ${rec.seg}: short read at ${rec.offset}`);
    return buf;
  }

  /**
   * Runs a commit-log operation once the previous ones have finished.
   * Compaction writes a snapshot of the in-memory state to a new file and
   * renames it over the log: an entry appended meanwhile (another table's
   * insert intent, say) would go to the replaced file and be lost — and a
   * lost intent makes its `done` meaningless, so after a restart the records
   * are inserted again under a new token, i.e. duplicated. Serializing also
   * keeps each entry and its in-memory effect together as the snapshot sees them.
   */
  private logged<T>(op: () => Promise<T>): Promise<T> {
    const run = this.logChain.then(op);
    this.logChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Records an insert about to run, so a crash mid-insert is redone with the same token. */
  beginInsert(intent: Intent): Promise<void> {
    return this.logged(async () => {
      this.inFlightIntents.set(intent.token, intent);
      await this.commits.intent(intent);
    });
  }

  /** The insert will not be attempted as logged (its batch is being split): forget the intent. */
  cancelInsert(token: string): Promise<void> {
    return this.logged(async () => {
      await this.commits.cancel(token);
      this.inFlightIntents.delete(token);
    });
  }

  /**
   * Sets aside a record ClickHouse refuses for its content, so it cannot block
   * its table: its rows (`.tsv`, or `.native` for a Native block) and the reason go to `dead-letter/` (kept, not lost, for
   * an operator to inspect or re-insert), then it counts as handled.
   */
  async deadLetter(token: string, rec: SpooledRecord, reason: string): Promise<string> {
    const dir = join(this.opts.dir, 'dead-letter');
    await mkdir(dir, { recursive: true });
    const base = join(dir, `${rec.table}-${segmentName(rec.seg).slice(4, -4)}-${rec.offset}`);
    const file = `${base}.${rec.format === 'Native' ? 'native' : 'tsv'}`;
    await writeFile(file, await this.payload(rec));
    await writeFile(`${base}.error.txt`, `${new Date().toISOString()} ${rec.table} ${rec.rows} rows (${rec.format})\n${reason}\n`);
    await this.completeInsert(token, [rec]);
    return file;
  }

  /** ClickHouse confirmed the insert: mark its records inserted and reclaim finished segments. */
  async completeInsert(token: string, records: readonly SpooledRecord[]): Promise<void> {
    const finished: Segment[] = [];
    await this.logged(async () => {
      await this.commits.done(token);
      this.inFlightIntents.delete(token);
      for (const rec of records) {
        if (rec.payload) {
          this.cachedBytes -= rec.payloadBytes;
          rec.payload = undefined;
        }
        const seg = this.segments.get(rec.seg);
        if (!seg) continue;
        seg.live--;
        seg.inserted.push(rec.offset);
        if (seg.live === 0 && seg.closed) finished.push(seg);
      }
    });
    for (const seg of finished) await this.dropSegment(seg);
    if (this.commits.size > COMMIT_LOG_COMPACT_BYTES) await this.compactCommitLog();
  }

  /**
   * Deletes a segment whose records are all inserted. The file goes first and
   * the segment leaves `segments` after: a compaction in between still lists
   * its inserted records, so a crash then cannot leave a file on disk whose
   * records the commit log no longer marks inserted (they would be replayed).
   */
  private async dropSegment(seg: Segment): Promise<void> {
    if (seg.dropping) return;
    seg.dropping = true;
    await closeReader(seg);
    await unlink(seg.path).catch(() => undefined);
    this.segments.delete(seg.seq);
    this.diskBytes -= seg.size;
  }

  private compactCommitLog(): Promise<void> {
    this.compacting ??= this.logged(async () => {
      const inserted: RecordRef[] = [];
      for (const seg of this.segments.values()) for (const o of seg.inserted) inserted.push([seg.seq, o]);
      await this.commits.compact({ inserted, pending: [...this.inFlightIntents.values()] });
    }).finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  /** Stops appends, waits for queued writes, fsyncs. Records not inserted stay for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer) clearInterval(this.syncTimer);
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.compacting;
    await this.logChain;
    if (this.writer) {
      await this.writer.datasync();
      await this.writer.close();
      this.writer = undefined;
    }
    if (this.active.live === 0 && this.active.size === 0) await unlink(this.active.path).catch(() => undefined);
    for (const seg of this.segments.values()) await closeReader(seg);
    await this.commits.close();
  }
}
