/**
 * Health of one service for the dashboard summary: ok / degraded / critical,
 * with the reasons, from the signals PPO already computed — active anomalies
 * (severity), SLO alerts (fast burn pages, slow burn tickets) and the error
 * rate of the period. Pure: the route hands over already-reduced figures.
 */
import type { AnomalySeverity } from '../anomaly/detect-anomalies.ts';

export type ServiceHealth = 'ok' | 'degraded' | 'critical';

export interface ServiceHealthInput {
  readonly calls: number;
  readonly errorRate: number | null;
  /** Severities of the service's active anomalies. */
  readonly activeAnomalies: readonly AnomalySeverity[];
  /** Firing SLO alerts of the service's monitors. */
  readonly sloFastBurns: number;
  readonly sloSlowBurns: number;
}

export interface HealthThresholds {
  /** Error rate from which a service is degraded (default 1 %). */
  readonly degradedErrorRate: number;
  /** Error rate from which it is critical (default 5 %). */
  readonly criticalErrorRate: number;
  /** Fewer calls than this: the error rate alone is too noisy to judge (default 20). */
  readonly minCalls: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = { degradedErrorRate: 0.01, criticalErrorRate: 0.05, minCalls: 20 };

export interface HealthVerdict {
  readonly health: ServiceHealth;
  readonly reasons: string[];
}

const RANK: Record<ServiceHealth, number> = { ok: 0, degraded: 1, critical: 2 };

/**
 * The worst of the signals wins. A fast SLO burn (the page of the SRE
 * workbook) or a critical anomaly is critical; a slow burn (the ticket) or a
 * major/minor anomaly is degraded. Error-rate thresholds are the fallback for
 * services without monitors; they need a few calls, so one failed request of
 * three does not paint a quiet service red.
 */
export function serviceHealth(s: ServiceHealthInput, t: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS): HealthVerdict {
  let health: ServiceHealth = 'ok';
  const reasons: string[] = [];
  const raise = (h: ServiceHealth, reason: string): void => {
    if (RANK[h] > RANK[health]) health = h;
    reasons.push(reason);
  };
  if (s.sloFastBurns > 0) raise('critical', `${s.sloFastBurns} SLO fast-burn alert${s.sloFastBurns > 1 ? 's' : ''} firing`);
  if (s.sloSlowBurns > 0) raise('degraded', `${s.sloSlowBurns} SLO slow-burn alert${s.sloSlowBurns > 1 ? 's' : ''} firing`);
  const bySeverity = (sev: AnomalySeverity): number => s.activeAnomalies.filter((a) => a === sev).length;
  const critical = bySeverity('critical');
  const other = s.activeAnomalies.length - critical;
  if (critical > 0) raise('critical', `${critical} critical anomal${critical > 1 ? 'ies' : 'y'} active`);
  if (other > 0) raise('degraded', `${other} anomal${other > 1 ? 'ies' : 'y'} active`);
  if (s.errorRate !== null && s.calls >= t.minCalls) {
    const pct = Math.round(s.errorRate * 10000) / 100;
    if (s.errorRate >= t.criticalErrorRate) raise('critical', `error rate ${pct}%`);
    else if (s.errorRate >= t.degradedErrorRate) raise('degraded', `error rate ${pct}%`);
  }
  return { health, reasons };
}

/** Relative change in %, null when the previous figure is missing or zero (a change from nothing is not a percentage). */
export function changePct(now: number | null, previous: number | null): number | null {
  if (now === null || previous === null || !Number.isFinite(now) || !Number.isFinite(previous) || previous === 0) return null;
  return Math.round(((now - previous) / Math.abs(previous)) * 10000) / 100;
}
