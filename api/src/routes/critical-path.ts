import { Hono } from 'hono';
import { z } from 'zod';
import { absoluteNs, criticalPath, loadTrace } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { notFound } from '../problem.ts';
import { parseParams } from '../validate.ts';

const traceIdParams = z.object({
  traceId: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex characters')
    .transform((s) => s.toLowerCase()),
});

const segment = z.object({
  spanId: z.string(),
  start: z.string().describe('unix ns'),
  end: z.string().describe('unix ns'),
});

export const criticalPathResponse = z.object({
  traceId: z.string(),
  segments: z.array(segment).describe('in time order; together they cover each root span exactly'),
});

export type CriticalPathResponse = z.infer<typeof criticalPathResponse>;

export const criticalPathRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/traces/{traceId}/critical-path',
    tag: 'traces',
    summary: 'The chain of span sections that determined the trace’s end-to-end latency',
    description:
      'jaeger-ui semantics: last-finishing-child walk over the span tree, children clipped to their parent, ' +
      'producer → consumer children non-blocking, spans whose parent is missing dropped, several roots one after another.',
    params: traceIdParams,
    response: { description: 'critical-path segments, each owned by one span', schema: criticalPathResponse },
    errors: { 404: 'no span of this trace is stored' },
  },
];

/** Mounted under `/traces`, next to the trace lookup itself. */
export function criticalPathRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/:traceId/critical-path', async (c) => {
    const { traceId } = parseParams(c, traceIdParams);
    const trace = await loadTrace(deps.storage.client, traceId);
    if (trace === undefined) throw notFound(`trace ${traceId} not found`);
    // The walk yields sections from the end backwards; clients read time order.
    const sections = criticalPath(trace.spans).sort((a, b) => a.start - b.start || a.end - b.end);
    const body: CriticalPathResponse = {
      traceId,
      segments: sections.map((s) => ({ spanId: s.spanId, start: absoluteNs(trace, s.start), end: absoluteNs(trace, s.end) })),
    };
    return c.json(body);
  });
  return app;
}
