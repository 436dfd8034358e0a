import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requireApiKey } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { ProblemError, problemResponse } from './problem.ts';
import { healthRoutes } from './routes/health.ts';
import { serviceRoutes } from './routes/services.ts';
import { traceRoutes } from './routes/traces.ts';

export const API_BASE = '/api/ppo';

/** The whole HTTP API; every resource is its own sub-app, mounted here and only here. */
export function createApp(deps: ApiDeps, log?: { error(obj: object, msg: string): void }): Hono {
  const app = new Hono();
  const api = new Hono();

  if (deps.apiKeys.length > 0) api.use('*', requireApiKey(deps.apiKeys, (path) => path === `${API_BASE}/health`));

  api.route('/health', healthRoutes(deps));
  api.route('/services', serviceRoutes(deps));
  api.route('/traces', traceRoutes(deps));

  app.route(API_BASE, api);
  // Prometheus scrapes the conventional path, outside the API base and without a key.
  app.get('/metrics', (c) => c.text(deps.metricsText(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }));

  app.notFound((c) => problemResponse(c, new ProblemError(404, 'Not Found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    if (err instanceof ProblemError) return problemResponse(c, err);
    if (err instanceof HTTPException) {
      return problemResponse(c, new ProblemError(err.status, 'HTTP Error', err.message || `request failed with status ${err.status}`));
    }
    log?.error({ err }, 'api request failed');
    return problemResponse(c, new ProblemError(500, 'Internal Server Error', 'the server failed to handle this request; see its logs'));
  });
  return app;
}
