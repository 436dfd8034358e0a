import type { ClickHouseClient } from '@clickhouse/client';
import type { DemandForecaster } from '../models/capacity/demand-forecast.ts';
import { isCapacityGap, planCapacity, type CapacityPlan } from '../models/capacity/plan-capacity.ts';
import { capacityInputFrom, fetchActiveServices, loadServiceResources } from '../queries/capacity-inputs.ts';
import { listMetrics } from '../queries/metric-series.ts';
import type { Job, JobContext, JobResult } from './job.ts';

/**
 * The `capacity` job: plans every service with traffic over the recent
 * window, stores the plans in ppo_capacity, and publishes a `forecast` event
 * for each service whose demand reaches saturation within the horizon.
 */
export interface CapacityJobOptions {
  /** History the models are fitted on, seconds (default 6 h). */
  readonly lookbackS?: number;
  /** Demand horizon, seconds (default 7 days). */
  readonly horizonS?: number;
  /** Bucket width, seconds (default 60, the rollups' resolution). */
  readonly stepS?: number;
  readonly utilizationCeiling?: number;
  /** Fewest buckets with traffic worth planning from (default 10, the planner's minimum). */
  readonly minBuckets?: number;
  /**
   * Demand forecaster (default: the planner's Theil–Sen trend). The ETS one
   * (`etsDemandForecaster`) is available but lost to Theil–Sen on
   * `npm run eval:capacity` (linear growth over hours of history), so it is
   * not the default.
   */
  readonly forecaster?: DemandForecaster;
}

const JSON_NUMBERS = { output_format_json_quote_64bit_integers: 0 } as const;

export function capacityJob(opts: CapacityJobOptions = {}): Job {
  const lookbackS = opts.lookbackS ?? 6 * 3600;
  const horizonS = opts.horizonS ?? 7 * 86_400;
  const stepS = opts.stepS ?? 60;
  return {
    name: 'capacity',
    async run(ctx: JobContext): Promise<JobResult> {
      // Whole minutes, the running one left out (it is incomplete).
      const toS = Math.floor(ctx.now / 60_000) * 60;
      const fromS = toS - lookbackS;
      const active = await fetchActiveServices(ctx.client, { fromS, toS, stepS });
      const minBuckets = opts.minBuckets ?? 10;
      const services = active.filter((a) => a.buckets >= minBuckets).map((a) => a.service);
      const plans: CapacityPlan[] = [];
      let skipped = active.length - services.length;
      const metrics = services.length > 0 ? await listMetrics(ctx.client, { fromS, toS }) : [];
      for (const service of services) {
        if (ctx.signal.aborted) break;
        const resources = await loadServiceResources(ctx.client, { service, fromS, toS, stepS }, metrics);
        const plan = planCapacity(capacityInputFrom(resources), { horizonS, nowS: toS, ...(opts.utilizationCeiling === undefined ? {} : { utilizationCeiling: opts.utilizationCeiling }), ...(opts.forecaster === undefined ? {} : { forecaster: opts.forecaster }) });
        if (isCapacityGap(plan)) skipped++;
        else plans.push(plan);
      }
      if (plans.length > 0) await storePlans(ctx.client, plans, { computedAtMs: ctx.now, fromS, toS, horizonS });
      let nearing = 0;
      for (const p of plans) {
        if (p.timeToSaturationS === null) continue;
        nearing++;
        ctx.events.publish('forecast', {
          kind: 'capacity',
          service: p.service,
          current_rps: p.currentRps,
          saturation_rps: p.saturationRps,
          time_to_saturation_s: p.timeToSaturationS,
          replicas_now: p.replicasNow,
          replicas_needed: p.replicasNeeded,
          method: p.method,
          confidence: p.confidence,
        });
      }
      ctx.log.info({ services: active.length, planned: plans.length, skipped, nearing }, 'capacity plans refreshed');
      return { findings: plans.length, detail: { services: active.length, planned: plans.length, skipped, nearing_saturation: nearing } };
    },
  };
}

async function storePlans(client: ClickHouseClient, plans: readonly CapacityPlan[], run: { computedAtMs: number; fromS: number; toS: number; horizonS: number }): Promise<void> {
  const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
  await client.insert({
    table: 'ppo_capacity',
    format: 'JSONEachRow',
    values: plans.map((p) => ({
      // Text, not a number: a JSON number for DateTime64 is read as ticks or seconds depending on its digits.
      ComputedAt: new Date(run.computedAtMs).toISOString().replace('T', ' ').replace('Z', ''),
      ServiceName: p.service,
      WindowStart: run.fromS,
      WindowEnd: run.toS,
      HorizonS: run.horizonS,
      CurrentRps: p.currentRps,
      SaturationRps: p.saturationRps,
      HeadroomPct: p.headroomPct,
      TimeToSaturationS: p.timeToSaturationS,
      TimeToSaturationUpper80S: p.timeToSaturationUpper80S,
      ReplicasNow: p.replicasNow,
      ReplicasNeeded: p.replicasNeeded,
      CpuUtilization: p.utilization.cpu,
      MemoryUtilization: p.utilization.memory,
      Confidence: p.confidence,
      Method: p.method,
      Detail: JSON.stringify({
        limits: p.limits,
        fits: {
          ...p.fits,
          ...(p.fits.usl ? { usl: { ...p.fits.usl, peakConcurrency: finiteOrNull(p.fits.usl.peakConcurrency), peakThroughput: finiteOrNull(p.fits.usl.peakThroughput) } } : {}),
        },
        demand: p.demand,
      }),
    })),
  });
}

/** A stored plan whose forecast demand reaches saturation soon: the dashboard's "forecasts nearing limits". */
export interface NearingLimit {
  readonly service: string;
  readonly computedAt: string;
  readonly currentRps: number;
  readonly saturationRps: number;
  readonly headroomPct: number;
  readonly timeToSaturationS: number;
  readonly replicasNow: number;
  readonly replicasNeeded: number;
  readonly confidence: number;
  readonly method: string;
}

const NEARING_SQL = `
SELECT
  ServiceName AS service,
  toUnixTimestamp64Milli(max(ComputedAt)) AS computedAtMs,
  argMax(CurrentRps, ComputedAt) AS currentRps,
  argMax(SaturationRps, ComputedAt) AS saturationRps,
  argMax(HeadroomPct, ComputedAt) AS headroomPct,
  argMax(TimeToSaturationS, ComputedAt) AS timeToSaturationS,
  argMax(ReplicasNow, ComputedAt) AS replicasNow,
  argMax(ReplicasNeeded, ComputedAt) AS replicasNeeded,
  argMax(Confidence, ComputedAt) AS confidence,
  argMax(Method, ComputedAt) AS method
FROM ppo_capacity
WHERE ComputedAt >= fromUnixTimestamp64Milli({since:Int64})
GROUP BY ServiceName
HAVING timeToSaturationS IS NOT NULL AND timeToSaturationS <= {within:Float64}
ORDER BY timeToSaturationS, service`;

/**
 * Latest stored plan per service (computed since `sinceMs`) whose time to
 * saturation is at most `withinS`, soonest first.
 */
export async function fetchCapacityNearingLimits(client: ClickHouseClient, q: { sinceMs: number; withinS: number }): Promise<NearingLimit[]> {
  const rs = await client.query({ query: NEARING_SQL, query_params: { since: Math.floor(q.sinceMs), within: q.withinS }, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS });
  const rows = await rs.json<Omit<NearingLimit, 'computedAt'> & { computedAtMs: number }>();
  return rows.map(({ computedAtMs, ...r }) => ({ ...r, computedAt: new Date(computedAtMs).toISOString() }));
}
