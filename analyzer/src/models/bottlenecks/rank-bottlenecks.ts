import type { Trace, TraceSpan } from '../../model/trace.ts';
import { criticalPathOfTree } from '../critical-path/critical-path.ts';
import { buildSpanTree } from '../critical-path/span-tree.ts';
import type { PatternFinding, PatternKind } from '../patterns/types.ts';
import { compileReplay, replayLatency } from './what-if-speedup.ts';

/**
 * Aggregated bottlenecks: which operations hold the critical path across many
 * traces, and what making each one faster would buy. Streaming: traces are
 * `add`ed one at a time and dropped, so memory is O(traces × operations on
 * their path), not O(spans).
 *
 * Per trace: the critical path (jaeger-ui definition); its length is the
 * trace's end-to-end latency (the sum of its roots' durations, which the path
 * covers exactly). An operation's *on-path time* in a trace is the total
 * length of the path sections owned by its spans — its self time on the path.
 *
 * Per operation (service + span name), over the traces given:
 * - `criticalPathShare` = Σ on-path time / Σ end-to-end latency (0..1);
 * - `selfTimeP50Ms` / `selfTimeP95Ms` = percentiles of the per-trace on-path
 *   time, over the `traces` in which the operation is on the path at all;
 * - `estSavingMs` = p50 end-to-end latency − p50 after the what-if "this
 *   operation's self time halves" (see what-if-speedup.ts), replayed on every
 *   trace in which the operation's self time can gate the end, and the
 *   latency read off the replayed trace's critical path. That is nearly the
 *   traces where it is on the path, but not quite: jaeger's strict cut-off
 *   hands a call that ends exactly when the next one starts to the parent,
 *   while the replay rightly sees the wait. Ranked by that, then by share.
 */

export interface BottleneckEvidence {
  readonly traceId: string;
  readonly spanIds: readonly string[];
  readonly detail: string;
}

export interface Bottleneck {
  readonly service: string;
  readonly operation: string;
  readonly criticalPathShare: number;
  readonly selfTimeP50Ms: number;
  readonly selfTimeP95Ms: number;
  /** Traces in which the operation is on the critical path. */
  readonly traces: number;
  readonly estSavingMs: number;
  /** The anti-pattern most often found on this operation, when detectors ran. */
  readonly pattern?: PatternKind;
  /** Example traces: the ones where the operation held the path longest, then pattern examples. */
  readonly evidence: readonly BottleneckEvidence[];
}

/** Pattern findings folded over the traces: one entry per kind + caller + target. */
export interface PatternSummary {
  readonly kind: PatternKind;
  readonly service: string;
  readonly operation: string;
  readonly target?: string;
  readonly traces: number;
  readonly occurrences: number;
  readonly wastedMsTotal: number;
  readonly evidence: readonly BottleneckEvidence[];
}

export interface BottleneckReport {
  readonly tracesAnalyzed: number;
  /** p50 end-to-end latency of the traces analyzed, ms. */
  readonly latencyP50Ms: number;
  readonly bottlenecks: readonly Bottleneck[];
  /** Empty when no detector was given. */
  readonly patterns: readonly PatternSummary[];
}

export interface RankOptions {
  /** Self-time multiplier of the what-if (0.5 = "halved"). */
  readonly speedupFactor?: number;
  /** Longest list returned (ranked). */
  readonly limit?: number;
  readonly examplesPerItem?: number;
  /** Anti-pattern detectors to run on each trace; without them, `pattern` is never set. */
  readonly detectPatterns?: (trace: Trace) => readonly PatternFinding[];
}

/** ns → ms, rounded to the µs so sums of ns print cleanly. */
function ms(ns: number): number {
  return Math.round(ns / 1_000) / 1_000;
}

/** Linear-interpolated quantile (numpy's default) of an ascending-sorted array. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  return a + ((sorted[hi] as number) - a) * (pos - lo);
}

function quantileOf(values: readonly number[] | Float64Array, q: number): number {
  return selectQuantile(Float64Array.from(values), q);
}

/**
 * `sortedQuantile` without sorting: quickselect (Hoare) of the two order
 * statistics around the quantile's position, O(n) on average. The ranking
 * needs one p50 per operation over every trace; sorting each copy dominated.
 * Reorders `values`.
 */
export function selectQuantile(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const a = select(values, lo, 0, n - 1);
  if (lo + 1 >= n || pos === lo) return a;
  // Everything right of `lo` is ≥ a after the select: the next order statistic is their minimum.
  let b = Infinity;
  for (let i = lo + 1; i < n; i++) if ((values[i] as number) < b) b = values[i] as number;
  return a + (b - a) * (pos - lo);
}

/** The k-th smallest of values[left..right], leaving smaller ones left of k and larger ones right. */
function select(values: Float64Array, k: number, left: number, right: number): number {
  while (right > left) {
    const pivot = values[(left + right) >> 1] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k] as number;
}

/** Keeps the `k` examples with the highest weight. */
class TopExamples {
  private readonly items: { weight: number; evidence: BottleneckEvidence }[] = [];
  constructor(private readonly k: number) {}

