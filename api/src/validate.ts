import type { Context } from 'hono';
import type { z } from 'zod';
import { validationProblem } from './problem.ts';

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
