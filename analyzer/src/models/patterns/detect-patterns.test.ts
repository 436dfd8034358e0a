import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Trace } from '../../model/trace.ts';
import { detectPatterns } from './detect-patterns.ts';
import type { PatternFixture } from './fixture-trace.ts';
import { loadPatternFixtures } from './fixture-trace.ts';
import type { PatternFinding, PatternKind } from './types.ts';

const fixtures = loadPatternFixtures();
const byFile = (file: string): PatternFixture => {
  const f = fixtures.find((x) => x.file === file);
  if (f === undefined) throw new Error(`no fixture ${file}`);
  return f;
};

/** Everything a fixture pins down; `detail` is prose, checked separately. */
function comparable(f: PatternFinding): Record<string, unknown> {
  const { detail: _detail, ...rest } = f;
  return rest;
}

const kinds = (findings: readonly PatternFinding[]): PatternKind[] => findings.map((f) => f.kind);

describe('detectPatterns on fixtures', () => {
  it('has positive and near-miss fixtures for every detector', () => {
    const positive = new Set(fixtures.flatMap((f) => f.expected.map((e) => e.kind)));
    expect([...positive].sort()).toEqual(['chatty-service', 'n-plus-one', 'retry-storm', 'sequential-calls', 'slow-db-statement']);
    expect(fixtures.filter((f) => f.expected.length === 0).length).toBeGreaterThanOrEqual(10);
  });

  describe.each(fixtures.map((f) => [f.file, f] as const))('%s', (_file, fixture) => {
    it(fixture.expected.length === 0 ? 'reports nothing (near miss)' : `reports exactly ${kinds(fixture.expected as PatternFinding[]).join(', ')}`, () => {
      const found = detectPatterns(fixture.trace);
      expect(found.map(comparable)).toEqual(fixture.expected);
      for (const f of found) expect(f.detail.length).toBeGreaterThan(20);
    });

    it('does not depend on the order spans arrive in', () => {
      const expected = detectPatterns(fixture.trace);
      fc.assert(
        fc.property(fc.shuffledSubarray([...fixture.trace.spans], { minLength: fixture.trace.spans.length }), (spans) => {
          const shuffled: Trace = { ...fixture.trace, spans };
          expect(detectPatterns(shuffled)).toEqual(expected);
        }),
        { numRuns: 25 },
      );
    });
  });
});

describe('detectPatterns options and edges', () => {
  it('the mixed 50-span checkout has exactly one N+1 and one sequential group', () => {
    const mixed = byFile('mixed-checkout.json');
    expect(mixed.trace.spans).toHaveLength(50);
    expect(kinds(detectPatterns(mixed.trace))).toEqual(['n-plus-one', 'sequential-calls']);
  });

  it('nPlusOneMinCalls lowers the N+1 bar', () => {
    const found = detectPatterns(byFile('no-n-plus-one-below-threshold.json').trace, { nPlusOneMinCalls: 4 });
    expect(found.map(comparable)).toEqual([
      {
        kind: 'n-plus-one',
        service: 'orders',
        operation: 'GET /orders/{id}',
        target: 'SELECT * FROM order_items WHERE id = ?',
        parentSpanId: 'root',
        spanIds: ['q1', 'q2', 'q3', 'q4'],
        count: 4,
        wasted_ms: 15,
      },
    ]);
  });

  it('sequentialMinTotalMs and the gap allowance are honoured', () => {
    expect(kinds(detectPatterns(byFile('no-sequential-too-short.json').trace, { sequentialMinTotalMs: 5 }))).toEqual(['sequential-calls']);
    const dependent = detectPatterns(byFile('no-sequential-dependent-gaps.json').trace, { sequentialMaxGapMs: 10 });
    expect(dependent.map((f) => [f.kind, f.spanIds, f.wasted_ms])).toEqual([['sequential-calls', ['c-auth', 'c-profile', 'c-reco'], 38]]);
  });

  it('slowDbThresholdMs and chattyMinCalls are honoured', () => {
    const slow = detectPatterns(byFile('no-slow-db-fast-statements.json').trace, { slowDbThresholdMs: 99 });
    expect(slow.map((f) => [f.kind, f.spanIds, f.wasted_ms])).toEqual([['slow-db-statement', ['pg-1'], 0.9]]);
    expect(detectPatterns(byFile('chatty-service.json').trace, { chattyMinCalls: 53 })).toEqual([]);
  });

  it('retryMinAttempts: a single failure then success becomes a storm only at 2', () => {
    const trace = byFile('no-retry-single-failure.json').trace;
    expect(kinds(detectPatterns(trace, { retryMinAttempts: 2 }))).toEqual(['retry-storm']);
  });

  it('without the retry claim five failing identical calls would be an N+1: the storm wins', () => {
    const found = detectPatterns(byFile('retry-storm-grpc.json').trace);
    expect(kinds(found)).toEqual(['retry-storm']);
  });

  it('handles empty, single-span and call-less traces', () => {
    const base = byFile('n-plus-one-db.json').trace;
    expect(detectPatterns({ ...base, spans: [] })).toEqual([]);
    expect(detectPatterns({ ...base, spans: base.spans.slice(0, 1) })).toEqual([]);
    expect(detectPatterns({ ...base, spans: base.spans.filter((s) => s.kind !== 'Client') })).toEqual([]);
  });

  it('reports calls under a parent missing from a partial trace, with an empty operation', () => {
    const base = byFile('n-plus-one-db.json').trace;
    const partial: Trace = { ...base, spans: base.spans.filter((s) => s.spanId !== 'root') };
    const [n1, ...rest] = detectPatterns(partial);
    expect(rest).toEqual([]);
    expect(n1).toMatchObject({ kind: 'n-plus-one', service: 'orders', operation: '', parentSpanId: 'root', count: 8 });
  });
});
