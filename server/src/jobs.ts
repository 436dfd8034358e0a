import { anomalyJob, capacityJob, createForecastJob, outcomeJob, recommendationJob, sloJob, type Job } from '@ppo/analyzer';
import type { PpoConfig } from './config.ts';

/**
 * Every analysis job the analyzer role schedules, in the order one round runs
 * them: producers of findings first (forecasts, anomalies, capacity, SLO
 * burns), then the jobs that read those findings (recommendations, outcome
 * measurement).
 */
export function analyzerJobs(config: PpoConfig): Job[] {
  const r = config.recommendations;
  return [
    // RED forecasts per service (ppo_forecasts), kept to measure their accuracy later.
    createForecastJob(),
    // Anomalies on every service's RED and resource series (ppo_anomalies), `anomaly` events.
    anomalyJob(),
    // Capacity plans per service (ppo_capacity) and `forecast` events for those nearing saturation.
    capacityJob(),
    // SLO monitors: burn rates, `slo_burn` events when an alert starts or stops firing.
    sloJob(),
    // Recommendations from the findings above and the trace analyses (ppo_recommendations).
    recommendationJob({ windowMs: r.windowMs }),
    // The learning loop: before/after outcomes of applied recommendations and deploys.
    outcomeJob({ maxWindowNs: BigInt(r.outcomeWindowMs) * 1_000_000n, minWindowNs: BigInt(r.outcomeMinWindowMs) * 1_000_000n }),
  ];
}
