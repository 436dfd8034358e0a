/**
 * Findings → recommendation drafts. Pure: the queries hand over already
 * reduced figures (pattern summaries, bottlenecks, per-operation stats,
 * error origins, repeated reads) and get drafts back.
 *
 * Expected improvement is always a statement about one measurable figure of
 * the operation the fix is made in (its span p50 or its error rate), so the
 * learning loop can later measure exactly that figure before and after.
 */
import type { Bottleneck, BottleneckEvidence, PatternSummary } from '../bottlenecks/rank-bottlenecks.ts';
import type { RecommendationDraft, RecommendationEvidence, RecommendationKind } from './types.ts';

export interface OperationStats {
  /** Median span duration of the operation in the window, ms. */
  readonly p50Ms: number;
  readonly calls: number;
  readonly errors: number;
}

export const opKey = (service: string, operation: string): string => `${service}\0${operation}`;

export interface TraceFindings {
  readonly tracesAnalyzed: number;
  /** 1 when every trace was analyzed; pattern trace counts are scaled by it. */
  readonly sampleModulus: number;
  readonly latencyP50Ms: number;
  readonly bottlenecks: readonly Bottleneck[];
  readonly patterns: readonly PatternSummary[];
}

export interface FindingOptions {
  /** fix-slow-query: the database operation's share of the critical path it must reach. */
  readonly slowQueryMinShare?: number;
  /** Traces after which the detector's evidence counts as strong (confidence ramps up to it). */
  readonly strongEvidenceTraces?: number;
}

/** Detector base confidence per kind: how often the fix is mechanical (N+1 batching) vs needs judgement (parallelizing may hit data dependencies). */
export const BASE_CONFIDENCE: Readonly<Record<RecommendationKind, number>> = {
  'batch-n-plus-one': 0.8,
  'parallelize-calls': 0.6,
  'add-cache': 0.6,
  'fix-slow-query': 0.65,
  'fix-error-source': 0.7,
  'fix-regression': 0.8,
  'scale-out': 0.6,
  'scale-in': 0.6,
  'raise-cpu': 0.6,
  'lower-memory': 0.6,
  'restore-slo': 0.6,
};

/** Base confidence scaled by how much evidence there is: half of it on one trace, all of it from `strong` traces on. */
export function evidenceConfidence(kind: RecommendationKind, traces: number, strong = 20): number {
  const s = Math.min(1, Math.max(0, traces) / strong);
  return round(BASE_CONFIDENCE[kind] * (0.5 + 0.5 * s), 3);
}

const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

const evidenceOf = (e: readonly BottleneckEvidence[]): RecommendationEvidence[] =>
  e.slice(0, 5).map((x) => ({ traceId: x.traceId, spanIds: [...x.spanIds], detail: x.detail }));

const PATTERN_KINDS: Partial<Record<PatternSummary['kind'], RecommendationKind>> = {
  'n-plus-one': 'batch-n-plus-one',
  'sequential-calls': 'parallelize-calls',
  // A statement over the slow-query line deep in a call tree rarely holds 20% of the
  // entry point's critical path (what draftsFromSlowQueries needs), yet it is what
  // its caller waits for: the pattern names it, with the time above the line.
  'slow-db-statement': 'fix-slow-query',
};

function patternText(kind: RecommendationKind, p: PatternSummary, perTrace: number, savedPerTrace: number): { title: string; detail: string } {
  const target = p.target ?? '';
  const saved = round(savedPerTrace, 1);
  switch (kind) {
    case 'batch-n-plus-one':
      return {
        title: `Batch the N+1 calls to ${target} in ${p.service} ${p.operation}`,
        detail: `${p.operation} issues one call per item to ${target} (${perTrace} runs per affected trace, ${p.traces} traces, ${saved} ms wasted per trace). One batched call (IN list, bulk endpoint, DataLoader) costs about as much as the slowest of them.`,
      };
    case 'fix-slow-query':
      return {
        title: `Speed up the slow query ${target} in ${p.service} ${p.operation}`,
        detail: `${p.operation} waits on ${target}, which runs over the slow-query line (${perTrace} slow runs per affected trace, ${p.traces} traces, ${saved} ms above the line per trace). Check its plan: a missing index, a full scan, or fetching more rows than used.`,
      };
    default:
      return {
        title: `Run the sequential calls ${target} of ${p.service} ${p.operation} concurrently`,
        detail: `${p.operation} waits for ${target} one after the other although none uses another's answer (${p.traces} traces, ${saved} ms per trace). Issue them concurrently (Promise.all, async fan-out) so they cost the slowest one, not the sum.`,
      };
  }
}

