import { Hono } from 'hono';
import { z } from 'zod';
import { isCapacityGap, rightSize, type RightSizingResult } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { planServices, servicesToPlan } from '../queries/capacity.ts';
import { timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';
import { planWindow } from './capacity-planning.ts';

const HORIZON_S = 86_400;

export const optimizeResourcesBody = z
  .object({
    services: z.array(z.string().min(1)).max(200).optional().describe('services to size; every service with traffic in the window when absent'),
    from: timeParam.optional().describe('RFC 3339 or unix ns; default 6 h before `to`'),
    to: timeParam.optional().describe('RFC 3339 or unix ns, exclusive; default now'),
    horizon_s: z.number().int().min(60).max(90 * 86_400).optional().describe('demand horizon for replica counts, seconds; default 86400'),
    target_cpu_utilization: z.number().min(0.2).max(0.95).optional().describe('p95 CPU / limit a recommended limit aims at; default 0.7'),
  })
  .strict();

const change = z.object({
  resource: z.enum(['cpu_limit', 'cpu_request', 'memory_limit', 'memory_request', 'replicas']),
  direction: z.enum(['increase', 'decrease']),
  current: z.number().describe('per replica (cores, bytes) or the replica count'),
  recommended: z.number(),
  unit: z.enum(['cores', 'bytes', 'replicas']),
  reason: z.string(),
  cost_delta: z.object({ cpu_cores: z.number(), memory_bytes: z.number() }).describe('fleet-wide change of reserved resources; negative saves'),
  latency_ms: z.object({ before: z.number(), after: z.number() }).optional().describe('expected mean latency before and after'),
});

const sized = z.object({
  service: z.string(),
  status: z.enum(['over-provisioned', 'under-provisioned', 'mixed', 'right-sized']),
  replicas: z.number().int(),
  cpu: z.object({ p95_cores_per_replica: z.number().nullable(), p95_utilization: z.number().nullable(), limit_cores_per_replica: z.number().nullable(), request_cores_per_replica: z.number().nullable() }),
  memory: z.object({ max_bytes_per_replica: z.number().nullable(), peak_utilization: z.number().nullable(), limit_bytes_per_replica: z.number().nullable(), request_bytes_per_replica: z.number().nullable() }),
  changes: z.array(change),
  cost_delta: z.object({ cpu_cores: z.number(), memory_bytes: z.number() }),
  capacity: z
    .object({ saturation_rps: z.number(), current_rps: z.number(), replicas_needed: z.number().int(), method: z.string() })
    .nullable()
    .describe('the capacity plan the replica count follows (GET /capacity-planning), null when it could not be made'),
});

export const optimizeResourcesResponse = z.object({
  from: z.string(),
  to: z.string(),
  services: z.array(sized),
  over_provisioned: z.array(z.string()),
  under_provisioned: z.array(z.string()),
  total_cost_delta: z.object({ cpu_cores: z.number(), memory_bytes: z.number() }),
  skipped: z.array(z.object({ service: z.string(), missing: z.array(z.string()) })),
});

export const optimizeResourcesRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/optimize-resources',
    tag: 'analysis',
    summary: 'Right-sizing: over- and under-provisioned services with the resource change and its expected effect on cost and latency',
    description:
      'CPU limits from p95 usage at the target utilization (throttling above 85% of the limit, waste below 35%), requests from p95 usage, ' +
      'memory limits from the peak + 20% (OOM risk above 90%, waste below 40%), replicas from the capacity plan (GET /capacity-planning). ' +
      'Usage from container.cpu.usage / k8s.pod.cpu.usage / process.cpu.time and memory working set or usage; limits and requests from ' +
      'k8s.container.cpu_limit, k8s.container.cpu_request, container.cpu.limit, k8s.container.memory_limit, k8s.container.memory_request.',
    body: optimizeResourcesBody,
    response: { description: 'per service: status, changes, effects', schema: optimizeResourcesResponse },
  },
];

const r4 = (x: number): number => Number(x.toFixed(4));

