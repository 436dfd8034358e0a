import { runRecommendationEngine } from '../queries/recommendations/recommendation-engine.ts';
import type { RecommendationSource } from '../queries/recommendations/source.ts';
import { latestDataTime } from '../queries/recommendations/sql-util.ts';
import type { Job } from './job.ts';

export interface RecommendationJobOptions {
  /** How much data (ending at the latest span, data time) each run looks at; default 1 h. */
  readonly windowMs?: number;
  readonly sources?: readonly RecommendationSource[];
}

/**
 * Turns the fleet's current findings into recommendations every round. The
 * window ends at the newest span, not the wall clock, so backdated or
 * delayed telemetry is analyzed like live traffic.
 */
export function recommendationJob(opts: RecommendationJobOptions = {}): Job {
  const windowNs = BigInt(opts.windowMs ?? 3_600_000) * 1_000_000n;
  return {
    name: 'recommendations',
    async run(ctx) {
      const end = await latestDataTime(ctx.client);
      if (end === undefined) return { findings: 0, detail: { spans: 0 } };
      const r = await runRecommendationEngine(
        { client: ctx.client, events: ctx.events, log: ctx.log, signal: ctx.signal, now: new Date(ctx.now) },
        { from: end - windowNs, to: end + 1n },
        ...(opts.sources ? [opts.sources] : []),
      );
      return { findings: r.recommendations.length, detail: { created: r.created, sources: r.sources.length, failed_sources: r.sources.filter((s) => s.error !== undefined).length } };
    },
  };
}