/**
 * N+1 → batch-n-plus-one, sequential calls → parallelize-calls, slow
 * statements → fix-slow-query: the caller
 * operation's p50 should drop by the time the pattern wastes per affected
 * trace, weighted by the share of the caller's calls that show it.
 */
export function draftsFromPatterns(f: TraceFindings, stats: ReadonlyMap<string, OperationStats>, opts: FindingOptions = {}): RecommendationDraft[] {
  const out: RecommendationDraft[] = [];
  for (const p of f.patterns) {
    const kind = PATTERN_KINDS[p.kind];
    if (kind === undefined || p.operation === '' || p.traces === 0) continue;
    const st = stats.get(opKey(p.service, p.operation));
    if (!st || st.calls === 0 || st.p50Ms <= 0) continue;
    const savedPerTrace = p.wastedMsTotal / p.traces;
    const affected = clamp01((p.traces * f.sampleModulus) / st.calls);
    const expected = Math.max(0, st.p50Ms - savedPerTrace * affected);
    const relGain = clamp01((st.p50Ms - expected) / st.p50Ms);
    if (relGain <= 0) continue;
    const perTrace = round(p.occurrences / p.traces, 1);
    const target = p.target ?? '';
    const { title, detail } = patternText(kind, p, perTrace, savedPerTrace);
    out.push({
      service: p.service,
      operation: p.operation,
      kind,
      findingKey: target,
      source: 'trace-patterns',
      title,
      detail,
      expectedImprovement: { metric: 'latency_p50_ms', current: round(st.p50Ms), expected: round(expected) },
      priorConfidence: evidenceConfidence(kind, p.traces, opts.strongEvidenceTraces),
      impact: round(relGain * affected, 4),
      evidence: evidenceOf(p.evidence),
    });
  }
  return out;
}

/**
 * A database operation holding at least `slowQueryMinShare` of the critical
 * path with about one execution per trace → fix-slow-query; expected: its p50 halves (the what-if the ranking
 * already replayed, whose saving on the end-to-end p50 is the impact).
 */
export function draftsFromSlowQueries(
  f: TraceFindings,
  stats: ReadonlyMap<string, OperationStats>,
  dbOperations: ReadonlySet<string>,
  opts: FindingOptions = {},
): RecommendationDraft[] {
  const minShare = opts.slowQueryMinShare ?? 0.2;
  const out: RecommendationDraft[] = [];
  for (const b of f.bottlenecks) {
    if (b.criticalPathShare < minShare || !dbOperations.has(opKey(b.service, b.operation))) continue;
    const st = stats.get(opKey(b.service, b.operation));
    if (!st || st.p50Ms <= 0) continue;
    // The path time must come from one slow execution, not from many quick
    // ones: ten 5 ms queries per request are an N+1 (batch them), not a slow query.
    if (b.selfTimeP50Ms > 1.5 * st.p50Ms) continue;
    out.push({
      service: b.service,
      operation: b.operation,
      kind: 'fix-slow-query',
      findingKey: b.operation,
      source: 'critical-path',
      title: `Speed up the query ${b.operation} of ${b.service}`,
      detail: `The database call ${b.operation} holds ${Math.round(b.criticalPathShare * 100)}% of the critical path (self time p50 ${b.selfTimeP50Ms} ms, p95 ${b.selfTimeP95Ms} ms over ${b.traces} traces); halving it would cut the end-to-end p50 by ${b.estSavingMs} ms. Check its plan: a missing index, a full scan, or fetching more rows than used.`,
      expectedImprovement: { metric: 'latency_p50_ms', current: round(st.p50Ms), expected: round(st.p50Ms / 2) },
      priorConfidence: evidenceConfidence('fix-slow-query', b.traces, opts.strongEvidenceTraces),
      impact: round(f.latencyP50Ms > 0 ? clamp01(b.estSavingMs / f.latencyP50Ms) : 0, 4),
      evidence: evidenceOf(b.evidence),
    });
  }
  return out;
}

/** Where errors originate: erroring spans none of whose children errored, per operation. */
export interface ErrorOriginRow {
  readonly service: string;
  readonly operation: string;
  /** Originating error spans. */
  readonly errors: number;
  /** All spans of the operation in the window. */
  readonly calls: number;
  readonly traces: number;
  readonly message: string;
  readonly examples: readonly { readonly traceId: string; readonly spanId: string }[];
}

