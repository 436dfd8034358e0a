/**
 * A monitor's status as the API returns it, the SLO job stores it and alerts
 * carry it: the pure model (models/slo) over the histogram rollups.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { BurnSeverity } from '../models/slo/burn-rate.ts';
import { evaluateObjective, requiredWindows, type ObjectiveStatus, type WindowBurn } from '../models/slo/evaluate-slo.ts';
import { parseSloWindow, type SloObjective } from '../models/slo/objectives.ts';
import { fetchSloWindows, type SloMonitor } from './slo-store.ts';

export interface SloWindowBurnJson {
  window: string;
  burn_rate: number;
  events: number;
  bad: number;
}

export interface SloObjectiveStatusJson {
  key: string;
  kind: SloObjective['kind'];
  /** As given: for error_rate the highest acceptable error ratio, otherwise the share of good events. */
  target: number;
  percentile?: number;
  threshold_ms?: number;
  /** Share of good events the SLO asks for (error_rate 0.01 → 0.99). */
  success_target: number;
  sli: number | null;
  events: number;
  good: number;
  bad: number;
  error_budget: number;
  error_budget_remaining: number;
  exact: boolean;
  observed_percentile_ms?: number;
  period_burn_rate: number;
  budget_exhausted_in_s: number | null;
  burn_rates: {
    pair: string;
    severity: BurnSeverity;
    factor: number;
    long: SloWindowBurnJson;
    short: SloWindowBurnJson;
    firing: boolean;
  }[];
  alerts: { fast: boolean; slow: boolean };
}

export interface SloMonitorStatusJson {
  id: string;
  service: string;
  operation: string | null;
  window: string;
  created_at: string;
  updated_at: string;
  evaluated_at: string;
  /** fast_burn > slow_burn > ok; no_data when no objective saw a request in the period. */
  state: 'ok' | 'slow_burn' | 'fast_burn' | 'no_data';
  alerts: { fast: boolean; slow: boolean; firing: { objective: string; severity: BurnSeverity; pairs: string[] }[] };
  objectives: SloObjectiveStatusJson[];
}

const windowLabel = (s: number): string => (s % 86_400 === 0 ? `${s / 86_400}d` : s % 3_600 === 0 ? `${s / 3_600}h` : `${Math.round(s / 60)}m`);
const round = (x: number, digits = 6): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
const burnJson = (b: WindowBurn): SloWindowBurnJson => ({ window: windowLabel(b.windowS), burn_rate: round(b.burnRate, 4), events: Math.round(b.total), bad: round(b.bad, 2) });

export function objectiveStatusJson(s: ObjectiveStatus): SloObjectiveStatusJson {
  const o = s.objective;
  return {
    key: s.key,
    kind: o.kind,
    target: o.target,
    ...(o.kind === 'latency' ? { percentile: o.percentile, threshold_ms: o.thresholdMs } : {}),
    success_target: round(s.target, 9),
    sli: s.sli === null ? null : round(s.sli, 6),
    events: Math.round(s.total),
    good: round(s.good, 2),
    bad: round(s.bad, 2),
    error_budget: round(1 - s.target, 9),
    // -Infinity (a 100 % target with a failure) is not JSON; any overspent budget reads as < 0.
    error_budget_remaining: Number.isFinite(s.budgetRemaining) ? round(s.budgetRemaining, 6) : -1,
    exact: s.exact,
    ...(s.observedPercentileMs === undefined ? {} : { observed_percentile_ms: round(s.observedPercentileMs, 3) }),
    period_burn_rate: Number.isFinite(s.periodBurnRate) ? round(s.periodBurnRate, 4) : Number.MAX_VALUE,
    budget_exhausted_in_s: s.exhaustionS === null ? null : Math.round(s.exhaustionS),
    burn_rates: s.pairs.map((p) => ({
      pair: p.pair.name,
      severity: p.pair.severity,
      factor: p.pair.factor,
      long: burnJson(p.long),
      short: burnJson(p.short),
      firing: p.firing,
    })),
    alerts: { ...s.alerts },
  };
}

/** Evaluates every objective of a monitor as of `nowMs` (one rollup query). */
export async function evaluateSloMonitor(client: ClickHouseClient, monitor: SloMonitor, nowMs: number): Promise<SloMonitorStatusJson> {
  const periodS = parseSloWindow(monitor.window);
  if (periodS === undefined) throw new Error(`monitor ${monitor.id} has an invalid window "${monitor.window}"`);
  const windows = await fetchSloWindows(client, monitor, requiredWindows(periodS), nowMs);
  const statuses = monitor.objectives.map((o) => evaluateObjective(o, periodS, windows));
  const firing = statuses.flatMap((s) =>
    (['fast', 'slow'] as const)
      .filter((sev) => s.alerts[sev])
      .map((severity) => ({ objective: s.key, severity, pairs: s.pairs.filter((p) => p.firing && p.pair.severity === severity).map((p) => p.pair.name) })),
  );
  const fast = firing.some((f) => f.severity === 'fast');
  const slow = firing.some((f) => f.severity === 'slow');
  return {
    id: monitor.id,
    service: monitor.service,
    operation: monitor.operation ?? null,
    window: monitor.window,
    created_at: new Date(monitor.createdAt).toISOString(),
    updated_at: new Date(monitor.updatedAt).toISOString(),
    evaluated_at: new Date(nowMs).toISOString(),
    state: fast ? 'fast_burn' : slow ? 'slow_burn' : statuses.every((s) => s.total === 0) ? 'no_data' : 'ok',
    alerts: { fast, slow, firing },
    objectives: statuses.map(objectiveStatusJson),
  };
}

/** The alerts of a status as "<objective key>|<severity>", the form the job compares runs by. */
export function firingKeys(status: SloMonitorStatusJson): string[] {
  return status.alerts.firing.map((f) => `${f.objective}|${f.severity}`).sort();
}
