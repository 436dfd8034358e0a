import { describe, expect, it } from 'vitest';
import type { SpanKindName, Trace, TraceSpan } from '../../model/trace.ts';
import type { PatternFinding } from '../patterns/types.ts';
import { BottleneckRanker, selectQuantile, sortedQuantile } from './rank-bottlenecks.ts';

const MS = 1_000_000;

function s(spanId: string, parentSpanId: string, service: string, name: string, startMs: number, endMs: number, kind: SpanKindName = 'Internal'): TraceSpan {
  return { spanId, parentSpanId, service, name, kind, start: startMs * MS, end: endMs * MS, status: 'Unset', attributes: {} };
}

const trace = (traceId: string, spans: TraceSpan[]): Trace => ({ traceId, baseNs: 1_700_000_000_000_000_000n, spans });

/** Root `web GET /` with one database call that grows from trace to trace. */
function dbTraces(): Trace[] {
  return [1, 2, 3].map((i) =>
    trace(`t${i}`, [s('r', '', 'web', 'GET /', 0, 100 * i), s('d', 'r', 'web', 'SELECT orders', 10, 100 * i - 40, 'Client')]),
  );
}

describe('BottleneckRanker', () => {
  it('shares, on-path self-time percentiles and the what-if saving at p50', () => {
    const ranker = new BottleneckRanker();
    for (const t of dbTraces()) ranker.add(t);
    const report = ranker.finish();
    expect(report.tracesAnalyzed).toBe(3);
    expect(report.latencyP50Ms).toBe(200);
    expect(report.bottlenecks.map((b) => `${b.service} ${b.operation}`)).toEqual(['web SELECT orders', 'web GET /']);
    const [db, root] = report.bottlenecks;
    // On-path: db 50 + 150 + 250 of 600 ms; the root's own 10 ms before and 40 ms after each call.
    expect(db).toMatchObject({ criticalPathShare: 0.75, selfTimeP50Ms: 150, selfTimeP95Ms: 240, traces: 3 });
    // Halving the call: 75, 125, 175 → p50 125 (from 200).
    expect(db?.estSavingMs).toBe(75);
    expect(root).toMatchObject({ criticalPathShare: 0.25, selfTimeP50Ms: 50, selfTimeP95Ms: 50, traces: 3, estSavingMs: 25 });
    expect(db?.evidence.map((e) => e.traceId)).toEqual(['t3', 't2', 't1']);
    expect(db?.evidence[0]?.spanIds).toEqual(['d']);
    expect(db?.pattern).toBeUndefined();
    expect(report.patterns).toEqual([]);
  });

  it('recomputes instead of subtracting: a parallel branch caps the saving', () => {
    const ranker = new BottleneckRanker();
    ranker.add(trace('p', [s('r', '', 'web', 'GET /', 0, 100), s('a', 'r', 'a', 'slow', 0, 100, 'Client'), s('b', 'r', 'b', 'other', 0, 90, 'Client')]));
    const a = ranker.finish().bottlenecks.find((b) => b.service === 'a');
    // 100 ms of self time on the path, but halving it only gets down to b's 90 ms.
    expect(a).toMatchObject({ criticalPathShare: 1, selfTimeP50Ms: 100, estSavingMs: 10 });
  });

  it('ignores traces without a root', () => {
    const ranker = new BottleneckRanker();
    ranker.add(trace('orphan', [s('x', 'missing', 'web', 'GET /', 0, 10)]));
    expect(ranker.finish()).toMatchObject({ tracesAnalyzed: 0, bottlenecks: [] });
  });

  it('attaches detector findings to the caller and the called operation', () => {
    const detect = (t: Trace): PatternFinding[] =>
      t.traceId === 't3'
        ? [
            {
              kind: 'n-plus-one',
              service: 'web',
              operation: 'GET /',
              target: 'SELECT orders',
              spanIds: ['d'],
              parentSpanId: 'r',
              count: 1,
              wasted_ms: 12,
              detail: 'looped query',
            },
          ]
        : [];
    const ranker = new BottleneckRanker({ detectPatterns: detect });
    for (const t of dbTraces()) ranker.add(t);
    const report = ranker.finish();
    for (const b of report.bottlenecks) {
      expect(b.pattern).toBe('n-plus-one');
      expect(b.evidence).toContainEqual({ traceId: 't3', spanIds: ['d'], detail: 'looped query' });
    }
    expect(report.patterns).toEqual([
      {
        kind: 'n-plus-one',
        service: 'web',
        operation: 'GET /',
        target: 'SELECT orders',
        traces: 1,
        occurrences: 1,
        wastedMsTotal: 12,
        evidence: [{ traceId: 't3', spanIds: ['d'], detail: 'looped query' }],
      },
    ]);
  });

  it('quantiles interpolate linearly', () => {
    expect(sortedQuantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(sortedQuantile([5], 0.95)).toBe(5);
    expect(sortedQuantile([], 0.5)).toBe(0);
  });

  it('quickselect gives the sorted quantile, duplicates included', () => {
    let seed = 3;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 500; t++) {
      const n = 1 + Math.floor(rnd() * 60);
      const values = Float64Array.from({ length: n }, () => Math.floor(rnd() * 10));
      const sorted = values.slice().sort();
      for (const q of [0, 0.5, 0.95, 1]) expect(selectQuantile(values.slice(), q)).toBe(sortedQuantile(sorted, q));
    }
  });
});
