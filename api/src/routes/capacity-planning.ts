import { Hono } from 'hono';
import { z } from 'zod';
import { isoDuration, type CapacityPlan } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import { parseDurationNanos } from '../duration.ts';
import type { RouteDoc } from '../openapi.ts';
import { fieldProblem, ProblemError } from '../problem.ts';
import { planServices, servicesToPlan, isCapacityGap, type PlanWindow } from '../queries/capacity.ts';
import { nowNanos, timeParam } from '../time.ts';
import { parseQuery, resolveRange } from '../validate.ts';

const MINUTE_S = 60;
const NANOS_PER_S = 1_000_000_000n;
/** Default look-back: enough minutes for the fits, short enough to answer fast. */
const DEFAULT_LOOKBACK_S = 6 * 3600;
const MAX_BUCKETS = 720;

/** A duration in whole seconds (`7d`, `36h`, `90m`, or seconds), within [min, max]. */
export function secondsParam(what: string, minS: number, maxS: number) {
  return z.string().transform((s, ctx) => {
    const nanos = /^\d+$/.test(s) ? BigInt(s) * NANOS_PER_S : parseDurationNanos(s);
    if (nanos === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is neither seconds nor a duration like 7d or 12h` });
      return z.NEVER;
    }
    const seconds = Number(nanos / NANOS_PER_S);
    if (seconds < minS || seconds > maxS) {
      ctx.addIssue({ code: 'custom', message: `${what} must be between ${minS} s and ${maxS} s` });
      return z.NEVER;
    }
    return seconds;
  });
}

const numberParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

export const capacityPlanningQuery = z.object({
  service: z.string().min(1).optional().describe('service.name; every service with traffic in the window when absent'),
  horizon: secondsParam('horizon', 60, 90 * 86_400).optional().describe('how far ahead demand is forecast: seconds or a duration (`7d`, `12h`); default 7d, at most 90d'),
  from: timeParam.optional().describe('RFC 3339 or unix ns: start of the history the models are fitted on; default 6 h before `to`'),
  to: timeParam.optional().describe('RFC 3339 or unix ns, exclusive; default now (the current, unfinished minute is left out)'),
  step: secondsParam('step', MINUTE_S, 86_400).optional().describe('bucket width (whole minutes); default the smallest giving at most 720 buckets'),
  ceiling: numberParam(0.1, 1).optional().describe('utilization treated as saturation, 0.1..1; default 0.8'),
  latency_slo_ms: numberParam(0.001, 3_600_000).optional().describe('mean-latency SLO in ms; its breach (from the fitted queue model) is a limit too'),
});

const limitOut = z.object({ kind: z.enum(['cpu', 'memory', 'queueing', 'latency-slo', 'usl-peak']), saturation_rps: z.number(), r2: z.number() });
const linearOut = z.object({ intercept: z.number(), slope_per_rps: z.number(), r2: z.number(), n: z.number().int() });

export const capacityPlanSchema = z.object({
  service: z.string(),
  current_rps: z.number().describe('mean throughput of the last 5 buckets (entry spans per second)'),
  saturation_rps: z.number().describe('throughput at the binding limit (see method and limits)'),
  headroom_pct: z.number().describe('(saturation − current) / saturation × 100; negative past saturation'),
  time_to_saturation: z.string().nullable().describe('ISO 8601 duration until forecast demand reaches saturation_rps; PT0S when already there; null when not within the horizon'),
  time_to_saturation_s: z.number().nullable(),
  time_to_saturation_upper80_s: z.number().nullable().describe('same for the upper 80% bound of the demand forecast (the pessimistic case)'),
  replicas_now: z.number().int().describe('distinct service.instance.id (else k8s.pod.name, host.name) over the last 10 minutes'),
  replicas_source: z.enum(['spans', 'metrics', 'assumed']),
  replicas_needed: z.number().int().describe('replicas that keep the upper 80% demand bound over the horizon below the ceiling'),
  utilization: z.object({
    cpu: z.number().nullable().describe('recent fleet CPU utilization, 0..1'),
    memory: z.number().nullable(),
    cpu_source: z.string().nullable().describe('metric(s) it came from, e.g. container.cpu.usage/k8s.container.cpu_limit'),
    memory_source: z.string().nullable(),
  }),
  confidence: z.number().describe('0..1: fit quality of the binding model × data sufficiency × how far saturation lies beyond the load seen'),
  method: z.string().describe('binding limit and model, then the demand forecaster, e.g. cpu-utilization-law+theil-sen-trend'),
  limits: z.array(limitOut).describe('every limit the data supports, lowest first'),
  fits: z.object({
    cpu: linearOut.optional().describe('utilization law U = intercept + slope·rps'),
    memory: linearOut.optional(),
    queue: z
      .object({
        workers: z.number().int(),
        service_time_ms: z.number(),
        variability: z.number().describe('(1 + cs²)/2: 1 exponential service, 0.5 deterministic'),
        capacity_rps_per_replica: z.number(),
        r2: z.number(),
        rmse_ms: z.number(),
        n: z.number().int(),
      })
      .optional()
      .describe('M/G/c (Allen–Cunneen) least-squares fit of mean latency vs throughput, per replica'),
    usl: z
      .object({ lambda: z.number(), sigma: z.number(), kappa: z.number(), peak_concurrency: z.number().nullable(), peak_rps: z.number().nullable(), r2: z.number(), n: z.number().int() })
      .optional()
      .describe('Universal Scalability Law fit of throughput vs concurrency (Little: N = X·R)'),
  }),
  demand: z.object({
    horizon_s: z.number(),
    forecast_rps_at_horizon: z.number(),
    upper80_rps_at_horizon: z.number(),
    peak_upper80_rps: z.number(),
  }),
  max_observed_rps: z.number(),
});

export const capacityPlanningResponse = z.object({
  from: z.string(),
  to: z.string(),
  step_s: z.number(),
  horizon_s: z.number(),
  utilization_ceiling: z.number(),
  services: z.array(capacityPlanSchema),
  skipped: z.array(z.object({ service: z.string(), missing: z.array(z.string()) })).describe('services with too little data, and what is missing'),
});

export const capacityPlanningRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/capacity-planning',
    tag: 'analysis',
    summary: 'Per service: utilization, saturation throughput, time to saturation, replicas now and needed, confidence',
    description:
      'Throughput and mean latency come from the RED rollups, CPU and memory from stored OTLP metrics (container.cpu.usage, k8s.pod.cpu.usage, ' +
      'process.cpu.time with k8s.container.cpu_limit, process.cpu.utilization, system.cpu.utilization, ... and memory equivalents). Saturation is ' +
      'the lowest of: the utilization ceiling (utilization law fitted on throughput), the M/G/c queueing ceiling (when no utilization metric), ' +
      'a latency SLO breach, and the USL peak once reached. Demand is forecast with a Theil–Sen trend and 80% intervals. ' +
      '422 when a named service (or every service) lacks the data, listing what is missing.',
    query: capacityPlanningQuery,
    response: { description: 'plans per service', schema: capacityPlanningResponse },
  },
];

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export function capacityPlanOut(p: CapacityPlan, replicasSource: 'spans' | 'metrics' | 'assumed'): z.infer<typeof capacityPlanSchema> {
  const { cpu, memory, queue, usl } = p.fits;
  return {
    service: p.service,
    current_rps: round(p.currentRps),
    saturation_rps: round(p.saturationRps),
    headroom_pct: round(p.headroomPct, 2),
    time_to_saturation: p.timeToSaturationS === null ? null : isoDuration(p.timeToSaturationS),
    time_to_saturation_s: p.timeToSaturationS === null ? null : Math.round(p.timeToSaturationS),
    time_to_saturation_upper80_s: p.timeToSaturationUpper80S === null ? null : Math.round(p.timeToSaturationUpper80S),
    replicas_now: p.replicasNow,
    replicas_source: replicasSource,
    replicas_needed: p.replicasNeeded,
    utilization: {
      cpu: p.utilization.cpu === null ? null : round(p.utilization.cpu),
      memory: p.utilization.memory === null ? null : round(p.utilization.memory),
      cpu_source: p.utilization.cpuSource,
      memory_source: p.utilization.memorySource,
    },
    confidence: round(p.confidence, 3),
    method: p.method,
    limits: p.limits.map((l) => ({ kind: l.kind, saturation_rps: round(l.saturationRps), r2: round(l.r2) })),
    fits: {
      ...(cpu ? { cpu: { intercept: cpu.intercept, slope_per_rps: cpu.slope, r2: round(cpu.r2), n: cpu.n } } : {}),
      ...(memory ? { memory: { intercept: memory.intercept, slope_per_rps: memory.slope, r2: round(memory.r2), n: memory.n } } : {}),
      ...(queue
        ? {
            queue: {
              workers: queue.model.c,
              service_time_ms: round(queue.model.s * 1000),
              variability: round(queue.model.k),
              capacity_rps_per_replica: round(queue.capacity),
              r2: round(queue.r2),
              rmse_ms: round(queue.rmse * 1000),
              n: queue.n,
            },
          }
        : {}),
      ...(usl
        ? {
            usl: {
              lambda: usl.model.lambda,
              sigma: usl.model.sigma,
              kappa: usl.model.kappa,
              peak_concurrency: finiteOrNull(usl.peakConcurrency),
              peak_rps: finiteOrNull(usl.peakThroughput),
              r2: round(usl.r2),
              n: usl.n,
            },
          }
        : {}),
    },
    demand: {
      horizon_s: p.demand.horizonS,
      forecast_rps_at_horizon: round(p.demand.atHorizon),
      upper80_rps_at_horizon: round(p.demand.upper80AtHorizon),
      peak_upper80_rps: round(p.demand.peakUpper80),
    },
    max_observed_rps: round(p.maxObservedRps),
  };
}

/**
 * The fitting window in whole minutes: `to` rounded down (the running minute
 * is incomplete), `from` rounded down, the step the smallest whole minute
 * giving at most 720 buckets unless named.
 */
export function planWindow(q: { from?: bigint | undefined; to?: bigint | undefined; step?: number | undefined }, defaultLookbackS = DEFAULT_LOOKBACK_S): PlanWindow {
  const range = resolveRange(q, BigInt(defaultLookbackS) * NANOS_PER_S, nowNanos());
  const minuteNanos = BigInt(MINUTE_S) * NANOS_PER_S;
  const fromS = Number(range.from / minuteNanos) * MINUTE_S;
  const toS = Number(range.to / minuteNanos) * MINUTE_S;
  if (toS - fromS < MINUTE_S) throw fieldProblem('from', 'the window must cover at least one whole minute');
  const spanS = toS - fromS;
  if (q.step !== undefined && q.step % MINUTE_S !== 0) throw fieldProblem('step', 'must be a whole number of minutes (the rollups are per minute)');
  const stepS = q.step ?? Math.max(MINUTE_S, Math.ceil(spanS / MAX_BUCKETS / MINUTE_S) * MINUTE_S);
  if (Math.ceil(spanS / stepS) > MAX_BUCKETS) throw fieldProblem('step', `gives more than ${MAX_BUCKETS} buckets over this range`);
  return { fromS, toS, stepS };
}

export function capacityPlanningRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = parseQuery(c, capacityPlanningQuery);
    const w = planWindow(q);
    const horizonS = q.horizon ?? 7 * 86_400;
    const ceiling = q.ceiling ?? 0.8;
    const { services, thin } = await servicesToPlan(deps.storage.client, w, q.service === undefined ? undefined : [q.service]);
    const window = `${new Date(w.fromS * 1000).toISOString()} .. ${new Date(w.toS * 1000).toISOString()}`;
    if (services.length === 0 && thin.length === 0) throw new ProblemError(422, 'Not Enough Data', `no service has entry-span traffic in ${window}: capacity planning needs spans (throughput) and CPU metrics`);
    const results = await planServices(deps.storage.client, services, w, { horizonS, utilizationCeiling: ceiling, latencySloMs: q.latency_slo_ms });
    const plans = results.filter((r) => !isCapacityGap(r.plan));
    const skipped = [...results.flatMap((r) => (isCapacityGap(r.plan) ? [{ service: r.plan.service, missing: [...r.plan.missing] }] : [])), ...thin].sort((a, b) => a.service.localeCompare(b.service));
    if (plans.length === 0) {
      const detail = skipped.map((s) => `${s.service}: ${s.missing.join('; ')}`).join(' | ');
      throw new ProblemError(422, 'Not Enough Data', `cannot plan capacity over ${window}: ${detail}`, skipped.flatMap((s) => s.missing.map((m) => ({ path: s.service, message: m }))));
    }
    return c.json({
      from: new Date(w.fromS * 1000).toISOString(),
      to: new Date(w.toS * 1000).toISOString(),
      step_s: w.stepS,
      horizon_s: horizonS,
      utilization_ceiling: ceiling,
      services: plans.map((r) => capacityPlanOut(r.plan as CapacityPlan, r.resources.replicasSource)),
      skipped,
    });
  });
  return app;
}