  wants(weight: number): boolean {
    return this.items.length < this.k || weight > (this.items[this.items.length - 1] as { weight: number }).weight;
  }

  add(weight: number, evidence: BottleneckEvidence): void {
    if (!this.wants(weight)) return;
    this.items.push({ weight, evidence });
    this.items.sort((a, b) => b.weight - a.weight);
    if (this.items.length > this.k) this.items.pop();
  }

  list(): BottleneckEvidence[] {
    return this.items.map((i) => i.evidence);
  }
}

interface OperationStats {
  readonly service: string;
  readonly operation: string;
  onPathTotal: number;
  /** Parallel arrays, one entry per trace where the operation is on the path. */
  readonly traceIndex: number[];
  readonly onPath: number[];
  /** Parallel arrays, one entry per trace the what-if shortens. */
  readonly savingTraceIndex: number[];
  readonly latencyAfter: number[];
  readonly examples: TopExamples;
  /** Pattern kind → traces it was found in with this operation as caller or callee. */
  readonly patternTraces: Map<PatternKind, number>;
  readonly patternExamples: TopExamples;
}

interface PatternStats {
  readonly kind: PatternKind;
  readonly service: string;
  readonly operation: string;
  readonly target: string | undefined;
  traces: number;
  occurrences: number;
  wastedMs: number;
  lastTrace: number;
  readonly examples: TopExamples;
}

export class BottleneckRanker {
  private readonly factor: number;
  private readonly limit: number;
  private readonly k: number;
  private readonly detect: ((trace: Trace) => readonly PatternFinding[]) | undefined;
  /** service → span name → operation id: no string concatenation per span. */
  private readonly opIds = new Map<string, Map<string, number>>();
  private readonly ops: OperationStats[] = [];
  private readonly latencies: number[] = [];
  private latencyTotal = 0;
  private readonly patterns = new Map<string, PatternStats>();

  constructor(opts: RankOptions = {}) {
    this.factor = opts.speedupFactor ?? 0.5;
    this.limit = opts.limit ?? 25;
    this.k = opts.examplesPerItem ?? 3;
    this.detect = opts.detectPatterns;
  }

  get tracesAdded(): number {
    return this.latencies.length;
  }

  private opId(service: string, operation: string): number {
    let byName = this.opIds.get(service);
    if (byName === undefined) this.opIds.set(service, (byName = new Map()));
    let id = byName.get(operation);
    if (id === undefined) {
      id = this.ops.length;
      byName.set(operation, id);
      this.ops.push({
        service,
        operation,
        onPathTotal: 0,
        traceIndex: [],
        onPath: [],
        savingTraceIndex: [],
        latencyAfter: [],
        examples: new TopExamples(this.k),
        patternTraces: new Map(),
        patternExamples: new TopExamples(this.k),
      });
    }
    return id;
  }

