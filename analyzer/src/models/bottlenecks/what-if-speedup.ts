import type { SpanTree } from '../critical-path/span-tree.ts';

/**
 * What-if: "this operation's own work runs `factor` times as long" (factor 0.5
 * = its self time halves), replayed over the blocking span tree so that
 * everything that waited on it moves earlier, and nothing that did not wait on
 * it does. The end-to-end latency of the replayed trace is the length of its
 * critical path, recomputed on the new times.
 *
 * The model, per span S (window [s, e] after clipping, kept children only,
 * i.e. the same tree the critical path walks):
 *
 * 1. Cut S's window at every event of S's own timeline: its start and end and
 *    each child's start and end. Between two consecutive cut points p < t the
 *    interval is either *self* (no child active: S is working) or *covered*
 *    (≥ 1 child active: S is waiting, or working concurrently).
 * 2. Replay the cut points in their original order, giving each a new time
 *    T(t), relative to S's new start (T(s) = 0):
 *    - self interval:                T(t) = T(p) + k_S · (t − p), where k_S is
 *      `factor` for spans of the sped-up operation and 1 for all others;
 *    - covered, and a child ends at t: T(t) = T(p) — S was waiting, and the
 *      wait ends when the children do (next rule);
 *    - covered, only starts at t:    T(t) = T(p) + (t − p) — S launched
 *      another call while one was running; that stagger is not S's self time
 *      and keeps its length;
 *    - then, for every child c ending at t: T(t) = max(T(t), T(c.start) +
 *      newDuration(c)) — S cannot resume before the calls it waited on
 *      return (their own replays, recursively);
 *    - every child starting at t starts at T(t): a call issued after another
 *      returned (or after some self work) moves with it.
 * 3. S's new duration is T(e). Roots keep their start; a child's new start is
 *    its parent's new start + T(child start).
 *
 * Properties: with every k = 1 the replay reproduces the original (clipped)
 * times exactly; events inside a span keep their order (the max in step 2
 * makes T non-decreasing), so a speed-up never makes a span start before
 * what preceded it; time covered by children is never scaled, only the
 * operation's own self time (jaeger-ui's definition, as in `spanSelfTime`);
 * a parallel sibling that did not get faster still bounds its parent, so the
 * saving is what the critical path would really lose, not the halved self
 * time. Pruned async consumers and clipped-away spans are not in the tree and
 * so never gate anything, as on the critical path.
 */

/**
 * The part of the replay that does not depend on the what-if, built once per
 * trace so that one what-if per operation costs only the spans it touches.
 * Flat typed arrays: a trace is replayed once per operation, so this is the
 * analyzer's hottest loop.
 *
 * Steps (cut points) of node v are `stepFrom[v] .. stepFrom[v + 1] - 1`, in
 * time order; step k has `gap[k]` (time since the previous cut point),
 * `covered[k]`, the children ending at it (`endList[endFrom[k] .. endFrom[k + 1] - 1]`)
 * and those starting at it (`startList[startFrom[k] .. startFrom[k + 1] - 1]`).
 */
export interface ReplayProgram {
  readonly tree: SpanTree;
  /** Kept nodes, children before parents. */
  readonly postOrder: Int32Array;
  /** Position of each kept node in `postOrder`. */
  readonly postIndex: Int32Array;
  readonly stepFrom: Int32Array;
  readonly gap: Float64Array;
  readonly covered: Uint8Array;
  readonly endFrom: Int32Array;
  readonly endList: Int32Array;
  readonly startFrom: Int32Array;
  readonly startList: Int32Array;
  /** Self time of each kept node (uncovered time of its window); 0 for dropped spans. */
  readonly selfTime: Float64Array;
  /**
   * 1 for nodes with self time that can move the trace's end: a self interval
   * on a chain of cut points that attains the end with every factor 1 (the
   * critical path and any tie with it). An operation none of whose nodes has
   * one cannot shorten the trace — every max it could lower is attained by a
   * term it does not touch — so the ranking replays only the others.
   */
  readonly gatesEnd: Uint8Array;
  /** Clipped duration of each kept node: what an untouched subtree keeps. */
  readonly duration: Float64Array;
  /** Scratch for `replay*`, reused so a replay allocates nothing. */
  readonly scratch: { relStart: Float64Array; duration: Float64Array; scaled: Int32Array; affected: Int32Array; epoch: number };
}

