import type { ClickHouseClient } from '@clickhouse/client';
import {
  capacityInputFrom,
  fetchActiveServices,
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

/** Fewest buckets with traffic the planner works from (its default minimum). */
const MIN_BUCKETS = 10;

/**
 * The ones asked for, or the services with entry-span traffic in the window
 * (from the RED rollup); those with fewer than 10 buckets of traffic come
 * back as `thin` with what is missing, without loading anything else.
 */
export async function servicesToPlan(client: ClickHouseClient, w: PlanWindow, asked?: readonly string[]): Promise<{ services: string[]; thin: { service: string; missing: string[] }[] }> {
  if (asked && asked.length > 0) return { services: [...new Set(asked)], thin: [] };
  const active = await fetchActiveServices(client, w);
  return {
    services: active.filter((a) => a.buckets >= MIN_BUCKETS).map((a) => a.service),
    thin: active
      .filter((a) => a.buckets < MIN_BUCKETS)
      .map((a) => ({ service: a.service, missing: [`throughput: ${a.buckets} buckets with traffic, at least ${MIN_BUCKETS} needed (spans of the service's entry operations)`] })),
  };
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
