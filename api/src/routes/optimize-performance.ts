import { Hono } from 'hono';
import { z } from 'zod';
import { latestDataTime, runRecommendationEngine, type RecommendationSource } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { HOUR_NANOS, nanosToIso, timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';
import { recommendationOut, recommendationSchema } from './recommendations.ts';

export const optimizePerformanceBody = z
  .object({
    service: z.string().min(1).optional().describe('only recommendations whose fix is made in this service; the whole fleet when absent'),
    from: timeParam.optional().describe('RFC 3339 or unix ns; default: one hour before `to`'),
    to: timeParam.optional().describe('RFC 3339 or unix ns, exclusive; default: just after the newest span (of the service), so backdated telemetry is analyzed like live traffic'),
  })
  .strict();

const optimizePerformanceResponse = z.object({
  from: z.string(),
  to: z.string(),
  service: z.string().nullable(),
  recommendations: z.array(recommendationSchema).describe('found in this window, most worth doing first; stored (same finding → same id, updated)'),
  created: z.number().int().describe('recommendations that did not exist before this run'),
  sources: z.array(z.object({ source: z.string(), drafts: z.number().int(), duration_ms: z.number(), error: z.string().optional() })),
});

export const optimizePerformanceRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/optimize-performance',
    tag: 'optimization',
    summary: 'Turn the findings of a window (N+1, sequential calls, slow queries, error origins, repeated reads) into ranked, stored recommendations',
    body: optimizePerformanceBody,
    response: { description: 'ranked recommendations', schema: optimizePerformanceResponse },
  },
];

export function optimizePerformanceRoutes(deps: ApiDeps, sources?: readonly RecommendationSource[]): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await parseJsonBody(c, optimizePerformanceBody);
    const client = deps.storage.client;
    let to = body.to;
    if (to === undefined) to = ((await latestDataTime(client, body.service)) ?? BigInt(Date.now()) * 1_000_000n) + 1n;
    const from = body.from ?? to - HOUR_NANOS;
    if (from >= to) throw new ProblemError(400, 'Validation Failed', 'invalid request body: from: must be before `to`', [{ path: 'from', message: 'must be before `to`' }]);
    const r = await runRecommendationEngine(
      { client, events: deps.events, ...(deps.log ? { log: deps.log } : {}) },
      { from, to, ...(body.service === undefined ? {} : { service: body.service }) },
      ...(sources ? [sources] : []),
    );
    return c.json({
      from: nanosToIso(from),
      to: nanosToIso(to),
      service: body.service ?? null,
      recommendations: r.recommendations.map(recommendationOut),
      created: r.created,
      sources: r.sources.map((s) => ({ source: s.source, drafts: s.drafts, duration_ms: s.durationMs, ...(s.error === undefined ? {} : { error: s.error }) })),
    });
  });
  return app;
}
