import type { ClickHouseClient } from '@clickhouse/client';
import {
  capacityInputFrom,
  fetchServiceRedTotals,
  isCapacityGap,
  listMetrics,
  loadServiceResources,
  planCapacity,
  type CapacityGap,
  type CapacityOptions,
  type CapacityPlan,
  type ServiceResources,
} from '@ppo/analyzer';

/** Loading and planning shared by GET /capacity-planning and POST /optimize-resources. */

export interface PlanWindow {
  readonly fromS: number;
  readonly toS: number;
  readonly stepS: number;
}

export interface ServicePlan {
  readonly resources: ServiceResources;
  readonly plan: CapacityPlan | CapacityGap;
}

/** Services with entry-span traffic in the window (from the RED rollup), or the ones asked for. */
export async function servicesToPlan(client: ClickHouseClient, w: PlanWindow, asked?: readonly string[]): Promise<string[]> {
  if (asked && asked.length > 0) return [...new Set(asked)];
  const totals = await fetchServiceRedTotals(client, w.fromS, w.toS);
  return totals.filter((t) => t.calls > 0).map((t) => t.service);
}

export async function planServices(client: ClickHouseClient, services: readonly string[], w: PlanWindow, opts: CapacityOptions): Promise<ServicePlan[]> {
  // One metric listing for the window, shared by every service.
  const metrics = await listMetrics(client, { fromS: w.fromS, toS: w.toS });
  const out: ServicePlan[] = [];
  for (const service of services) {
    const resources = await loadServiceResources(client, { service, ...w }, metrics);
    out.push({ resources, plan: planCapacity(capacityInputFrom(resources), { ...opts, nowS: w.toS }) });
  }
  return out;
}

export { isCapacityGap };
