import { outcomeJob, recommendationJob, type Job } from '@ppo/analyzer';
import type { PpoConfig } from './config.ts';

/**
 * Every analysis job the analyzer role schedules, in the order one round runs
 * them: producers of findings first (forecasts, anomalies, SLO burns), then
 * the jobs that read those findings (recommendations, outcome measurement).
 */
export function analyzerJobs(config: PpoConfig): Job[] {
  const r = config.recommendations;
  return [
    recommendationJob({ windowMs: r.windowMs }),
    outcomeJob({ maxWindowNs: BigInt(r.outcomeWindowMs) * 1_000_000n, minWindowNs: BigInt(r.outcomeMinWindowMs) * 1_000_000n }),
  ];
}
