import { describe, expect, it } from 'vitest';
import { detectPatterns } from './detect-patterns.ts';
import type { FixtureSpan } from './fixture-trace.ts';
import { traceOf } from './fixture-trace.ts';

const root: FixtureSpan = { spanId: 'root', parentSpanId: '', service: 'svc', name: 'GET /list', kind: 'Server', startMs: 0, endMs: 500 };
const query = (spanId: string, startMs: number, endMs: number, sql: string): FixtureSpan => ({
  spanId,
  parentSpanId: 'root',
  service: 'svc',
  name: 'query',
  kind: 'Client',
  startMs,
  endMs,
  attributes: { 'db.system.name': 'postgresql', 'server.address': 'db', 'db.query.text': sql },
});
/** `n` back-to-back 5 ms queries from `from`, `step` ms apart. */
const loop = (prefix: string, n: number, from: number, step: number, sql: (i: number) => string): FixtureSpan[] =>
  Array.from({ length: n }, (_, i) => query(`${prefix}${i + 1}`, from + i * step, from + i * step + 5, sql(i)));

const nPlusOnes = (spans: FixtureSpan[]) => detectPatterns(traceOf('t', [root, ...spans])).filter((f) => f.kind === 'n-plus-one');

describe('N+1 detection', () => {
  it('tolerates the few microseconds of overlap a sequential loop shows', () => {
    // each query starts 0.05 ms before the previous one's end timestamp
    const found = nPlusOnes(loop('q', 5, 1, 4.95, (i) => `SELECT * FROM t WHERE id = ${i}`));
    expect(found.map((f) => f.count)).toEqual([5]);
    expect(found[0]?.wasted_ms).toBe(20);
  });

  it('does not take real concurrency for a loop: 40% overlap breaks the run', () => {
    expect(nPlusOnes(loop('q', 6, 1, 3, (i) => `SELECT * FROM t WHERE id = ${i}`))).toEqual([]);
  });

  it('finds two N+1s when a loop issues two statements per item', () => {
    const spans: FixtureSpan[] = [];
    for (let i = 0; i < 5; i++) {
      spans.push(query(`item-${i}`, 1 + i * 12, 6 + i * 12, `SELECT * FROM items WHERE id = ${i}`));
      spans.push(query(`price-${i}`, 7 + i * 12, 12 + i * 12, `SELECT amount FROM prices WHERE item_id = ${i}`));
    }
    const found = nPlusOnes(spans);
    expect(found.map((f) => [f.target, f.count])).toEqual([
      ['SELECT * FROM items WHERE id = ?', 5],
      ['SELECT amount FROM prices WHERE item_id = ?', 5],
    ]);
  });

  it('splits at a concurrent batch and reports only the sequential runs long enough', () => {
    const sql = (i: number) => `SELECT * FROM t WHERE id = ${i}`;
    const spans = [
      ...loop('a', 5, 1, 5.5, sql), // 1 … 28
      query('p1', 30, 35, sql(100)), // p1 ∥ p2: p1 still follows a5, p2 starts a new run
      query('p2', 30.1, 35.1, sql(101)),
      ...loop('b', 3, 36, 5.5, sql), // p2 + 3 after the batch: 4, one short
    ];
    expect(nPlusOnes(spans).map((f) => f.spanIds)).toEqual([['a1', 'a2', 'a3', 'a4', 'a5', 'p1']]);
  });

  it('keeps different statements and different databases apart', () => {
    const spans = loop('q', 6, 1, 6, (i) => (i % 2 === 0 ? `SELECT * FROM a WHERE id = ${i}` : `SELECT * FROM b WHERE id = ${i}`));
    expect(nPlusOnes(spans)).toEqual([]);
    const otherDb = loop('r', 6, 1, 6, (i) => `SELECT * FROM a WHERE id = ${i}`).map((s, i) =>
      i % 2 === 0 ? s : { ...s, attributes: { ...s.attributes, 'server.address': 'replica' } },
    );
    expect(nPlusOnes(otherDb)).toEqual([]);
  });
});
