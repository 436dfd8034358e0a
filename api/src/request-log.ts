import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';

/**
 * One log line per request with stable keys (method, path, status, ms).
 * Health probes and Prometheus scrapes arrive every few seconds, so they log
 * at debug; server errors at error (the error itself is logged by onError).
 * The query string is left out: it can carry tag values an operator did not
 * mean to put into logs.
 */
export function requestLog(log: Logger, isProbe: (path: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const fields = { method: c.req.method, path: c.req.path, status, ms: Math.round((performance.now() - started) * 10) / 10 };
    if (status >= 500) log.error(fields, 'request failed');
    else if (isProbe(c.req.path)) log.debug(fields, 'request');
    else log.info(fields, 'request');
  };
}
