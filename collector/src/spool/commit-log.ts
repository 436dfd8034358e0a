import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import type { OtelTable } from '../rows/table-batch.ts';

/** A record's address in the spool: segment sequence number and byte offset. */
export type RecordRef = readonly [seg: number, offset: number];

/** An insert about to run: its token and exact records, so a replay re-inserts the same block. */
export interface Intent {
  token: string;
  table: OtelTable;
  records: readonly RecordRef[];
}

type Entry =
  | { i: string; t: OtelTable; r: RecordRef[] } // intent
  | { d: string } // done (the intent's records are in ClickHouse, or set aside)
  | { c: string } // cancelled (nothing inserted; the records go back to the queue)
  | { a: RecordRef[] }; // records known inserted (written by compaction)

export interface CommitState {
  /** Inserted records, keyed `seg:offset`. */
  inserted: Set<string>;
  /** Intents without a done entry, in log order. */
  pending: Intent[];
}

export const refKey = (seg: number, offset: number): string => `${seg}:${offset}`;

/**
 * The spool's second file: which records reached ClickHouse. Append-only JSON
 * lines, fsynced per entry (one entry per INSERT, so cheap next to the insert);
 * a torn last line from a crash is ignored, which can only forget a "done" —
 * then the insert is redone with the same deduplication token.
 */
export class CommitLog {
  private constructor(
    private readonly path: string,
    private fh: FileHandle,
    private bytes: number,
  ) {}

  static async open(path: string): Promise<{ log: CommitLog; state: CommitState }> {
    const state = parseCommitLog(await readFile(path, 'utf8').catch(() => ''));
    const fh = await open(path, 'a');
    const { size } = await fh.stat();
    return { log: new CommitLog(path, fh, size), state };
  }

  get size(): number {
    return this.bytes;
  }

  async intent(i: Intent): Promise<void> {
    await this.append({ i: i.token, t: i.table, r: [...i.records] });
  }

  async done(token: string): Promise<void> {
    await this.append({ d: token });
  }

  async cancel(token: string): Promise<void> {
    await this.append({ c: token });
  }

  private async append(e: Entry): Promise<void> {
    const line = JSON.stringify(e) + '\n';
    await this.fh.appendFile(line);
    await this.fh.datasync();
    this.bytes += Buffer.byteLength(line);
  }

  /** Replaces the log by the minimal one for `state` (atomic rename), dropping entries of deleted segments. */
  async compact(state: { inserted: Iterable<RecordRef>; pending: readonly Intent[] }): Promise<void> {
    const lines: string[] = [];
    const inserted = [...state.inserted];
    for (let i = 0; i < inserted.length; i += 1000) lines.push(JSON.stringify({ a: inserted.slice(i, i + 1000) }));
    for (const p of state.pending) lines.push(JSON.stringify({ i: p.token, t: p.table, r: p.records }));
    const text = lines.length > 0 ? lines.join('\n') + '\n' : '';
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w');
    await out.writeFile(text);
    await out.datasync();
    await out.close();
    await this.fh.close();
    await rename(tmp, this.path);
    this.fh = await open(this.path, 'a');
    this.bytes = Buffer.byteLength(text);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export function parseCommitLog(text: string): CommitState {
  const inserted = new Set<string>();
  const intents = new Map<string, Intent>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let e: Entry;
    try {
      e = JSON.parse(line) as Entry;
    } catch {
      continue; // torn tail
    }
    if ('i' in e) intents.set(e.i, { token: e.i, table: e.t, records: e.r });
    else if ('d' in e) {
      const done = intents.get(e.d);
      if (done) for (const [s, o] of done.records) inserted.add(refKey(s, o));
      intents.delete(e.d);
    } else if ('c' in e) intents.delete(e.c);
    else if ('a' in e) for (const [s, o] of e.a) inserted.add(refKey(s, o));
  }
  return { inserted, pending: [...intents.values()] };
}
