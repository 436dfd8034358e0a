import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool, type SpoolOptions, type SpoolPart } from '../spool/spool.ts';
import { SpoolDrainer, type InsertFn } from './spool-drainer.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function spoolOptions(): SpoolOptions {
  const dir = mkdtempSync(join(tmpdir(), 'ppo-drainer-'));
  dirs.push(dir);
  return { dir, fsync: 'always', fsyncIntervalMs: 1000, maxBytes: 1 << 24, segmentBytes: 1 << 20, memoryBytes: 1 << 20 };
}
const part = (rows: number, tag = 'r', table: SpoolPart['table'] = 'otel_traces', format: SpoolPart['format'] = 'TabSeparated'): SpoolPart => ({
  table,
  format,
  rows,
  payload: Buffer.from(Array.from({ length: rows }, (_, i) => `${tag}${i}\n`).join('')),
});

interface Recorder {
  insert: InsertFn;
  calls: { table: string; lines: string[]; token: string; format: string }[];
  failures: { remaining: number };
}
function recorder(delayMs = 2): Recorder {
  const calls: Recorder['calls'] = [];
  const failures = { remaining: 0 };
  const insert: InsertFn = async (table, body, token, format) => {
    await new Promise((r) => setTimeout(r, delayMs));
    if (failures.remaining > 0) {
      failures.remaining--;
      throw new Error('ClickHouse unavailable');
    }
    calls.push({ table, lines: Buffer.concat(body).toString().split('\n').filter(Boolean), token, format });
  };
  return { insert, calls, failures };
}
const retry = { initialMs: 5, maxMs: 20 };

