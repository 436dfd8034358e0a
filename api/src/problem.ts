import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

/** A typed API error, rendered as application/problem+json (RFC 9457) by the one onError. */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
    readonly type = `urn:ppo:problem:${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
  ) {
    super(detail);
  }
}

export function notFound(detail: string): ProblemError {
  return new ProblemError(404, 'Not Found', detail);
}

export function validationProblem(error: z.ZodError, where: string): ProblemError {
  const errors = error.issues.map((i) => ({ path: i.path.join('.') || where, message: i.message }));
  const detail = `invalid ${where}: ` + errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  return new ProblemError(400, 'Validation Failed', detail, errors);
}

export function problemResponse(c: Context, p: ProblemError): Response {
  const body: Record<string, unknown> = { type: p.type, title: p.title, status: p.status, detail: p.detail };
  if (p.errors.length > 0) body['errors'] = p.errors;
  return c.body(JSON.stringify(body), p.status, { 'Content-Type': 'application/problem+json' });
}

/** A 400 about one field that zod could not judge alone (`from` after `to`, too many buckets, ...). */
export function fieldProblem(path: string, message: string): ProblemError {
  return new ProblemError(400, 'Validation Failed', `invalid query parameters: ${path}: ${message}`, [{ path, message }]);
}
