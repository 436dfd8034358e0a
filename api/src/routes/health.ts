import { Hono } from 'hono';
import type { ApiDeps, CheckStatus, HealthCheck } from '../deps.ts';

const RANK: Record<CheckStatus, number> = { ok: 0, degraded: 1, down: 2 };

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
