import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../problem.ts';
import { fetchTrace } from '../queries/traces.ts';
import { parseParams } from '../validate.ts';

const traceIdParams = z.object({
  traceId: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex characters')
    .transform((s) => s.toLowerCase()),
});

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
