import { Hono } from 'hono';
import { z } from 'zod';
import { analyzeBottlenecks, type AnalyzeBottlenecksOptions, type BottleneckEvidence } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { nanosToIso, timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';

export const analyzeBottlenecksBody = z
  .object({
    service: z.string().min(1).optional().describe('entry point: service of the root span'),
    operation: z.string().min(1).optional().describe('entry point: name of the root span'),
    from: timeParam.describe('RFC 3339 or unix ns; traces whose root starts at or after it'),
    to: timeParam.describe('RFC 3339 or unix ns; exclusive'),
  })
  .strict();

const evidence = z.object({
  trace_id: z.string(),
  span_ids: z.array(z.string()),
  detail: z.string(),
});

const patternKind = z.enum(['n-plus-one', 'sequential-calls', 'retry-storm', 'slow-db-statement', 'chatty-service']);

export const analyzeBottlenecksResponse = z.object({
  from: z.string().describe('RFC 3339'),
  to: z.string().describe('RFC 3339'),
  entry_point: z
    .object({ service: z.string().nullable(), operation: z.string().nullable() })
    .nullable()
    .describe('null: every trace with a root in the window, as one population'),
  traces_analyzed: z.number().int(),
  traces_total: z.number().int(),
  sampled: z.boolean().describe('true when a deterministic sample (cityHash64(TraceId) % sample_modulus = 0) was analyzed'),
  sample_modulus: z.number().int(),
  latency_p50_ms: z.number().describe('p50 end-to-end latency of the traces analyzed'),
  bottlenecks: z
    .array(
      z.object({
        service: z.string(),
        operation: z.string(),
        critical_path_share: z.number().describe('on-path self time of the operation / end-to-end latency, summed over the traces'),
        self_time_p50_ms: z.number().describe('per-trace on-path self time, over the traces where it is on the path'),
        self_time_p95_ms: z.number(),
        traces: z.number().int().describe('traces where the operation is on the critical path'),
        est_saving_ms: z.number().describe('drop of the p50 end-to-end latency if its self time halved (traces replayed, critical path recomputed)'),
        pattern: patternKind.optional(),
        evidence: z.array(evidence).describe('example traces: longest on-path time first, then anti-pattern examples'),
      }),
    )
    .describe('ranked by est_saving_ms, then critical_path_share'),
  patterns: z
    .array(
      z.object({
        kind: patternKind,
        service: z.string(),
        operation: z.string(),
        target: z.string().optional(),
        traces: z.number().int(),
        occurrences: z.number().int(),
        wasted_ms_total: z.number(),
        evidence: z.array(evidence),
      }),
    )
    .describe('anti-pattern findings over the traces analyzed, most time wasted first'),
});

export type AnalyzeBottlenecksResponse = z.infer<typeof analyzeBottlenecksResponse>;

export const analyzeBottlenecksRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/analyze-bottlenecks',
    tag: 'analysis',
    summary: 'Operations that hold the critical path across the traces of an entry point, ranked by what halving them would save',
    body: analyzeBottlenecksBody,
    response: { description: 'ranked bottlenecks', schema: analyzeBottlenecksResponse },
  },
];

const evidenceOut = (e: BottleneckEvidence): z.infer<typeof evidence> => ({ trace_id: e.traceId, span_ids: [...e.spanIds], detail: e.detail });

export function analyzeBottlenecksRoutes(deps: ApiDeps, opts: AnalyzeBottlenecksOptions = {}): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await parseJsonBody(c, analyzeBottlenecksBody);
    if (body.from >= body.to) {
      throw new ProblemError(400, 'Validation Failed', 'invalid request body: from: must be before `to`', [{ path: 'from', message: 'must be before `to`' }]);
    }
    const r = await analyzeBottlenecks(deps.storage.client, body, opts);
    const out: AnalyzeBottlenecksResponse = {
      from: nanosToIso(r.from),
      to: nanosToIso(r.to),
      entry_point: r.entryPoint,
      traces_analyzed: r.tracesAnalyzed,
      traces_total: r.tracesTotal,
      sampled: r.sampled,
      sample_modulus: r.sampleModulus,
      latency_p50_ms: r.latencyP50Ms,
      bottlenecks: r.bottlenecks.map((b) => ({
        service: b.service,
        operation: b.operation,
        critical_path_share: b.criticalPathShare,
        self_time_p50_ms: b.selfTimeP50Ms,
        self_time_p95_ms: b.selfTimeP95Ms,
        traces: b.traces,
        est_saving_ms: b.estSavingMs,
        ...(b.pattern === undefined ? {} : { pattern: b.pattern }),
        evidence: b.evidence.map(evidenceOut),
      })),
      patterns: r.patterns.map((p) => ({
        kind: p.kind,
        service: p.service,
        operation: p.operation,
        ...(p.target === undefined ? {} : { target: p.target }),
        traces: p.traces,
        occurrences: p.occurrences,
        wasted_ms_total: p.wastedMsTotal,
        evidence: p.evidence.map(evidenceOut),
      })),
    };
    return c.json(out);
  });
  return app;
}
