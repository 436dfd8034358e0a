import { Hono } from 'hono';
import { z } from 'zod';
import { listAnomalies, storedAnomalyJson, type StoredAnomaly } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { nowNanos, timeParam } from '../time.ts';
import { parseQuery, resolveRange } from '../validate.ts';

const DAY_NANOS = 86_400_000_000_000n;

export const anomaliesQuery = z
  .object({
    service: z.string().min(1).optional(),
    metric: z.string().min(1).optional().describe('rate | error_rate | latency_p95 | an OTLP metric name'),
    from: timeParam.optional().describe('RFC 3339 or unix ns; default 24 h before `to`'),
    to: timeParam.optional().describe('RFC 3339 or unix ns; default now'),
    active: z.enum(['true', 'false']).optional().describe('true: active only; false: resolved only'),
    limit: z.coerce.number().int().min(1).max(10_000).optional().describe('default 1000'),
  })
  .strict();

export const storedOut = z.object({
  id: z.string().describe('stable across analysis rounds'),
  service: z.string(),
  metric: z.string(),
  kind: z.enum(['spike', 'dip', 'level_shift']),
  direction: z.enum(['up', 'down']),
  severity: z.enum(['minor', 'major', 'critical']),
  status: z.enum(['active', 'resolved']),
  score: z.number(),
  start: z.string(),
  end: z.string(),
  peak_at: z.string(),
  actual: z.number(),
  expected: z.number(),
  detected_at: z.string(),
  updated_at: z.string(),
});

export const anomaliesResponse = z.object({ anomalies: z.array(storedOut).describe('newest start first') });

export const anomaliesRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/anomalies',
    tag: 'analysis',
    summary: 'Anomalies the analyzer job stored, overlapping a time range',
    query: anomaliesQuery,
    response: { description: 'stored anomalies', schema: anomaliesResponse },
  },
];


export function toStoredOut(a: StoredAnomaly): z.infer<typeof storedOut> {
  return storedAnomalyJson(a);
}

export function anomaliesRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = parseQuery(c, anomaliesQuery);
    const range = resolveRange(q, DAY_NANOS, nowNanos());
    const rows = await listAnomalies(deps.storage.client, {
      service: q.service,
      metric: q.metric,
      fromMs: Number(range.from / 1_000_000n),
      toMs: Number(range.to / 1_000_000n),
      active: q.active === undefined ? undefined : q.active === 'true',
      limit: q.limit,
    });
    return c.json({ anomalies: rows.map(toStoredOut) } satisfies z.infer<typeof anomaliesResponse>);
  });
  return app;
}
