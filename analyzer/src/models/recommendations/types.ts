/**
 * A recommendation: one finding turned into an action, with what it should
 * buy and how sure PPO is, kept as a record so its effect can be measured
 * after it ships (issue #8). Plain data; the store and the API map it.
 */
import type { Verdict } from '../outcomes/judge-outcome.ts';

/**
 * What to do. The capacity kinds (scale-out, scale-in, raise-cpu,
 * lower-memory) are reserved for the capacity/right-sizing source;
 * fix-regression is the outcome job's "this deploy made it worse";
 * restore-slo points a burning SLO objective at the operation to fix.
 */
export const RECOMMENDATION_KINDS = [
  'parallelize-calls',
  'batch-n-plus-one',
  'add-cache',
  'fix-slow-query',
  'fix-error-source',
  'fix-regression',
  'scale-out',
  'scale-in',
  'raise-cpu',
  'lower-memory',
  'restore-slo',
] as const;
export type RecommendationKind = (typeof RECOMMENDATION_KINDS)[number];

/** open → applied | dismissed; a measurement turns open/applied into its verdict. */
export const RECOMMENDATION_STATUSES = ['open', 'applied', 'dismissed', 'verified', 'partial', 'no-effect', 'regressed'] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];

export interface RecommendationEvidence {
  readonly traceId?: string;
  readonly spanIds?: readonly string[];
  readonly detail: string;
}

/**
 * The metric the recommendation should move, now and after the fix.
 * `latency_p50_ms` is the median duration of the operation's spans,
 * `error_rate` its share of spans with status Error; other sources may add
 * their own metrics (utilization, replicas, ...).
 */
export interface ExpectedImprovement {
  readonly metric: string;
  readonly current: number;
  readonly expected: number;
}

/** What a recommendation source produces for a window; the engine turns drafts into records. */
export interface RecommendationDraft {
  readonly service: string;
  /** The operation the fix is made in (and whose spans are measured), when there is one. */
  readonly operation?: string;
  readonly kind: RecommendationKind;
  /** What distinguishes two findings of one kind on one operation (the callee, the statement, ...); part of the id. */
  readonly findingKey: string;
  /** The source that found it (patterns, errors, cache, capacity, ...). */
  readonly source: string;
  readonly title: string;
  readonly detail: string;
  readonly expectedImprovement: ExpectedImprovement;
  /** The detector's own confidence, 0..1, before the track record calibrates it. */
  readonly priorConfidence: number;
  /**
   * Expected relative gain weighted by the share of traffic it touches, 0..1
   * ((current − expected)/current × affected share): the ranking key with confidence.
   */
  readonly impact: number;
  readonly evidence: readonly RecommendationEvidence[];
  /** For regression findings: the version that made things worse. */
  readonly deployVersion?: string;
}

export interface RecommendationOutcome {
  readonly verdict: Verdict;
  readonly metric: string;
  readonly before: number;
  readonly after: number;
  readonly changePct: number;
  readonly pValue: number;
  /** RFC 3339, wall clock. */
  readonly measuredAt: string;
  /** The deployed version the after window belongs to, when a deploy triggered the measurement. */
  readonly version?: string;
  readonly trigger: 'applied' | 'deploy';
  readonly reason: string;
  readonly samplesBefore: number;
  readonly samplesAfter: number;
  /** The windows compared (data timestamps, unix ns). */
  readonly beforeFrom: bigint;
  readonly changeAt: bigint;
  readonly afterTo: bigint;
  /** after-window calls / before-window calls: how comparable the load was. */
  readonly loadRatio: number;
}

export interface Recommendation extends RecommendationDraft {
  readonly id: string;
  /** Calibrated by the kind's track record. */
  readonly confidence: number;
  readonly status: RecommendationStatus;
  readonly note: string;
  /** Wall clock, RFC 3339. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The data window of the latest detection (unix ns). */
  readonly observedFrom: bigint;
  readonly observedTo: bigint;
  /** How many analysis runs found it. */
  readonly timesSeen: number;
  /** When it was marked applied (unix ns; data time when given, else wall clock). */
  readonly appliedAt?: bigint;
  readonly outcome?: RecommendationOutcome;
}

/** Statuses a measurement may still change. */
export function isMeasurable(status: RecommendationStatus): boolean {
  return status === 'open' || status === 'applied';
}