export function compileReplay(tree: SpanTree): ReplayProgram {
  const n = tree.start.length;
  const { start, end, childFrom, childTo, childList } = tree;

  // Reverse pre-order: children before parents.
  const postOrder = tree.order.slice().reverse();
  const postIndex = new Int32Array(n).fill(-1);
  for (let i = 0; i < postOrder.length; i++) postIndex[postOrder[i] as number] = i;

  // A node with c kept children has at most 2c + 2 cut points.
  const maxSteps = 2 * childList.length + 2 * postOrder.length;
  const stepFrom = new Int32Array(n + 1);
  const gap = new Float64Array(maxSteps);
  const covered = new Uint8Array(maxSteps);
  const endFrom = new Int32Array(maxSteps + 1);
  const startFrom = new Int32Array(maxSteps + 1);
  const endList = new Int32Array(n);
  const startList = new Int32Array(n);
  const startStep = new Int32Array(n);
  const selfTime = new Float64Array(n);
  const duration = new Float64Array(n);

  let k = 0;
  let ends = 0;
  let starts = 0;
  const byEnd: number[] = [];
  const byEndTime = (a: number, b: number): number => (end[a] as number) - (end[b] as number) || a - b;
  // Nodes laid out in index order so `stepFrom[v + 1]` ends v's steps; dropped nodes get none.
  for (let v = 0; v < n; v++) {
    stepFrom[v] = k;
    if (postIndex[v] === -1) continue;
    const s = start[v] as number;
    const e = end[v] as number;
    duration[v] = e - s;
    const kidsFrom = childFrom[v] as number; // children in start order
    const kidsTo = childTo[v] as number;
    byEnd.length = 0;
    for (let x = kidsFrom; x < kidsTo; x++) {
      const c = childList[x] as number;
      if ((end[c] as number) > (start[c] as number)) byEnd.push(c);
    }
    if (byEnd.length > 1) byEnd.sort(byEndTime);
    let i = kidsFrom;
    let j = 0;
    let prev = s;
    let active = 0;
    let self = 0;
    for (let first = true; ; first = false) {
      // Next cut point: s first, then the earliest pending start or end, e last.
      let t = s;
      if (!first) {
        t = e;
        if (i < kidsTo && (start[childList[i] as number] as number) < t) t = start[childList[i] as number] as number;
        if (j < byEnd.length && (end[byEnd[j] as number] as number) < t) t = end[byEnd[j] as number] as number;
      }
      gap[k] = t - prev;
      covered[k] = active > 0 ? 1 : 0;
      if (active === 0) self += t - prev;
      endFrom[k] = ends;
      while (j < byEnd.length && (end[byEnd[j] as number] as number) === t) {
        endList[ends++] = byEnd[j++] as number;
        active--;
      }
      startFrom[k] = starts;
      while (i < kidsTo && (start[childList[i] as number] as number) === t) {
        const c = childList[i++] as number;
        startList[starts++] = c;
        startStep[c] = k;
        if ((end[c] as number) > t) active++;
      }
      k++;
      prev = t;
      if (t === e && i === kidsTo && j === byEnd.length && (!first || s === e)) break;
    }
    selfTime[v] = self;
  }
  stepFrom[n] = k;
  endFrom[k] = ends;
  startFrom[k] = starts;

  // Which cut points attain the end (see `gatesEnd`), parents before children.
  const tight = new Uint8Array(k);
  const tightNode = new Uint8Array(n);
  const gatesEnd = new Uint8Array(n);
  for (const r of tree.roots) tightNode[r] = 1;
  for (let p = postOrder.length - 1; p >= 0; p--) {
    const v = postOrder[p] as number;
    if (tightNode[v] === 0) continue;
    const from = stepFrom[v] as number;
    const to = (stepFrom[v + 1] as number) - 1;
    tight[to] = 1;
    for (let q = to; q >= from; q--) {
      if (tight[q] === 0) continue;
      for (let x = endFrom[q] as number; x < (endFrom[q + 1] as number); x++) {
        const c = endList[x] as number;
        tightNode[c] = 1;
        tight[startStep[c] as number] = 1;
      }
      if (q === from || (gap[q] as number) <= 0) {
        if (q > from) tight[q - 1] = 1;
        continue;
      }
      if (covered[q] === 0) {
        tight[q - 1] = 1;
        gatesEnd[v] = 1;
      } else if ((endFrom[q + 1] as number) === (endFrom[q] as number)) tight[q - 1] = 1;
    }
  }

  return {
    tree,
    postOrder,
    postIndex,
    stepFrom,
    gap,
    covered,
    endFrom,
    endList,
    startFrom,
    startList,
    selfTime,
    gatesEnd,
    duration,
    scratch: { relStart: new Float64Array(n), duration: duration.slice(), scaled: new Int32Array(n), affected: new Int32Array(n), epoch: 0 },
  };
}

