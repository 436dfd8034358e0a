import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/**
 * CORS for browser front-ends on other origins (a dashboard, Grafana
 * panels): `origins` is PPO_CORS_ORIGINS, `['*']` for any origin. Preflight
 * requests are answered here, before the API-key check, since browsers send
 * them without credentials; the real request still needs its key.
 */
export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: ['WWW-Authenticate'],
    maxAge: 600,
  });
}
