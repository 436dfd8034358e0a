import { describe, expect, it } from 'vitest';
import { TableBatch } from '../rows/table-batch.ts';
import { BackpressureError, InsertBatcher, InsertFailedError, type InsertFn } from './insert-batcher.ts';

function batch(rows: number, table: 'otel_traces' | 'otel_logs' = 'otel_traces'): TableBatch {
  const b = new TableBatch();
  for (let i = 0; i < rows; i++) b.append(table, `row${i}\n`);
  return b;
}

function recordingInsert(delayMs = 5): { insert: InsertFn; calls: { table: string; lines: number }[]; fail: { on: boolean } } {
  const calls: { table: string; lines: number }[] = [];
  const fail = { on: false };
  const insert: InsertFn = async (table, body) => {
    await new Promise((r) => setTimeout(r, delayMs));
    if (fail.on) throw new Error('connection refused');
    calls.push({ table, lines: body.toString().split('\n').length - 1 });
  };
  return { insert, calls, fail };
}

describe('InsertBatcher', () => {
  it('groups concurrent requests into one insert per table while an insert runs', async () => {
    const { insert, calls } = recordingInsert(20);
    const b = new InsertBatcher({ insert, minRows: 1, maxRows: 1000, maxDelayMs: 1000, maxQueuedBytes: 1 << 20 });
    const first = b.submit(batch(10));
    const rest = Array.from({ length: 5 }, () => b.submit(batch(10)));
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([
      { table: 'otel_traces', lines: 10 },
      { table: 'otel_traces', lines: 50 },
    ]);
  });

  it('holds small batches until maxDelay, then flushes', async () => {
    const { insert, calls } = recordingInsert(1);
    const b = new InsertBatcher({ insert, minRows: 100, maxRows: 1000, maxDelayMs: 50, maxQueuedBytes: 1 << 20 });
    const t0 = Date.now();
    await Promise.all([b.submit(batch(3)), b.submit(batch(4))]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(calls).toEqual([{ table: 'otel_traces', lines: 7 }]);
  });

  it('caps insert size at maxRows without splitting a request', async () => {
    const { insert, calls } = recordingInsert(10);
    const b = new InsertBatcher({ insert, minRows: 1, maxRows: 25, maxDelayMs: 1000, maxQueuedBytes: 1 << 20 });
    await Promise.all([b.submit(batch(10)), b.submit(batch(10)), b.submit(batch(10)), b.submit(batch(10)), b.submit(batch(40))]);
    expect(calls.map((c) => c.lines)).toEqual([10, 20, 10, 40]);
  });

  it('refuses with BackpressureError instead of growing past maxQueuedBytes', async () => {
    const { insert } = recordingInsert(30);
    const b = new InsertBatcher({ insert, minRows: 1, maxRows: 1000, maxDelayMs: 1000, maxQueuedBytes: 200 });
    const ok = b.submit(batch(20)); // 20 * ~6 chars = ~120 bytes
    await expect(b.submit(batch(20))).rejects.toBeInstanceOf(BackpressureError);
    await ok;
    expect(b.bytesQueued).toBe(0);
    await expect(b.submit(batch(20))).resolves.toBeUndefined();
  });

  it('rejects waiters with a retryable error when the insert fails, and recovers', async () => {
    const { insert, calls, fail } = recordingInsert(1);
    const b = new InsertBatcher({ insert, minRows: 1, maxRows: 1000, maxDelayMs: 10, maxQueuedBytes: 1 << 20 });
    fail.on = true;
    await expect(b.submit(batch(5))).rejects.toBeInstanceOf(InsertFailedError);
    expect(b.insertError).toMatch(/connection refused/);
    fail.on = false;
    await b.submit(batch(5));
    expect(b.insertError).toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  it('waits for every table of a multi-table request', async () => {
    const { insert, calls } = recordingInsert(5);
    const b = new InsertBatcher({ insert, minRows: 1, maxRows: 1000, maxDelayMs: 10, maxQueuedBytes: 1 << 20 });
    const mixed = batch(2);
    mixed.append('otel_logs', 'log\n');
    await b.submit(mixed);
    expect(calls.map((c) => c.table).sort()).toEqual(['otel_logs', 'otel_traces']);
  });

  it('flushes what is queued on close', async () => {
    const { insert, calls } = recordingInsert(5);
    const b = new InsertBatcher({ insert, minRows: 1000, maxRows: 1000, maxDelayMs: 60_000, maxQueuedBytes: 1 << 20 });
    const p = b.submit(batch(3));
    await b.close();
    await p;
    expect(calls).toEqual([{ table: 'otel_traces', lines: 3 }]);
    await expect(b.submit(batch(1))).rejects.toBeInstanceOf(BackpressureError);
  });
});