  /** Folds one trace in. Traces without a root span are ignored (and not counted). */
  add(trace: Trace): void {
    const spans = trace.spans;
    const tree = buildSpanTree(spans);
    if (tree.roots.length === 0) return;
    const traceIndex = this.latencies.length;
    let latency = 0;
    for (const r of tree.roots) latency += (tree.end[r] as number) - (tree.start[r] as number);
    this.latencies.push(latency);
    this.latencyTotal += latency;

    const nodeOp = new Int32Array(spans.length);
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i] as TraceSpan;
      nodeOp[i] = this.opId(s.service, s.name);
    }

    // On-path time per operation in this trace.
    const sections = criticalPathOfTree(tree);
    const onPath = new Map<number, number>();
    for (const section of sections) {
      const op = nodeOp[section.node] as number;
      onPath.set(op, (onPath.get(op) ?? 0) + section.end - section.start);
    }

    // What-if per operation whose self time can move the end (see `gatesEnd`);
    // the replay then scales all of its spans' self time.
    const afterByOp = new Map<number, number>();
    if (latency > 0) {
      const program = compileReplay(tree);
      const nodesByOp = new Map<number, number[]>();
      const gating = new Set<number>();
      for (const node of program.postOrder) {
        if ((program.selfTime[node] as number) <= 0) continue;
        const op = nodeOp[node] as number;
        const list = nodesByOp.get(op);
        if (list === undefined) nodesByOp.set(op, [node]);
        else list.push(node);
        if (program.gatesEnd[node] === 1) gating.add(op);
      }
      for (const op of gating) {
        const after = replayLatency(program, nodesByOp.get(op) as number[], this.factor);
        if (after >= latency) continue;
        afterByOp.set(op, after);
        const stats = this.ops[op] as OperationStats;
        stats.savingTraceIndex.push(traceIndex);
        stats.latencyAfter.push(after);
      }
    }

    for (const [op, ns] of onPath) {
      const stats = this.ops[op] as OperationStats;
      stats.onPathTotal += ns;
      stats.traceIndex.push(traceIndex);
      stats.onPath.push(ns);
      if (stats.examples.wants(ns)) {
        const saved = latency - (afterByOp.get(op) ?? latency);
        const spanIds = new Set<string>();
        for (const section of sections) if (nodeOp[section.node] === op) spanIds.add((spans[section.node] as TraceSpan).spanId);
        stats.examples.add(ns, {
          traceId: trace.traceId,
          spanIds: [...spanIds],
          detail: `${ms(ns)} ms of the trace's ${ms(latency)} ms on the critical path; ${ms(saved)} ms faster with its self time × ${this.factor}`,
        });
      }
    }

    if (this.detect !== undefined) this.addPatterns(trace, traceIndex, nodeOp);
  }

  private addPatterns(trace: Trace, traceIndex: number, nodeOp: Int32Array): void {
    const findings = (this.detect as (trace: Trace) => readonly PatternFinding[])(trace);
    if (findings.length === 0) return;
    const indexById = new Map<string, number>();
    trace.spans.forEach((s, i) => indexById.set(s.spanId, i));
    const seenOpKind = new Set<string>();
    for (const f of findings) {
      const key = `${f.kind}\u0000${f.service}\u0000${f.operation}\u0000${f.target ?? ''}`;
      let p = this.patterns.get(key);
      if (p === undefined) {
        p = {
          kind: f.kind,
          service: f.service,
          operation: f.operation,
          target: f.target,
          traces: 0,
          occurrences: 0,
          wastedMs: 0,
          lastTrace: -1,
          examples: new TopExamples(this.k),
        };
        this.patterns.set(key, p);
      }
      if (p.lastTrace !== traceIndex) {
        p.traces++;
        p.lastTrace = traceIndex;
      }
      p.occurrences++;
      p.wastedMs += f.wasted_ms;
      const evidence = { traceId: trace.traceId, spanIds: f.spanIds, detail: f.detail };
      p.examples.add(f.wasted_ms, evidence);

      // A finding concerns its caller operation and the operations it calls:
      // an N+1 shows on the path as the repeated DB call, fixed in the caller.
      const ops = new Set<number>([this.opId(f.service, f.operation)]);
      for (const id of f.spanIds) {
        const i = indexById.get(id);
        if (i !== undefined) ops.add(nodeOp[i] as number);
      }
      for (const op of ops) {
        const stats = this.ops[op] as OperationStats;
        const seen = `${op}\u0000${f.kind}`;
        if (!seenOpKind.has(seen)) {
          seenOpKind.add(seen);
          stats.patternTraces.set(f.kind, (stats.patternTraces.get(f.kind) ?? 0) + 1);
        }
        stats.patternExamples.add(f.wasted_ms, evidence);
      }
    }
  }

  finish(): BottleneckReport {
    const latencies = Float64Array.from(this.latencies);
    const p50 = selectQuantile(latencies.slice(), 0.5);
    const what = new Float64Array(latencies.length);
    const bottlenecks: (Bottleneck & { share: number })[] = [];
    for (const stats of this.ops) {
      if (stats.traceIndex.length === 0 && stats.savingTraceIndex.length === 0) continue;
      let p50After = p50;
      if (stats.savingTraceIndex.length > 0) {
        what.set(latencies);
        stats.savingTraceIndex.forEach((t, i) => (what[t] = stats.latencyAfter[i] as number));
        p50After = selectQuantile(what, 0.5);
      }
      let pattern: PatternKind | undefined;
      let best = 0;
      for (const [kind, n] of stats.patternTraces) {
        if (n > best) {
          best = n;
          pattern = kind;
        }
      }
      const share = this.latencyTotal > 0 ? stats.onPathTotal / this.latencyTotal : 0;
      bottlenecks.push({
        service: stats.service,
        operation: stats.operation,
        share,
        criticalPathShare: Math.round(share * 10_000) / 10_000,
        selfTimeP50Ms: ms(quantileOf(stats.onPath, 0.5)),
        selfTimeP95Ms: ms(quantileOf(stats.onPath, 0.95)),
        traces: stats.traceIndex.length,
        // Replays only ever shorten a trace; max() absorbs float rounding.
        estSavingMs: ms(Math.max(0, p50 - p50After)),
        ...(pattern === undefined ? {} : { pattern }),
        evidence: [...stats.examples.list(), ...stats.patternExamples.list()],
      });
    }
    bottlenecks.sort(
      (a, b) =>
        b.estSavingMs - a.estSavingMs ||
        b.share - a.share ||
        a.service.localeCompare(b.service) ||
        a.operation.localeCompare(b.operation),
    );
    const patterns: PatternSummary[] = [...this.patterns.values()]
      .sort((a, b) => b.wastedMs - a.wastedMs || b.traces - a.traces)
      .map((p) => ({
        kind: p.kind,
        service: p.service,
        operation: p.operation,
        ...(p.target === undefined ? {} : { target: p.target }),
        traces: p.traces,
        occurrences: p.occurrences,
        wastedMsTotal: Math.round(p.wastedMs * 1_000) / 1_000,
        evidence: p.examples.list(),
      }));
    return {
      tracesAnalyzed: this.latencies.length,
      latencyP50Ms: ms(p50),
      bottlenecks: bottlenecks.slice(0, this.limit).map(({ share: _share, ...b }) => b),
      patterns,
    };
  }
}