describe('SpoolDrainer', () => {
  it('inserts what is appended, grouping records that arrive during an insert', async () => {
    const { spool } = await Spool.open(spoolOptions());
    const rec = recorder(20);
    const drainer = new SpoolDrainer({ spool, insert: rec.insert, minRows: 1, maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 1000, retry });
    drainer.enqueue(await spool.append([part(2, 'a')]));
    for (let i = 0; i < 4; i++) drainer.enqueue(await spool.append([part(1, `b${i}-`)]));
    await drainer.drained();
    expect(rec.calls.map((c) => c.lines.length)).toEqual([2, 4]);
    expect(drainer.backlogRows).toBe(0);
    await drainer.close(100);
    await spool.close();
  });

  it('never mixes formats in one INSERT: a batch ends where the format changes, and append order holds', async () => {
    const { spool } = await Spool.open(spoolOptions());
    const rec = recorder(20);
    const drainer = new SpoolDrainer({ spool, insert: rec.insert, minRows: 1, maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 1000, retry });
    drainer.enqueue(await spool.append([part(1, 'first')]));
    // Appended while the first insert runs: TSV, TSV, Native, Native, TSV.
    drainer.enqueue(await spool.append([part(1, 'a')]));
    drainer.enqueue(await spool.append([part(1, 'b')]));
    drainer.enqueue(await spool.append([part(1, 'c', 'otel_traces', 'Native')]));
    drainer.enqueue(await spool.append([part(1, 'd', 'otel_traces', 'Native')]));
    drainer.enqueue(await spool.append([part(1, 'e')]));
    await drainer.drained();
    expect(rec.calls.map((c) => [c.format, c.lines.join(' ')])).toEqual([
      ['TabSeparated', 'first0'],
      ['TabSeparated', 'a0 b0'],
      ['Native', 'c0 d0'],
      ['TabSeparated', 'e0'],
    ]);
    await drainer.close(100);
    await spool.close();
  });

  it('retries a failed insert with the same token and records, then reports recovery', async () => {
    const { spool } = await Spool.open(spoolOptions());
    const rec = recorder();
    rec.failures.remaining = 3;
    const errors: number[] = [];
    let recovered = false;
    const drainer = new SpoolDrainer({
      spool,
      insert: rec.insert,
      minRows: 1,
      maxRows: 1000,
      maxBytes: 1 << 20,
      maxDelayMs: 10,
      retry,
      onInsertError: (_t, _r, attempt) => errors.push(attempt),
      onRecovered: () => (recovered = true),
    });
    drainer.enqueue(await spool.append([part(3)]));
    await drainer.drained();
    expect(errors).toEqual([1, 2, 3]);
    expect(recovered).toBe(true);
    expect(rec.calls).toHaveLength(1);
    expect(drainer.insertError).toBeUndefined();
    await drainer.close(100);
    await spool.close();
  });

  it('after a restart redoes an interrupted insert with its original token before anything else', async () => {
    const opts = spoolOptions();
    const first = await Spool.open(opts);
    const recs = await first.spool.append([part(2, 'old')]);
    await first.spool.beginInsert({ token: 'interrupted', table: 'otel_traces', records: recs.map((r) => [r.seg, r.offset] as const) });
    await first.spool.append([part(1, 'later')]);
    await first.spool.close();

    const { spool, replay, redo } = await Spool.open(opts);
    const rec = recorder();
    const drainer = new SpoolDrainer({ spool, insert: rec.insert, minRows: 1, maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 10, retry });
    drainer.start(replay, redo);
    await drainer.drained();
    expect(rec.calls.map((c) => [c.token, c.lines])).toEqual([
      ['interrupted', ['old0', 'old1']],
      [expect.any(String), ['later0']],
    ]);
    await drainer.close(100);
    await spool.close();
    expect((await Spool.open(opts)).replay).toEqual([]);
  });

  it('on close gives up a failing batch and leaves it in the spool', async () => {
    const opts = spoolOptions();
    const { spool } = await Spool.open(opts);
    const rec = recorder();
    rec.failures.remaining = 1_000_000;
    const drainer = new SpoolDrainer({ spool, insert: rec.insert, minRows: 1, maxRows: 1000, maxBytes: 1 << 20, maxDelayMs: 10, retry: { initialMs: 1000, maxMs: 1000 } });
    drainer.enqueue(await spool.append([part(2)]));
    // Wait for the first failed attempt (polling: a loaded machine may take a while).
    for (let i = 0; i < 500 && drainer.insertError === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    expect(drainer.insertError).toMatch(/unavailable/);
    const t0 = Date.now();
    await drainer.close(50);
    expect(Date.now() - t0).toBeLessThan(500);
    await spool.close();
    const again = await Spool.open(opts);
    expect(again.redo).toHaveLength(1);
    await again.spool.close();
  });

  it('splits a batch ClickHouse refuses for its content and dead-letters only the bad request', async () => {
    const opts = spoolOptions();
    const { spool } = await Spool.open(opts);
    const inserted: string[] = [];
    const insert: InsertFn = async (_table, body) => {
      await new Promise((r) => setTimeout(r, 2));
      const text = Buffer.concat(body).toString();
      if (text.includes('poison')) throw Object.assign(new Error('Cannot parse input'), { clickhouseCode: 27 });
      inserted.push(...text.split('\n').filter(Boolean));
    };
    const dead: string[] = [];
    const drainer = new SpoolDrainer({
      spool,
      insert,
      minRows: 1_000,
      maxRows: 1_000,
      maxBytes: 1 << 20,
      maxDelayMs: 20,
      retry,
      isRejectedData: (err) => (err as { clickhouseCode?: number }).clickhouseCode === 27,
      onDeadLetter: (_t, _rows, file) => dead.push(file),
    });
    drainer.enqueue(await spool.append([part(2, 'good-a')]));
    drainer.enqueue(await spool.append([part(1, 'poison')]));
    drainer.enqueue(await spool.append([part(2, 'good-b')]));
    await drainer.drained();
    expect(inserted.sort()).toEqual(['good-a0', 'good-a1', 'good-b0', 'good-b1']);
    expect(drainer.deadLettered).toBe(1);
    expect(dead).toHaveLength(1);
    expect(readFileSync(dead[0]!, 'utf8')).toBe('poison0\n');
    expect(drainer.insertError).toBeUndefined();
    await drainer.close(100);
    await spool.close();
    // Nothing is replayed: the good rows are inserted, the bad one is set aside.
    const again = await Spool.open(opts);
    expect(again.replay).toEqual([]);
    expect(again.redo).toEqual([]);
    await again.spool.close();
  });
});
