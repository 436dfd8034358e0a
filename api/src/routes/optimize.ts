import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { parseJsonBody } from '../validate.ts';

const optimizeBody = z
  .object({ jobs: z.array(z.string().min(1)).min(1).optional().describe('job names to run; all when absent') })
  .strict();

const jobRun = z.object({
  job: z.string(),
  started_at: z.string(),
  duration_ms: z.number(),
  ok: z.boolean(),
  findings: z.number().int(),
  detail: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  error: z.string().optional(),
});

const optimizeResponse = z.object({
  ran: z.array(jobRun).describe('in the order they ran'),
  duration_ms: z.number(),
  findings: z.number().int().describe('sum over the jobs'),
  failed: z.number().int(),
});

export const optimizeRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/optimize',
    tag: 'optimization',
    summary: 'Run the analysis jobs now (all, or the named ones) and return what ran, how long it took and what it found',
    body: optimizeBody,
    response: { description: 'the runs', schema: optimizeResponse },
    errors: { 422: 'unknown job name', 503: 'this process does not run the analyzer role' },
  },
];

export function optimizeRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    // An empty body means "everything".
    const text = await c.req.raw.clone().text();
    const body = text.trim() === '' ? {} : await parseJsonBody(c, optimizeBody);
    const analysis = deps.analysis;
    if (!analysis) {
      throw new ProblemError(503, 'Service Unavailable', 'this PPO process does not run the analyzer role (PPO_ROLES); send POST /api/ppo/optimize to a process that does');
    }
    const unknown = (body.jobs ?? []).filter((j) => !analysis.jobNames.includes(j));
    if (unknown.length > 0) {
      throw new ProblemError(422, 'Unprocessable Content', `no analysis job named ${unknown.join(', ')}; jobs: ${analysis.jobNames.join(', ')}`, unknown.map(() => ({ path: 'jobs', message: 'unknown job' })));
    }
    const started = performance.now();
    const runs = await analysis.runNow(body.jobs);
    return c.json({
      ran: runs.map((r) => ({
        job: r.job,
        started_at: r.startedAt,
        duration_ms: r.durationMs,
        ok: r.ok,
        findings: r.findings,
        ...(r.detail === undefined ? {} : { detail: { ...r.detail } }),
        ...(r.error === undefined ? {} : { error: r.error }),
      })),
      duration_ms: Math.round(performance.now() - started),
      findings: runs.reduce((s, r) => s + r.findings, 0),
      failed: runs.filter((r) => !r.ok).length,
    });
  });
  return app;
}
