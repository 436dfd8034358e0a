import { anomalyJob, capacityJob, createForecastJob, sloJob, type Job } from '@ppo/analyzer';
import type { PpoConfig } from './config.ts';

/**
 * Every analysis job the analyzer role schedules, in the order one round runs
 * them: producers of findings first (forecasts, anomalies, SLO burns), then
 * the jobs that read those findings (recommendations, outcome measurement).
 */
export function analyzerJobs(_config: PpoConfig): Job[] {
  return [
    // RED forecasts per service (ppo_forecasts), kept to measure their accuracy later.
    createForecastJob(),
    // Anomalies on every service's RED and resource series (ppo_anomalies), `anomaly` events.
    anomalyJob(),
    // Capacity plans per service (ppo_capacity) and `forecast` events for those nearing saturation.
    capacityJob(),
    // SLO monitors: burn rates, `slo_burn` events when an alert starts or stops firing.
    sloJob(),
  ];
}
