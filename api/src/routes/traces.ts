import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { notFound } from '../problem.ts';
import { fetchTrace } from '../queries/traces.ts';
import { parseParams } from '../validate.ts';

export const traceIdParams = z.object({
  traceId: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex characters')
    .transform((s) => s.toLowerCase()),
});

const attributes = z.record(z.string(), z.string()).describe('values as the contrib exporter stores them (text)');

const apiSpan = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().describe("'' for a root span"),
  traceState: z.string(),
  name: z.string(),
  kind: z.string().describe('Server, Client, Internal, Producer, Consumer or Unspecified'),
  serviceName: z.string(),
  startTime: z.string().describe('unix ns'),
  endTime: z.string().describe('unix ns'),
  durationNs: z.string(),
  status: z.object({ code: z.string().describe('Unset, Ok or Error'), message: z.string() }),
  attributes,
  resource: attributes,
  scope: z.object({ name: z.string(), version: z.string() }),
  events: z.array(z.object({ time: z.string(), name: z.string(), attributes })),
  links: z.array(z.object({ traceId: z.string(), spanId: z.string(), traceState: z.string(), attributes })),
});

export const traceResponse = z.object({ traceId: z.string(), spans: z.array(apiSpan) });

export const traceRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/traces/{traceId}',
    tag: 'traces',
    summary: 'Every span of one trace',
    params: traceIdParams,
    response: { description: 'spans in start order; ids lowercase hex, times unix-nano strings', schema: traceResponse },
    errors: { 404: 'no span of this trace is stored' },
  },
];

export function traceRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/:traceId', async (c) => {
    const { traceId } = parseParams(c, traceIdParams);
    const spans = await fetchTrace(deps.storage.client, traceId);
    if (spans.length === 0) throw notFound(`trace ${traceId} not found`);
    return c.json({ traceId, spans });
  });
  return app;
}