export function draftsFromErrorOrigins(rows: readonly ErrorOriginRow[], opts: { minErrors?: number; minRate?: number; totalTraces?: number; strongEvidenceTraces?: number } = {}): RecommendationDraft[] {
  const minErrors = opts.minErrors ?? 5;
  const minRate = opts.minRate ?? 0.01;
  const out: RecommendationDraft[] = [];
  for (const r of rows) {
    if (r.calls === 0) continue;
    const rate = r.errors / r.calls;
    if (r.errors < minErrors || rate < minRate) continue;
    const share = opts.totalTraces && opts.totalTraces > 0 ? clamp01(r.traces / opts.totalTraces) : rate;
    out.push({
      service: r.service,
      operation: r.operation,
      kind: 'fix-error-source',
      findingKey: r.operation,
      source: 'error-origins',
      title: `Fix the errors raised in ${r.service} ${r.operation}`,
      detail: `${r.errors} of ${r.calls} ${r.operation} spans (${round(rate * 100, 2)}%) fail without any failing call below them: the error starts here and propagates up through ${r.traces} traces.${r.message ? ` Most common message: "${r.message.slice(0, 200)}".` : ''}`,
      expectedImprovement: { metric: 'error_rate', current: round(rate, 6), expected: 0 },
      priorConfidence: evidenceConfidence('fix-error-source', r.traces, opts.strongEvidenceTraces),
      impact: round(share, 4),
      evidence: r.examples.slice(0, 5).map((e) => ({ traceId: e.traceId, spanIds: [e.spanId], detail: `originating error span of ${r.operation}` })),
    });
  }
  return out;
}

/** The same read (identical statement or GET URL, literals included) issued repeatedly. */
export interface RepeatedReadRow {
  readonly service: string;
  /** The caller operation the reads hang under. */
  readonly operation: string;
  readonly target: string;
  readonly calls: number;
  readonly traces: number;
  readonly avgMs: number;
  readonly examples: readonly { readonly traceId: string; readonly spanId: string }[];
}

/**
 * Repeated identical reads → add-cache. Within one request (≥ `minPerTrace`
 * identical reads per trace on average) everything after the first is
 * redundant; across requests only a cache with a TTL helps and the first read
 * per request still costs, so only the in-request repeats are counted as
 * saving, a conservative figure.
 */
export function draftsFromRepeatedReads(
  rows: readonly RepeatedReadRow[],
  stats: ReadonlyMap<string, OperationStats>,
  opts: { minPerTrace?: number; minCalls?: number; strongEvidenceTraces?: number } = {},
): RecommendationDraft[] {
  const minPerTrace = opts.minPerTrace ?? 2;
  const minCalls = opts.minCalls ?? 10;
  const out: RecommendationDraft[] = [];
  for (const r of rows) {
    if (r.calls < minCalls || r.traces === 0) continue;
    const perTrace = r.calls / r.traces;
    if (perTrace < minPerTrace) continue;
    const st = stats.get(opKey(r.service, r.operation));
    if (!st || st.p50Ms <= 0 || st.calls === 0) continue;
    const saved = (perTrace - 1) * r.avgMs;
    const affected = clamp01(r.traces / st.calls);
    const expected = Math.max(0, st.p50Ms - saved * affected);
    const relGain = clamp01((st.p50Ms - expected) / st.p50Ms);
    if (relGain <= 0) continue;
    out.push({
      service: r.service,
      operation: r.operation,
      kind: 'add-cache',
      findingKey: r.target,
      source: 'repeated-reads',
      title: `Cache the repeated read ${r.target.slice(0, 80)} in ${r.service} ${r.operation}`,
      detail: `${r.operation} reads exactly the same thing ${round(perTrace, 1)} times per request (${r.calls} identical reads in ${r.traces} traces, ${round(r.avgMs, 2)} ms each). Keep the first answer for the request (memoize) or in a short-TTL cache.`,
      expectedImprovement: { metric: 'latency_p50_ms', current: round(st.p50Ms), expected: round(expected) },
      priorConfidence: evidenceConfidence('add-cache', r.traces, opts.strongEvidenceTraces),
      impact: round(relGain * affected, 4),
      evidence: r.examples.slice(0, 5).map((e) => ({ traceId: e.traceId, spanIds: [e.spanId], detail: `identical read ${r.target.slice(0, 120)}` })),
    });
  }
  return out;
}
