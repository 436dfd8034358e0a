import { describe, expect, it } from 'vitest';
import type { SpanKindName } from '../../model/trace.ts';
import { criticalPathOfTree } from '../critical-path/critical-path.ts';
import { spanSelfTime } from '../critical-path/self-time.ts';
import { buildSpanTree, childrenOf, type PathSpan } from '../critical-path/span-tree.ts';
import { compileReplay, replay, replayedTree, replayLatency } from './what-if-speedup.ts';

const span = (spanId: string, parentSpanId: string, start: number, end: number, kind: SpanKindName = 'Internal'): PathSpan => ({
  spanId,
  parentSpanId,
  kind,
  start,
  end,
});

/** New [start, end] per span id after scaling the self time of the `target` spans. */
function whatIf(spans: PathSpan[], target: (s: PathSpan) => boolean, factor = 0.5) {
  const tree = buildSpanTree(spans);
  const targets = spans.flatMap((s, i) => (target(s) ? [i] : []));
  const r = replay(compileReplay(tree), targets, factor);
  const times: Record<string, [number, number]> = {};
  spans.forEach((s, i) => (times[s.spanId] = [r.start[i] as number, r.end[i] as number]));
  return { latency: r.latency, times };
}

describe('what-if replay', () => {
  it('moves later siblings and the parent end earlier when a call gets faster', () => {
    const spans = [span('r', '', 0, 100), span('a', 'r', 10, 40), span('b', 'r', 50, 90)];
    const { latency, times } = whatIf(spans, (s) => s.spanId === 'a');
    expect(times['a']).toEqual([10, 25]);
    expect(times['b']).toEqual([35, 75]);
    expect(times['r']).toEqual([0, 85]);
    expect(latency).toBe(85);
  });

  it('gains nothing beyond a parallel sibling that did not get faster', () => {
    const spans = [span('r', '', 0, 100), span('a', 'r', 0, 100), span('b', 'r', 0, 80)];
    expect(whatIf(spans, (s) => s.spanId === 'a').latency).toBe(80);
  });

  it('shrinks only the self time of the sped-up span, children keep their length', () => {
    const spans = [span('s', '', 0, 100), span('c', 's', 20, 60)];
    const { latency, times } = whatIf(spans, (s) => s.spanId === 's');
    expect(times['c']).toEqual([10, 50]);
    expect(latency).toBe(70);
  });

  it('halves an N+1 loop of sequential calls', () => {
    const spans = [span('r', '', 0, 100), ...Array.from({ length: 10 }, (_, i) => span(`q${i}`, 'r', i * 10, i * 10 + 10))];
    expect(whatIf(spans, (s) => s.spanId.startsWith('q')).latency).toBe(50);
  });

  it('keeps the launch stagger of a call issued while another runs', () => {
    // b is launched 60 into a's run, by r, independently of a: a halving cannot move it.
    const spans = [span('r', '', 0, 100), span('a', 'r', 0, 100), span('b', 'r', 60, 70)];
    const { latency, times } = whatIf(spans, (s) => s.spanId === 'a');
    expect(times['b']).toEqual([60, 70]);
    expect(latency).toBe(70);
  });

  it('does not speed through a clipped-away or async (producer → consumer) child', () => {
    const spans = [span('r', '', 0, 100, 'Producer'), span('c', 'r', 10, 400, 'Consumer'), span('x', 'r', 150, 200)];
    expect(whatIf(spans, (s) => s.spanId !== 'r').latency).toBe(100);
  });

  it('credits a call that ends exactly when the next starts, though the jaeger path gives that time to the parent', () => {
    // The strict cut-off skips a (it ends at b's start), so the path blames r
    // for [0, 40]; the replay sees b waiting for a. This is why the ranker
    // replays every operation with self time, not only those on the path.
    const spans = [span('r', '', 0, 100), span('a', 'r', 0, 40), span('b', 'r', 40, 100)];
    expect(whatIf(spans, (s) => s.spanId === 'a').latency).toBe(80);
  });

  describe('on random trees', () => {
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const randomTrace = (): PathSpan[] => {
      const n = 1 + Math.floor(rnd() * 30);
      const spans: PathSpan[] = [];
      for (let i = 0; i < n; i++) {
        const parent = i === 0 ? '' : `s${Math.floor(rnd() * i)}`;
        const s = Math.floor(rnd() * 1000);
        const kind: SpanKindName = rnd() < 0.1 ? 'Consumer' : rnd() < 0.1 ? 'Producer' : 'Internal';
        spans.push(span(`s${i}`, parent, s, s + 1 + Math.floor(rnd() * 600), kind));
      }
      return spans;
    };
    const traces = Array.from({ length: 400 }, randomTrace);
    const opOf = (i: number): number => i % 4;
    const nodesOf = (spans: PathSpan[], op: number): number[] => spans.flatMap((_, i) => (opOf(i) === op ? [i] : []));

    it('reproduces the clipped times exactly with factor 1', () => {
      for (const spans of traces) {
        const tree = buildSpanTree(spans);
        const r = replay(compileReplay(tree), [], 1);
        const reachable = criticalPathOfTree(tree).map((s) => s.node);
        for (const node of reachable) {
          expect(r.start[node]).toBe(tree.start[node]);
          expect(r.end[node]).toBe(tree.end[node]);
        }
      }
    });

    it('the replayed critical path is exactly as long as the replayed latency, and never longer than before', () => {
      for (const spans of traces) {
        const tree = buildSpanTree(spans);
        const program = compileReplay(tree);
        const before = replayLatency(program, [], 1);
        for (let op = 0; op < 4; op++) {
          const r = replay(program, nodesOf(spans, op), 0.5);
          const path = criticalPathOfTree(replayedTree(tree, r));
          const length = path.reduce((sum, s) => sum + s.end - s.start, 0);
          expect(length).toBeCloseTo(r.latency, 6);
          expect(r.latency).toBeLessThanOrEqual(before + 1e-9);
        }
      }
    });

    it('an operation with no self time gating the end cannot shorten the trace (what the ranker skips)', () => {
      let skipped = 0;
      for (const spans of traces) {
        const program = compileReplay(buildSpanTree(spans));
        const before = replayLatency(program, [], 1);
        for (let op = 0; op < 4; op++) {
          const nodes = nodesOf(spans, op);
          if (nodes.some((n) => program.gatesEnd[n] === 1)) continue;
          skipped++;
          expect(replayLatency(program, nodes, 0.5)).toBe(before);
          expect(replayLatency(program, nodes, 0)).toBe(before);
        }
      }
      expect(skipped).toBeGreaterThan(100);
    });

    it('self time per span agrees with spanSelfTime over the clipped children', () => {
      for (const spans of traces) {
        const tree = buildSpanTree(spans);
        const program = compileReplay(tree);
        for (const v of program.postOrder) {
          const kids = childrenOf(tree, v).map((c) => ({ start: tree.start[c] as number, end: tree.end[c] as number }));
          expect(program.selfTime[v]).toBe(spanSelfTime({ start: tree.start[v] as number, end: tree.end[v] as number }, kids));
        }
      }
    });

    it('replaying only the affected spans gives the same latency as replaying all', () => {
      for (const spans of traces) {
        const program = compileReplay(buildSpanTree(spans));
        for (let op = 0; op < 4; op++) {
          expect(replayLatency(program, nodesOf(spans, op), 0.5)).toBe(replay(program, nodesOf(spans, op), 0.5).latency);
        }
      }
    });
  });
});
