import { Hono } from 'hono';
import { z } from 'zod';
import { analyzeRootCause, RootCauseUnavailable, type RootCauseResult } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { nanosToIso, timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';

export const rootCauseBody = z
  .object({
    from: timeParam.describe('RFC 3339 or unix ns: start of the degraded window'),
    to: timeParam.describe('RFC 3339 or unix ns, exclusive'),
    baseline_from: timeParam.optional().describe('start of the healthy period to compare with; default: before `from`, max(window, 30 min) long'),
    baseline_to: timeParam.optional().describe('end of the baseline, exclusive (default `from`)'),
  })
  .strict();

const faultKind = z.enum(['latency', 'errors', 'network', 'behavior', 'cpu', 'memory', 'gc', 'event-loop']);

const evidenceOut = z.object({
  signal: z
    .enum(['self_time', 'origin_errors', 'new_operation', 'vanished_operation', 'network_gap', 'dependency_latency', 'dependency_errors', 'resource_metric', 'log_error_rate', 'new_log_template', 'flow_truncated'])
    .describe('which telemetry said it'),
  kind: faultKind,
  instance: z.string().optional(),
  operation: z.string().optional().describe('span name, metric name{attributes}, or the calling operation'),
  detail: z.string(),
  baseline: z.number().describe('median (ns for times) or proportion in the baseline'),
  window: z.number().describe('the same in the window'),
  effect: z.number().describe("Cohen's d (robust, on the baseline spread) or Cohen's h for proportions"),
  z: z.number().describe('two-sample test statistic'),
  strength: z.number().describe('0..1: (1 − e^−effect) × significance gate'),
});

export const rootCauseResponse = z.object({
  from: z.string(),
  to: z.string(),
  baseline_from: z.string(),
  baseline_to: z.string(),
  telemetry: z.object({ spans: z.number().int(), points: z.number().int(), logs: z.number().int() }).describe('stored in the window'),
  sample_modulus: z.number().int().describe('1: every span analyzed; N: whole traces with cityHash64(TraceId) % N = 0 (busy windows)'),
  candidates: z
    .array(
      z.object({
        service: z.string().describe('a service, or an un-instrumented dependency named from its callers’ spans'),
        instance: z.string().optional().describe('k8s.pod.name / service.instance.id with the strongest evidence'),
        score: z.number().describe('share of the personalized-PageRank mass on the anomaly subgraph (sums to 1)'),
        anomaly: z.number().describe('own anomaly 0..1 before propagation (its strongest evidence)'),
        kind: faultKind.describe('fault family of the strongest evidence'),
        uninstrumented: z.boolean(),
        evidence: z.array(evidenceOut),
      }),
    )
    .describe('most likely root cause first'),
  edges: z.array(z.object({ caller: z.string(), callee: z.string(), calls: z.number().int(), uninstrumented: z.boolean() })).describe('the service graph the ranking walked'),
});

export type RootCauseResponse = z.infer<typeof rootCauseResponse>;

export const rootCauseRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/root-cause',
    tag: 'analysis',
    summary: 'Services (and pods, and un-instrumented dependencies) most likely to have started a degradation, from traces, resource metrics and logs, ranked along the service graph',
    body: rootCauseBody,
    response: { description: 'ranked root-cause candidates', schema: rootCauseResponse },
  },
];

export type RootCauseBody = z.infer<typeof rootCauseBody>;

/** from < to, and a baseline given as a pair that ends by... anything after it starts. Shared with /coordinate. */
export function checkWindow(body: { from: bigint; to: bigint; baseline_from?: bigint | undefined; baseline_to?: bigint | undefined }): void {
  const bad = (path: string, message: string): never => {
    throw new ProblemError(400, 'Validation Failed', `invalid request body: ${path}: ${message}`, [{ path, message }]);
  };
  if (body.from >= body.to) bad('from', 'must be before `to`');
  if ((body.baseline_from === undefined) !== (body.baseline_to === undefined)) bad('baseline_from', 'give both `baseline_from` and `baseline_to`, or neither');
  if (body.baseline_from !== undefined && body.baseline_to !== undefined && body.baseline_from >= body.baseline_to) bad('baseline_from', 'must be before `baseline_to`');
}

/** Runs the analysis; the reasons it cannot run become 422 problems. */
export async function runRootCause(deps: ApiDeps, body: RootCauseBody): Promise<RootCauseResult> {
  try {
    return await analyzeRootCause(deps.storage.client, {
      fromNs: body.from,
      toNs: body.to,
      baselineFromNs: body.baseline_from,
      baselineToNs: body.baseline_to,
    });
  } catch (err) {
    if (err instanceof RootCauseUnavailable) throw new ProblemError(422, 'Unprocessable Window', err.message);
    throw err;
  }
}

export function rootCauseOut(r: RootCauseResult): RootCauseResponse {
  return {
    from: nanosToIso(r.periods.fromNs),
    to: nanosToIso(r.periods.toNs),
    baseline_from: nanosToIso(r.periods.baselineFromNs),
    baseline_to: nanosToIso(r.periods.baselineToNs),
    telemetry: r.telemetry,
    sample_modulus: r.sampleModulus,
    candidates: r.candidates.map((c) => ({
      service: c.service,
      ...(c.instance === undefined ? {} : { instance: c.instance }),
      score: c.score,
      anomaly: c.anomaly,
      kind: c.kind,
      uninstrumented: c.uninstrumented,
      evidence: c.evidence.map((e) => ({
        signal: e.signal,
        kind: e.kind,
        ...(e.instance === undefined ? {} : { instance: e.instance }),
        ...(e.operation === undefined ? {} : { operation: e.operation }),
        detail: e.detail,
        baseline: e.baseline,
        window: e.window,
        effect: Number.isFinite(e.effect) ? e.effect : 1e9,
        z: Number.isFinite(e.z) ? e.z : 1e9,
        strength: e.strength,
      })),
    })),
    edges: r.edges.map((e) => ({ ...e })),
  };
}

export function rootCauseRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await parseJsonBody(c, rootCauseBody);
    checkWindow(body);
    const r = await runRootCause(deps, body);
    const out = rootCauseOut(r);
    deps.events.publish('root_cause', { from: out.from, to: out.to, top: out.candidates.slice(0, 3).map((x) => ({ service: x.service, score: x.score, kind: x.kind })) });
    return c.json(out);
  });
  return app;
}
