import { describe, expect, it } from 'vitest';
import { WorkerPool } from './worker-pool.ts';

describe('WorkerPool', () => {
  it('queues beyond its size and hands workers over in FIFO order', async () => {
    const pool = new WorkerPool(2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    const order: string[] = [];
    const c = pool.acquire().then((r) => (order.push('c'), r));
    const d = pool.acquire().then((r) => (order.push('d'), r));
    expect(pool.busy).toBe(2);
    expect(pool.queued).toBe(2);
    a();
    a(); // releasing twice must not free a second worker
    const rc = await c;
    expect(pool.busy).toBe(2);
    expect(pool.queued).toBe(1);
    b();
    const rd = await d;
    expect(order).toEqual(['c', 'd']);
    rc();
    rd();
    expect(pool.busy).toBe(0);
  });

  it('growing the pool admits queued requests at once', async () => {
    const pool = new WorkerPool(1);
    await pool.acquire();
    const waiting = pool.acquire();
    expect(pool.queued).toBe(1);
    pool.resize(4);
    await waiting;
    expect(pool.busy).toBe(2);
    expect(pool.queued).toBe(0);
  });
});
