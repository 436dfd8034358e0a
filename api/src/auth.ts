import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ProblemError } from './problem.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * `Authorization: Bearer <key>` against the configured keys. Anything else —
 * no header, another scheme, a bare key, a wrong key — is 401 with a
 * `WWW-Authenticate: Bearer` challenge (RFC 6750), never 400. Keys are
 * compared as digests in constant time so response timing leaks nothing.
 */
export function requireApiKey(keys: readonly string[], isOpen: (path: string) => boolean, acceptsQueryToken: (path: string) => boolean = () => false): MiddlewareHandler {
  const allowed = keys.map(digest);
  return async (c, next) => {
    if (isOpen(c.req.path)) return next();
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    // Browsers' EventSource cannot set headers: the live stream also takes the key as
    // ?access_token= (RFC 6750 2.3). Only there, since URLs end up in logs and histories.
    const queryToken = header === '' && acceptsQueryToken(c.req.path) ? c.req.query('access_token') : undefined;
    const token = match?.[1] ?? queryToken;
    const given = token === undefined || token === '' ? undefined : digest(token);
    if (given && allowed.some((k) => timingSafeEqual(k, given))) return next();
    c.header('WWW-Authenticate', given ? 'Bearer error="invalid_token"' : 'Bearer realm="ppo"');
    throw new ProblemError(401, 'Unauthorized', header === '' && queryToken === undefined ? 'this route requires Authorization: Bearer <api key>' : 'the Authorization header does not carry a valid Bearer API key');
  };
}
