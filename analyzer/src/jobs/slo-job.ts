import type { LiveEvents } from '../events/live-events.ts';
import { listSloMonitors, loadSloStatuses, recordSloAlert, saveSloStatus, type SloMonitor, type StoredSloStatus } from '../queries/slo-store.ts';
import { evaluateSloMonitor, firingKeys, type SloMonitorStatusJson } from '../queries/slo-status.ts';
import type { Job, JobContext, JobResult } from './job.ts';

/** What `slo_burn` events carry (also the webhook's payload `data`). */
export interface SloBurnEventData extends Record<string, unknown> {
  state: 'firing' | 'resolved';
  severity: 'fast' | 'slow';
  monitor_id: string;
  service: string;
  operation: string | null;
  window: string;
  objective: string;
  /** The window pairs over their factor (empty once resolved). */
  pairs: string[];
  /** The objective's status at the transition: SLI, budget left, burn rates per pair. */
  status: SloMonitorStatusJson['objectives'][number] | null;
  evaluated_at: string;
}

/**
 * Compares the alerts firing now with the ones firing at the previous
 * evaluation and names every change.
 */
export function alertTransitions(monitor: SloMonitor, status: SloMonitorStatusJson, before: readonly string[]): SloBurnEventData[] {
  const now = new Set(firingKeys(status));
  const was = new Set(before);
  const out: SloBurnEventData[] = [];
  const base = { monitor_id: monitor.id, service: monitor.service, operation: monitor.operation ?? null, window: monitor.window, evaluated_at: status.evaluated_at };
  const split = (key: string): [string, 'fast' | 'slow'] => {
    const i = key.lastIndexOf('|');
    return [key.slice(0, i), key.slice(i + 1) === 'fast' ? 'fast' : 'slow'];
  };
  const objectiveStatus = (key: string) => status.objectives.find((o) => o.key === key) ?? null;
  for (const key of now) {
    if (was.has(key)) continue;
    const [objective, severity] = split(key);
    const pairs = status.alerts.firing.find((f) => f.objective === objective && f.severity === severity)?.pairs ?? [];
    out.push({ ...base, state: 'firing', severity, objective, pairs, status: objectiveStatus(objective) });
  }
  for (const key of was) {
    if (now.has(key)) continue;
    const [objective, severity] = split(key);
    out.push({ ...base, state: 'resolved', severity, objective, pairs: [], status: objectiveStatus(objective) });
  }
  return out;
}

/**
 * Every round: evaluates every SLO monitor, stores its status, and publishes
 * `slo_burn` on the live bus when a fast or slow burn alert starts firing or
 * resolves (the webhook subscribes to the bus, so a slow webhook never holds
 * up this job). The alert state survives restarts in ppo_slo_status, so a
 * restart does not re-announce alerts that were already firing.
 */
export function sloJob(): Job {
  let previous: Map<string, StoredSloStatus> | undefined;
  return {
    name: 'slo',
    async run(ctx: JobContext): Promise<JobResult> {
      previous ??= await loadSloStatuses(ctx.client);
      const monitors = await listSloMonitors(ctx.client);
      let transitions = 0;
      let firing = 0;
      let failed = 0;
      for (const monitor of monitors) {
        if (ctx.signal.aborted) break;
        try {
          const status = await evaluateSloMonitor(ctx.client, monitor, ctx.now);
          const changes = alertTransitions(monitor, status, previous.get(monitor.id)?.firing ?? []);
          const stored: StoredSloStatus = { monitorId: monitor.id, evaluatedAt: ctx.now, firing: firingKeys(status), status: status as unknown as Record<string, unknown> };
          await saveSloStatus(ctx.client, stored);
          previous.set(monitor.id, stored);
          firing += stored.firing.length;
          for (const change of changes) {
            transitions++;
            publishBurn(ctx.events, change);
            await recordSloAlert(ctx.client, {
              at: ctx.now,
              monitorId: monitor.id,
              service: monitor.service,
              operation: monitor.operation,
              objectiveKey: change.objective,
              severity: change.severity,
              state: change.state,
              detail: { pairs: change.pairs, status: change.status },
            });
            ctx.log.info({ monitor: monitor.id, service: monitor.service, objective: change.objective, severity: change.severity, state: change.state }, 'SLO burn alert');
          }
        } catch (err) {
          failed++;
          ctx.log.warn({ err, monitor: monitor.id, service: monitor.service }, 'SLO monitor evaluation failed');
        }
      }
      return { findings: transitions, detail: { monitors: monitors.length, firing, failed } };
    },
  };
}

function publishBurn(events: LiveEvents, data: SloBurnEventData): void {
  events.publish('slo_burn', data);
}
