import { sloJob, type Job } from '@ppo/analyzer';
import type { PpoConfig } from './config.ts';

/**
 * Every analysis job the analyzer role schedules, in the order one round runs
 * them: producers of findings first (forecasts, anomalies, SLO burns), then
 * the jobs that read those findings (recommendations, outcome measurement).
 */
export function analyzerJobs(_config: PpoConfig): Job[] {
  return [sloJob()];
}
