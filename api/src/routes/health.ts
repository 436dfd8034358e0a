import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps, CheckStatus, HealthCheck } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';

const RANK: Record<CheckStatus, number> = { ok: 0, degraded: 1, down: 2 };

const checkStatus = z.enum(['ok', 'degraded', 'down']);

export const healthResponse = z.object({
  status: checkStatus.describe('the worst of the checks'),
  checks: z.record(z.string(), z.object({ status: checkStatus, detail: z.string().optional() })).describe('clickhouse, and receivers, spool, ingest where the collector runs'),
});

export const healthRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/health',
    tag: 'meta',
    public: true,
    summary: 'Health of storage, receivers, spool and ingest',
    response: { description: 'ok or degraded (status 503 and the same body when down)', schema: healthResponse },
    errors: { 503: 'down: a check failed; the body is the health document, not a problem' },
  },
];

export function healthRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const checks: Record<string, HealthCheck> = {};
    const pingStarted = performance.now();
    const reachable = await deps.storage.ping();
    checks['clickhouse'] = reachable
      ? { status: 'ok', detail: `${deps.storage.kind}, ping ${Math.round(performance.now() - pingStarted)} ms` }
      : { status: 'down', detail: `${deps.storage.kind} ClickHouse does not answer` };
    Object.assign(checks, await deps.checks());
    let status: CheckStatus = 'ok';
    for (const check of Object.values(checks)) if (RANK[check.status] > RANK[status]) status = check.status;
    return c.json({ status, checks }, status === 'down' ? 503 : 200);
  });
  return app;
}
