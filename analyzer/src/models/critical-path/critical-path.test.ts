/**
 * Every jaeger-ui critical-path case in ../shared/fixtures/critical-path, for
 * exact equality with the upstream section list (produced order), plus
 * properties the API and the bottleneck model rely on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SpanKindName } from '../../model/trace.ts';
import { criticalPath } from './critical-path.ts';
import type { PathSpan } from './span-tree.ts';
import { sharedPath } from '../../../../test/helpers/shared-dir.ts';

const DIR = sharedPath('fixtures/critical-path');

interface FixtureSpan {
  spanID: string;
  parentSpanID: string | null;
  refType: 'CHILD_OF' | 'FOLLOWS_FROM' | null;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; spanID: string }[];
  spanKind: string | null;
  startTime: number;
  duration: number;
}

interface Fixture {
  name: string;
  units: string;
  spans: FixtureSpan[];
  expectedCriticalPath: { spanId: string; sectionStart: number; sectionEnd: number }[];
}

const KINDS: Record<string, SpanKindName> = {
  server: 'Server',
  client: 'Client',
  producer: 'Producer',
  consumer: 'Consumer',
  internal: 'Internal',
};

/** jaeger's parent reference (first CHILD_OF, else first FOLLOWS_FROM) is OTel's parentSpanId. */
function parentOf(s: FixtureSpan): string {
  const ref = s.references.find((r) => r.refType === 'CHILD_OF') ?? s.references.find((r) => r.refType === 'FOLLOWS_FROM');
  return ref?.spanID ?? '';
}

function toPathSpan(s: FixtureSpan): PathSpan {
  return {
    spanId: s.spanID,
    parentSpanId: parentOf(s),
    // jaeger-ui treats a span without span.kind as internal.
    kind: s.spanKind === null ? 'Internal' : (KINDS[s.spanKind] ?? 'Internal'),
    start: s.startTime,
    end: s.startTime + s.duration,
  };
}

const cases = readdirSync(DIR)
  .filter((f) => /^case\d+\.json$/.test(f))
  .sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]))
  .map((f) => ({ file: f, fixture: JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture }));

describe('critical path on the jaeger-ui fixtures', () => {
  it('finds all nine cases', () => {
    expect(cases.map((c) => c.file)).toEqual(Array.from({ length: 9 }, (_, i) => `case${i + 1}.json`));
  });

  for (const { file, fixture } of cases) {
    it(`${file}: ${fixture.name}`, () => {
      expect(fixture.units).toBe('microseconds');
      // The fixture's own parent field must agree with the reference rule we map.
      for (const s of fixture.spans) expect(parentOf(s)).toBe(s.parentSpanID ?? '');
      const got = criticalPath(fixture.spans.map(toPathSpan));
      expect(got).toEqual(fixture.expectedCriticalPath.map((s) => ({ spanId: s.spanId, start: s.sectionStart, end: s.sectionEnd })));
    });
  }
});

const span = (spanId: string, parentSpanId: string, start: number, end: number, kind: SpanKindName = 'Internal'): PathSpan => ({
  spanId,
  parentSpanId,
  kind,
  start,
  end,
});

describe('critical path beyond the fixtures', () => {
  it('treats a cut-off of 0 as a real cut-off (times here are relative to the trace start)', () => {
    // Returning from a (start 0) gives r the cut-off 0; jaeger-ui's falsy
    // test would take that as "no cut-off" and pick b again, looping.
    const got = criticalPath([span('r', '', 0, 100), span('a', 'r', 0, 40), span('b', 'r', 50, 100)]);
    expect(got).toEqual([
      { spanId: 'b', start: 50, end: 100 },
      { spanId: 'r', start: 40, end: 50 },
      { spanId: 'a', start: 0, end: 40 },
    ]);
  });

  it('drops orphans and their subtrees, keeps several roots in start order', () => {
    const got = criticalPath([
      span('r2', '', 50, 60),
      span('o', 'missing', 0, 200),
      span('oc', 'o', 10, 20),
      span('r1', '', 0, 30),
    ]);
    expect(got).toEqual([
      { spanId: 'r1', start: 0, end: 30 },
      { spanId: 'r2', start: 50, end: 60 },
    ]);
  });

  it('follows a FOLLOWS_FROM-like consumer child unless its parent is a producer', () => {
    const spans = [span('r', '', 0, 100, 'Server'), span('c', 'r', 20, 90, 'Consumer')];
    expect(criticalPath(spans).map((s) => s.spanId)).toEqual(['r', 'c', 'r']);
    const asProducer = [span('r', '', 0, 100, 'Producer'), span('c', 'r', 20, 90, 'Consumer')];
    expect(criticalPath(asProducer)).toEqual([{ spanId: 'r', start: 0, end: 100 }]);
  });

  it('ties on end keep the earliest-starting child', () => {
    const got = criticalPath([span('r', '', 0, 100), span('late', 'r', 30, 80), span('early', 'r', 10, 80)]);
    expect(got).toEqual([
      { spanId: 'r', start: 80, end: 100 },
      { spanId: 'early', start: 10, end: 80 },
      { spanId: 'r', start: 0, end: 10 },
    ]);
  });

  it('skips children that overlap a later path child (strict cut-off)', () => {
    // a ends at 50 = b's start: not strictly before the cut-off, so skipped.
    const got = criticalPath([span('r', '', 0, 100), span('a', 'r', 10, 50), span('b', 'r', 50, 90), span('c', 'r', 5, 20)]);
    expect(got).toEqual([
      { spanId: 'r', start: 90, end: 100 },
      { spanId: 'b', start: 50, end: 90 },
      { spanId: 'r', start: 20, end: 50 },
      { spanId: 'c', start: 5, end: 20 },
      { spanId: 'r', start: 0, end: 5 },
    ]);
  });

  it('covers every root exactly, without overlaps, on random trees', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rnd() * 40);
      const spans: PathSpan[] = [];
      for (let i = 0; i < n; i++) {
        const parent = i === 0 ? '' : `s${Math.floor(rnd() * i)}`;
        const s = Math.floor(rnd() * 1000);
        spans.push(span(`s${i}`, parent, s, s + Math.floor(rnd() * 500), rnd() < 0.2 ? 'Consumer' : rnd() < 0.2 ? 'Producer' : 'Internal'));
      }
      const path = criticalPath(spans);
      const root = spans[0] as PathSpan;
      const total = path.reduce((sum, s) => sum + (s.end - s.start), 0);
      expect(total).toBe(root.end - root.start);
      const sorted = path.slice().sort((a, b) => a.start - b.start);
      for (let i = 1; i < sorted.length; i++) expect((sorted[i] as { start: number }).start).toBeGreaterThanOrEqual((sorted[i - 1] as { end: number }).end);
      for (const s of path) expect(s.end).toBeGreaterThan(s.start);
    }
  });

  it('walks deep chains without recursion', () => {
    const spans = Array.from({ length: 50_000 }, (_, i) => span(`s${i}`, i === 0 ? '' : `s${i - 1}`, i, 100_000 - i));
    const path = criticalPath(spans);
    expect(path.length).toBe(2 * 50_000 - 1);
  });
});
