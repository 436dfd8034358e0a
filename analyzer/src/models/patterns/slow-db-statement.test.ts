import { describe, expect, it } from 'vitest';
import { detectPatterns } from './detect-patterns.ts';
import type { FixtureSpan } from './fixture-trace.ts';
import { traceOf } from './fixture-trace.ts';

const span = (over: Partial<FixtureSpan> & Pick<FixtureSpan, 'spanId'>): FixtureSpan => ({
  parentSpanId: 'root',
  service: 'worker',
  name: 'span',
  kind: 'Client',
  startMs: 0,
  endMs: 1,
  ...over,
});
const slow = (spanId: string, parentSpanId: string, startMs: number, ms: number, sql: string): FixtureSpan =>
  span({ spanId, parentSpanId, startMs, endMs: startMs + ms, attributes: { 'db.system': 'mysql', 'db.statement': sql } });

describe('slow DB statement detection', () => {
  it('groups the same statement across parents with the same operation, without a single parentSpanId', () => {
    const spans = [
      span({ spanId: 'root', parentSpanId: '', kind: 'Consumer', name: 'jobs process', endMs: 1000 }),
      span({ spanId: 'b1', kind: 'Internal', name: 'batch', startMs: 0, endMs: 300 }),
      span({ spanId: 'b2', kind: 'Internal', name: 'batch', startMs: 300, endMs: 600 }),
      slow('s1', 'b1', 10, 120, 'DELETE FROM jobs WHERE finished_at < 1717000000'),
      slow('s2', 'b2', 310, 140, 'DELETE FROM jobs WHERE finished_at < 1717000300'),
    ];
    const [f, ...rest] = detectPatterns(traceOf('t', spans));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ kind: 'slow-db-statement', operation: 'batch', spanIds: ['s1', 's2'], count: 2, wasted_ms: 60 });
    expect(f).not.toHaveProperty('parentSpanId');
  });

  it('a statement at exactly the threshold counts; the database span needs db.system', () => {
    const spans = [
      span({ spanId: 'root', parentSpanId: '', kind: 'Server', endMs: 1000 }),
      slow('at', 'root', 0, 100, 'SELECT 1'),
      span({ spanId: 'not-db', startMs: 200, endMs: 900, attributes: { 'db.statement': 'SELECT 2' } }),
    ];
    expect(detectPatterns(traceOf('t', spans)).map((f) => [f.kind, f.spanIds, f.wasted_ms])).toEqual([['slow-db-statement', ['at'], 0]]);
  });
});
