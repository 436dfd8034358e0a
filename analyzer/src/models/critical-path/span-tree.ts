import type { SpanKindName } from '../../model/trace.ts';

/**
 * The blocking span tree the critical path walks: steps 1–3 of the definition
 * in ../shared/fixtures/critical-path/README.md (jaeger-ui semantics).
 *
 * Nodes are indexes into the input span array and the structure is flat typed
 * arrays: the bottleneck ranking builds one per trace for tens of thousands of
 * traces, and the what-if model walks it again with other times.
 */

/** What the critical path needs of a span; `TraceSpan` satisfies it. */
export interface PathSpan {
  readonly spanId: string;
  /** '' for a root. */
  readonly parentSpanId: string;
  readonly kind: SpanKindName;
  readonly start: number;
  readonly end: number;
}

export interface SpanTree {
  /** Kept roots, in start order. */
  readonly roots: Int32Array;
  /**
   * Kept blocking children of node v: `childList[childFrom[v] .. childTo[v] - 1]`,
   * in start order (ties: input order); an empty range for dropped spans and leaves.
   */
  readonly childFrom: Int32Array;
  readonly childTo: Int32Array;
  readonly childList: Int32Array;
  /** Clipped times per input index (meaningless for dropped spans). */
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** Parent index of each kept non-root node, -1 for roots and dropped spans. */
  readonly parent: Int32Array;
  /** Kept spans, parents before children (depth-first, children in start order). */
  readonly order: Int32Array;
}

/** Kept children of `node`, in start order (a copy; hot paths read the ranges). */
export function childrenOf(tree: SpanTree, node: number): number[] {
  return Array.from(tree.childList.subarray(tree.childFrom[node] as number, tree.childTo[node] as number));
}

/**
 * Builds the tree. A span's parent is `parentSpanId` (OTel's equivalent of
 * jaeger's first CHILD_OF, else first FOLLOWS_FROM reference). Spans whose
 * parent id is set but missing (orphans), spans in parent cycles and later
 * copies of a duplicated span id are unreachable from a root, so they and their
 * subtrees are dropped, as jaeger-ui's clipping step does with orphans.
 */
export function buildSpanTree(spans: readonly PathSpan[]): SpanTree {
  const n = spans.length;
  const indexById = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = (spans[i] as PathSpan).spanId;
    if (!indexById.has(id)) indexById.set(id, i);
  }

  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const rawParent = new Int32Array(n).fill(-1);
  const rawCount = new Int32Array(n + 1);
  const rootList: number[] = [];
  for (let i = 0; i < n; i++) {
    const span = spans[i] as PathSpan;
    start[i] = span.start;
    end[i] = span.end;
    if (indexById.get(span.spanId) !== i) continue; // duplicate copy
    if (span.parentSpanId === '') {
      rootList.push(i);
      continue;
    }
    const p = indexById.get(span.parentSpanId);
    if (p !== undefined && p !== i) {
      rawParent[i] = p;
      rawCount[p + 1] = (rawCount[p + 1] as number) + 1;
    }
  }
  // Children of every span by original start (ties: input order), as CSR.
  for (let i = 0; i < n; i++) rawCount[i + 1] = (rawCount[i + 1] as number) + (rawCount[i] as number);
  const rawFill = rawCount.slice(0, n);
  const rawList = new Int32Array(rawCount[n] as number);
  for (let i = 0; i < n; i++) {
    const p = rawParent[i] as number;
    if (p === -1) continue;
    const at = rawFill[p] as number;
    rawList[at] = i;
    rawFill[p] = at + 1;
  }
  const byOriginalStart = (a: number, b: number): number => (spans[a] as PathSpan).start - (spans[b] as PathSpan).start || a - b;
  for (let p = 0; p < n; p++) {
    const from = rawCount[p] as number;
    const to = rawCount[p + 1] as number;
    if (to - from > 1) rawList.subarray(from, to).sort(byOriginalStart);
  }
  rootList.sort(byOriginalStart);

  const roots = Int32Array.from(rootList);
  const parent = new Int32Array(n).fill(-1);
  const childFrom = new Int32Array(n);
  const childTo = new Int32Array(n);
  const childList = new Int32Array(rawList.length);
  const order: number[] = [];
  let written = 0;

  // Top-down (depth-first), so each child is clipped against its already-clipped parent.
  const stack: number[] = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r] as number);
  while (stack.length > 0) {
    const p = stack.pop() as number;
    order.push(p);
    const ps = start[p] as number;
    const pe = end[p] as number;
    const producer = (spans[p] as PathSpan).kind === 'Producer';
    childFrom[p] = written;
    for (let x = rawCount[p] as number; x < (rawCount[p + 1] as number); x++) {
      const c = rawList[x] as number;
      // Async pruning: only a producer → consumer edge is non-blocking.
      if (producer && (spans[c] as PathSpan).kind === 'Consumer') continue;
      let cs = start[c] as number;
      let ce = end[c] as number;
      // Same case order as jaeger-ui: a child starting inside the window is
      // tested against the end first, so a zero-length child at the parent's
      // start is kept and one at the parent's end is dropped.
      if (cs >= ps) {
        if (cs >= pe) continue;
        if (ce > pe) ce = pe;
      } else {
        if (ce <= ps) continue;
        cs = ps;
        if (ce > pe) ce = pe;
      }
      start[c] = cs;
      end[c] = ce;
      parent[c] = p;
      childList[written++] = c;
    }
    childTo[p] = written;
    // Kept children stay in start order: clipping only raises starts to the
    // parent's start, which keeps the order.
    for (let x = written - 1; x >= (childFrom[p] as number); x--) stack.push(childList[x] as number);
  }
  return { roots, childFrom, childTo, childList, start, end, parent, order: Int32Array.from(order) };
}
