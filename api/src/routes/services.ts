import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { fetchServices } from '../queries/services.ts';
import { HOUR_NANOS, nanosToIso, nowNanos, timeParam } from '../time.ts';
import { parseQuery } from '../validate.ts';

export const servicesQuery = z.object({
  from: timeParam.optional().describe('RFC 3339 or unix ns; default: 1 h before `to`'),
  to: timeParam.optional().describe('RFC 3339 or unix ns, exclusive; default: now'),
});

export const servicesResponse = z.object({
  from: z.string(),
  to: z.string(),
  services: z.array(
    z.object({ name: z.string(), spans: z.number(), errors: z.number(), firstSeen: z.string(), lastSeen: z.string() }),
  ),
});

export const serviceRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/services',
    tag: 'traces',
    summary: 'Services with spans in a window',
    query: servicesQuery,
    response: { description: 'services by name, with span and error counts', schema: servicesResponse },
  },
];

export function serviceRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = parseQuery(c, servicesQuery);
    const to = q.to ?? nowNanos();
    const from = q.from ?? to - HOUR_NANOS;
    if (from >= to) throw new ProblemError(400, 'Validation Failed', '`from` must be before `to`', [{ path: 'from', message: 'must be before to' }]);
    const rows = await fetchServices(deps.storage.client, from, to);
    return c.json({
      from: nanosToIso(from),
      to: nanosToIso(to),
      services: rows.map((r) => ({
        name: r.name,
        spans: r.spans,
        errors: r.errors,
        firstSeen: nanosToIso(r.firstSeenNanos),
        lastSeen: nanosToIso(r.lastSeenNanos),
      })),
    });
  });
  return app;
}
