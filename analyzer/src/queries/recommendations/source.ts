import type { ClickHouseClient } from '@clickhouse/client';
import type { JobLog } from '../../jobs/job.ts';
import type { RecommendationDraft, RecommendationKind } from '../../models/recommendations/types.ts';

/** The window (data time, unix ns) and optional service a source looks at. */
export interface RecommendationScope {
  readonly from: bigint;
  readonly to: bigint;
  /** Only findings whose fix is made in this service. */
  readonly service?: string | undefined;
}

export interface RecommendationSourceContext {
  readonly client: ClickHouseClient;
  readonly log?: JobLog;
  readonly signal?: AbortSignal;
}

/**
 * Anything that turns findings into recommendations: trace patterns, error
 * origins and repeated reads today; anomalies, capacity and SLO burns plug in
 * the same way (add the source to `defaultRecommendationSources` or pass it to
 * the engine). `kinds` lists what it may produce, so the learning loop knows
 * which sources can re-detect a finding after a deploy.
 */
export interface RecommendationSource {
  readonly name: string;
  readonly kinds: readonly RecommendationKind[];
  collect(ctx: RecommendationSourceContext, scope: RecommendationScope): Promise<RecommendationDraft[]>;
}
