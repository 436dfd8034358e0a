import type { Context } from 'hono';
import type { z } from 'zod';
import { fieldProblem, ProblemError, validationProblem } from './problem.ts';

/** Parses the query string with `schema`; a mismatch becomes a 400 problem listing each field. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) throw validationProblem(r.error, 'query parameters');
  return r.data;
}

export function parseParams<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const r = schema.safeParse(c.req.param());
  if (!r.success) throw validationProblem(r.error, 'path parameters');
  return r.data;
}

/**
 * Parses a JSON request body with `schema`: a body that is not JSON is a 400
 * naming `body`, a mismatch a 400 listing each field.
 */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new ProblemError(400, 'Validation Failed', 'invalid request body: not a JSON document', [{ path: 'body', message: 'must be a JSON document' }]);
  }
  const r = schema.safeParse(body);
  if (!r.success) throw validationProblem(r.error, 'request body');
  return r.data;
}

export interface TimeRange {
  from: bigint;
  to: bigint;
}

/**
 * Fills in an absent `to` (now) and `from` (`defaultSpan` before `to`), then
 * insists on from < to: a 400 naming `from` otherwise.
 */
export function resolveRange(q: { from?: bigint | undefined; to?: bigint | undefined }, defaultSpan: bigint, now: bigint): TimeRange {
  const to = q.to ?? now;
  const from = q.from ?? to - defaultSpan;
  if (from >= to) throw fieldProblem('from', 'must be before `to`');
  return { from, to };
}
