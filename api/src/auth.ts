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
export function requireApiKey(keys: readonly string[], isOpen: (path: string) => boolean): MiddlewareHandler {
  const allowed = keys.map(digest);
  return async (c, next) => {
    if (isOpen(c.req.path)) return next();
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const given = match?.[1] === undefined ? undefined : digest(match[1]);
    if (given && allowed.some((k) => timingSafeEqual(k, given))) return next();
    c.header('WWW-Authenticate', given ? 'Bearer error="invalid_token"' : 'Bearer realm="ppo"');
    throw new ProblemError(401, 'Unauthorized', header === '' ? 'this route requires Authorization: Bearer <api key>' : 'the Authorization header does not carry a valid Bearer API key');
  };
}