function sizedOut(r: RightSizingResult, capacity: z.infer<typeof sized>['capacity']): z.infer<typeof sized> {
  const n = (x: number | null): number | null => (x === null ? null : r4(x));
  return {
    service: r.service,
    status: r.status,
    replicas: r.replicas,
    cpu: { p95_cores_per_replica: n(r.cpu.p95CoresPerReplica), p95_utilization: n(r.cpu.p95Utilization), limit_cores_per_replica: n(r.cpu.limitCoresPerReplica), request_cores_per_replica: n(r.cpu.requestCoresPerReplica) },
    memory: { max_bytes_per_replica: n(r.memory.maxBytesPerReplica), peak_utilization: n(r.memory.peakUtilization), limit_bytes_per_replica: n(r.memory.limitBytesPerReplica), request_bytes_per_replica: n(r.memory.requestBytesPerReplica) },
    changes: r.changes.map((c) => ({
      resource: c.resource,
      direction: c.direction,
      current: r4(c.current),
      recommended: r4(c.recommended),
      unit: c.unit,
      reason: c.reason,
      cost_delta: { cpu_cores: r4(c.costDelta.cpuCores), memory_bytes: Math.round(c.costDelta.memoryBytes) },
      ...(c.latencyMs === undefined ? {} : { latency_ms: { before: r4(c.latencyMs.before), after: r4(c.latencyMs.after) } }),
    })),
    cost_delta: { cpu_cores: r4(r.costDelta.cpuCores), memory_bytes: Math.round(r.costDelta.memoryBytes) },
    capacity,
  };
}

export function optimizeResourcesRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await parseJsonBody(c, optimizeResourcesBody);
    const w = planWindow(body);
    const { services, thin } = await servicesToPlan(deps.storage.client, w, body.services);
    const window = `${new Date(w.fromS * 1000).toISOString()} .. ${new Date(w.toS * 1000).toISOString()}`;
    if (services.length === 0 && thin.length === 0) throw new ProblemError(422, 'Not Enough Data', `no service has entry-span traffic in ${window}; name services to size from their resource metrics`);
    const results = await planServices(deps.storage.client, services, w, { horizonS: body.horizon_s ?? HORIZON_S });
    const out: z.infer<typeof sized>[] = [];
    const skipped: { service: string; missing: string[] }[] = [...thin];
    for (const { resources: res, plan } of results) {
      const hasResources = res.cpu.cores !== undefined || res.cpu.utilization !== undefined || res.memory.bytes !== undefined;
      if (!hasResources && isCapacityGap(plan)) {
        skipped.push({ service: res.service, missing: ['resource metrics: no CPU or memory usage/limit metrics for the service', ...plan.missing] });
        continue;
      }
      // The latency the queueing effects start from: the mean of the last few buckets with traffic.
      const recent = res.latencyMs.filter((v): v is number => v !== null).slice(-5);
      const latencyMs = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : null;
      const result = rightSize(
        {
          service: res.service,
          replicas: res.replicas,
          cpu: { ...(res.cpu.cores ? { cores: res.cpu.cores.values } : {}), ...(res.cpu.utilization ? { utilization: res.cpu.utilization.values } : {}), limitCores: res.cpu.limitCores, requestCores: res.cpu.requestCores },
          memory: { ...(res.memory.bytes ? { bytes: res.memory.bytes.values } : {}), limitBytes: res.memory.limitBytes, requestBytes: res.memory.requestBytes },
          latencyMs,
          ...(isCapacityGap(plan) ? {} : { plan }),
        },
        body.target_cpu_utilization === undefined ? {} : { targetCpuUtilization: body.target_cpu_utilization },
      );
      out.push(
        sizedOut(
          result,
          isCapacityGap(plan) ? null : { saturation_rps: r4(plan.saturationRps), current_rps: r4(plan.currentRps), replicas_needed: plan.replicasNeeded, method: plan.method },
        ),
      );
    }
    if (out.length === 0) {
      throw new ProblemError(422, 'Not Enough Data', `cannot size any service over ${window}: ` + skipped.map((s) => `${s.service}: ${s.missing.join('; ')}`).join(' | '));
    }
    return c.json({
      from: new Date(w.fromS * 1000).toISOString(),
      to: new Date(w.toS * 1000).toISOString(),
      services: out,
      over_provisioned: out.filter((s) => s.status === 'over-provisioned').map((s) => s.service),
      under_provisioned: out.filter((s) => s.status === 'under-provisioned').map((s) => s.service),
      total_cost_delta: {
        cpu_cores: r4(out.reduce((a, s) => a + s.cost_delta.cpu_cores, 0)),
        memory_bytes: out.reduce((a, s) => a + s.cost_delta.memory_bytes, 0),
      },
      skipped,
    });
  });
  return app;
}
