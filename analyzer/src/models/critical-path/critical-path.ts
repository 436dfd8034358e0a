import { buildSpanTree, type PathSpan, type SpanTree } from './span-tree.ts';

/**
 * The critical path of a trace: the chain of span sections that determined
 * its end-to-end latency, exactly as defined (jaeger-ui semantics) in
 * ../shared/fixtures/critical-path/README.md.
 */

export interface CriticalPathSection {
  readonly spanId: string;
  /** Same time base as the input spans. */
  readonly start: number;
  readonly end: number;
}

/** A section owned by the span at input index `node`. */
export interface NodeSection {
  readonly node: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Sections in the order the walk produces them: for each root (roots in start
 * order), from the root's end back to its start. Zero-length sections are
 * never emitted.
 */
export function criticalPath(spans: readonly PathSpan[]): CriticalPathSection[] {
  return criticalPathOfTree(buildSpanTree(spans)).map((s) => ({
    spanId: (spans[s.node] as PathSpan).spanId,
    start: s.start,
    end: s.end,
  }));
}

/**
 * Step 4–5 of the definition on an already built tree (with its own times, so
 * the what-if model can walk a rescheduled copy). Iterative: trace depth is
 * unbounded (recursive instrumentation, long consumer chains).
 */
export function criticalPathOfTree(tree: SpanTree): NodeSection[] {
  const { start, end, childFrom, childTo, parent } = tree;
  const out: NodeSection[] = [];
  // Per node: its children by end descending (ties: earliest start, then
  // start order), sorted on first visit into a copy of the child ranges, and
  // how far a returning cut-off has advanced through them. A node's cut-off
  // only ever decreases (it becomes the start of a child that ended before
  // the previous cut-off), so one forward pointer per node suffices and N+1
  // fan-outs cost O(k log k), not O(k²).
  const byEnd = tree.childList.slice();
  const next = new Int32Array(start.length);
  const sorted = new Uint8Array(start.length);
  // Children of one parent are in start order in `childList`, so the index
  // tie-break there is the start-order tie-break.
  const rank = new Int32Array(start.length);
  for (let x = 0; x < tree.childList.length; x++) rank[tree.childList[x] as number] = x;
  const lastFinishing = (a: number, b: number): number => (end[b] as number) - (end[a] as number) || (rank[a] as number) - (rank[b] as number);

  for (const root of tree.roots) {
    let cur = root;
    // undefined = no cut-off (first visit): the span's own end bounds the
    // section. Kept explicit rather than jaeger's falsy test, since our times
    // are relative and a cut-off of 0 is common.
    let cutoff: number | undefined;
    for (;;) {
      const from = childFrom[cur] as number;
      const to = childTo[cur] as number;
      if (sorted[cur] === 0) {
        sorted[cur] = 1;
        next[cur] = from;
        if (to - from > 1) byEnd.subarray(from, to).sort(lastFinishing);
      }
      let i = next[cur] as number;
      if (cutoff !== undefined) {
        while (i < to && (end[byEnd[i] as number] as number) >= cutoff) i++;
        next[cur] = i;
      }
      const sectionEnd = cutoff ?? (end[cur] as number);
      if (i < to) {
        const child = byEnd[i] as number;
        const sectionStart = end[child] as number;
        if (sectionEnd !== sectionStart) out.push({ node: cur, start: sectionStart, end: sectionEnd });
        cur = child;
        cutoff = undefined;
        continue;
      }
      const sectionStart = start[cur] as number;
      if (sectionEnd !== sectionStart) out.push({ node: cur, start: sectionStart, end: sectionEnd });
      if (cur === root) break;
      cutoff = start[cur] as number;
      cur = parent[cur] as number;
    }
  }
  return out;
}
