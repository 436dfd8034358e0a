import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { ProblemError } from '../problem.ts';
import { fetchServices } from '../queries/services.ts';
import { HOUR_NANOS, nanosToIso, nowNanos, timeParam } from '../time.ts';
import { parseQuery } from '../validate.ts';

const rangeQuery = z.object({ from: timeParam.optional(), to: timeParam.optional() });

export function serviceRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = parseQuery(c, rangeQuery);
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
