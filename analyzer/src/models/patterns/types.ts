/**
 * What the anti-pattern detectors report and the knobs they take. A finding is
 * evidence from ONE trace; the bottleneck aggregator folds findings from many
 * traces into fleet-level patterns (p95s, fleet comparison for chattiness).
 */

export type PatternKind = 'n-plus-one' | 'sequential-calls' | 'retry-storm' | 'slow-db-statement' | 'chatty-service';

export interface PatternFinding {
  readonly kind: PatternKind;
  /** The calling service: where the fix has to be made. */
  readonly service: string;
  /**
   * The parent/caller operation the finding concerns (the span the calls hang
   * under; for chatty services the service's entry operation in the trace).
   * '' when that span is missing from the trace.
   */
  readonly operation: string;
  /**
   * What is being called: the normalized statement for database findings,
   * "callee-service operation" for calls, "a → b → c" for sequential groups;
   * absent for chatty services, which talk to many targets.
   */
  readonly target?: string;
  /** The spans involved, in start order. */
  readonly spanIds: string[];
  /** The parent span of the calls, when they share one. */
  readonly parentSpanId?: string;
  readonly count: number;
  /** Time a fix would save on this trace, in milliseconds (0 when the pattern has no direct time cost). */
  readonly wasted_ms: number;
  /** One sentence for an operator. */
  readonly detail: string;
}

export interface PatternOptions {
  /** N+1: minimum similar sequential calls under one parent (Sentry's default is 5 as well). */
  readonly nPlusOneMinCalls?: number;
  /** Sequential calls: minimum back-to-back calls to distinct targets. */
  readonly sequentialMinCalls?: number;
  /** Sequential calls: the group's summed duration must reach this, so trivial groups stay quiet. */
  readonly sequentialMinTotalMs?: number;
  /**
   * Sequential calls: the largest idle gap between two calls that still reads as
   * "fired back to back" is max(sequentialMaxGapMs, sequentialMaxGapRatio × the
   * shorter call). A longer gap suggests the caller was computing the next
   * request from the previous response (a data dependency).
   */
  readonly sequentialMaxGapMs?: number;
  readonly sequentialMaxGapRatio?: number;
  /** Retry storm: minimum attempts (all but possibly the last failed). */
  readonly retryMinAttempts?: number;
  /** Slow DB statement: duration threshold. */
  readonly slowDbThresholdMs?: number;
  /** Chatty service: outbound calls per trace from one service. */
  readonly chattyMinCalls?: number;
  /**
   * Two calls still count as one-after-the-other when they overlap by at most
   * min(overlapToleranceMs, overlapToleranceRatio × the shorter call): span
   * end times are recorded a little after the response is handed back, so a
   * strictly sequential loop can show a few microseconds of overlap, but real
   * concurrency overlaps by most of a call.
   */
  readonly overlapToleranceMs?: number;
  readonly overlapToleranceRatio?: number;
}

export const DEFAULT_PATTERN_OPTIONS: Readonly<Required<PatternOptions>> = Object.freeze({
  nPlusOneMinCalls: 5,
  sequentialMinCalls: 3,
  sequentialMinTotalMs: 20,
  sequentialMaxGapMs: 1,
  sequentialMaxGapRatio: 0.1,
  retryMinAttempts: 3,
  slowDbThresholdMs: 100,
  chattyMinCalls: 50,
  overlapToleranceMs: 1,
  overlapToleranceRatio: 0.1,
});

/** Options with durations converted to the trace's nanoseconds once, not per comparison. */
export interface ResolvedPatternOptions {
  readonly nPlusOneMinCalls: number;
  readonly sequentialMinCalls: number;
  readonly sequentialMinTotalNs: number;
  readonly sequentialMaxGapNs: number;
  readonly sequentialMaxGapRatio: number;
  readonly retryMinAttempts: number;
  readonly slowDbThresholdNs: number;
  readonly slowDbThresholdMs: number;
  readonly chattyMinCalls: number;
  readonly overlapToleranceNs: number;
  readonly overlapToleranceRatio: number;
}

const NS_PER_MS = 1_000_000;

let defaults: ResolvedPatternOptions | undefined;

export function resolvePatternOptions(opts: PatternOptions | undefined): ResolvedPatternOptions {
  // the default call, once per trace over tens of thousands of traces, should not allocate
  if (opts === undefined) return (defaults ??= resolve(DEFAULT_PATTERN_OPTIONS));
  return resolve({ ...DEFAULT_PATTERN_OPTIONS, ...opts });
}

function resolve(o: Readonly<Required<PatternOptions>>): ResolvedPatternOptions {
  return {
    nPlusOneMinCalls: o.nPlusOneMinCalls,
    sequentialMinCalls: o.sequentialMinCalls,
    sequentialMinTotalNs: o.sequentialMinTotalMs * NS_PER_MS,
    sequentialMaxGapNs: o.sequentialMaxGapMs * NS_PER_MS,
    sequentialMaxGapRatio: o.sequentialMaxGapRatio,
    retryMinAttempts: o.retryMinAttempts,
    slowDbThresholdNs: o.slowDbThresholdMs * NS_PER_MS,
    slowDbThresholdMs: o.slowDbThresholdMs,
    chattyMinCalls: o.chattyMinCalls,
    overlapToleranceNs: o.overlapToleranceMs * NS_PER_MS,
    overlapToleranceRatio: o.overlapToleranceRatio,
  };
}

/** ns → ms rounded to the microsecond, so sums of ns durations print cleanly. */
export function nsToMs(ns: number): number {
  return Math.round(ns / 1_000) / 1_000;
}