export interface Replay {
  /** New start and end per input index (kept spans only). */
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** Sum of the roots' new durations: the replayed trace's critical-path length. */
  readonly latency: number;
}

/** Replays the trace with the self time of the `targets` nodes multiplied by `factor`. */
export function replay(program: ReplayProgram, targets: readonly number[], factor: number): Replay {
  const { tree, postOrder } = program;
  const n = tree.start.length;
  // Absolute times need every node's offset, so every node is replayed.
  const all = Array.from(postOrder);
  const latency = replayNodes(program, all, targets, factor);
  const { relStart, duration } = program.scratch;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  // Reverse post-order visits parents before children.
  for (let i = postOrder.length - 1; i >= 0; i--) {
    const node = postOrder[i] as number;
    const p = tree.parent[node] as number;
    start[node] = p === -1 ? (tree.start[node] as number) : (start[p] as number) + (relStart[node] as number);
    end[node] = (start[node] as number) + (duration[node] as number);
  }
  restore(program, all);
  return { start, end, latency };
}

/**
 * Only the new end-to-end latency: what the bottleneck ranking needs per
 * what-if. Replays just the targets and their ancestors: every other subtree
 * keeps its duration, which is all a replayed parent reads of it.
 */
export function replayLatency(program: ReplayProgram, targets: readonly number[], factor: number): number {
  const { tree, postIndex, scratch } = program;
  const epoch = ++scratch.epoch;
  const affected: number[] = [];
  for (const t of targets) {
    for (let v = t; v !== -1 && scratch.affected[v] !== epoch && (postIndex[v] as number) !== -1; v = tree.parent[v] as number) {
      scratch.affected[v] = epoch;
      affected.push(v);
    }
  }
  affected.sort((a, b) => (postIndex[a] as number) - (postIndex[b] as number));
  const latency = replayNodes(program, affected, targets, factor);
  restore(program, affected);
  return latency;
}

/** Step 2 of the model for `nodes` (in post-order); durations of all others are their originals. */
function replayNodes(program: ReplayProgram, nodes: readonly number[], targets: readonly number[], factor: number): number {
  const { tree, stepFrom, gap, covered, endFrom, endList, startFrom, startList, scratch } = program;
  const { relStart, duration, scaled } = scratch;
  const mark = ++scratch.epoch;
  for (const t of targets) scaled[t] = mark;
  for (const v of nodes) {
    const k = scaled[v] === mark ? factor : 1;
    let t = 0;
    for (let q = stepFrom[v] as number; q < (stepFrom[v + 1] as number); q++) {
      const g = gap[q] as number;
      const e0 = endFrom[q] as number;
      const e1 = endFrom[q + 1] as number;
      if (g > 0) {
        if (covered[q] === 0) t += k * g;
        else if (e0 === e1) t += g;
      }
      for (let x = e0; x < e1; x++) {
        const c = endList[x] as number;
        const cEnd = (relStart[c] as number) + (duration[c] as number);
        if (cEnd > t) t = cEnd;
      }
      for (let x = startFrom[q] as number; x < (startFrom[q + 1] as number); x++) relStart[startList[x] as number] = t;
    }
    duration[v] = t;
  }
  let latency = 0;
  for (const r of tree.roots) latency += duration[r] as number;
  return latency;
}

/** Puts the original durations back into the scratch after a replay of `nodes`. */
function restore(program: ReplayProgram, nodes: readonly number[]): void {
  const { duration } = program.scratch;
  for (const v of nodes) duration[v] = program.duration[v] as number;
}

/** The replayed trace as a tree with the same structure, for walking its critical path. */
export function replayedTree(tree: SpanTree, r: Replay): SpanTree {
  return { ...tree, start: r.start, end: r.end };
}
