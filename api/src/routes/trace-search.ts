import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { durationParam } from '../duration.ts';
import type { RouteDoc } from '../openapi.ts';
import { fieldProblem } from '../problem.ts';
import { searchTraces } from '../queries/trace-search.ts';
import { HOUR_NANOS, nanosToIso, nowNanos, timeParam } from '../time.ts';
import { parseQuery, resolveRange } from '../validate.ts';

const MAX_TAGS = 20;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

export type TagPair = readonly [string, string];

/** A JSON scalar as the collector stores the attribute: Go's AsString (shortest float text, `true`/`false`). */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

const LOGFMT_PAIR = /\s*([^\s="]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))\s*/y;

/**
 * Tag filters, Jaeger style: a JSON object (`{"http.status_code":500,"error":true}`,
 * what Jaeger's UI sends) or logfmt (`http.status_code=500 db.system="postgresql"`).
 * Values compare as the attribute text PPO stores, so 500, "500" and 500.0 → "500".
 */
export function parseTags(text: string): TagPair[] | string {
  const s = text.trim();
  if (s === '') return [];
  if (s.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      return 'is not valid JSON';
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'must be a JSON object of key → value';
    const pairs: TagPair[] = [];
    for (const [k, v] of Object.entries(parsed)) {
      const value = scalarText(v);
      if (value === undefined) return `value of "${k}" must be a string, number or boolean`;
      pairs.push([k, value]);
    }
    return pairs;
  }
  const pairs: TagPair[] = [];
  LOGFMT_PAIR.lastIndex = 0;
  while (LOGFMT_PAIR.lastIndex < s.length) {
    const at = LOGFMT_PAIR.lastIndex;
    const m = LOGFMT_PAIR.exec(s);
    if (!m || m.index !== at) return `cannot read a key=value pair at offset ${at} (logfmt: k=v k2="v 2", or a JSON object)`;
    const quoted = m[2];
    pairs.push([m[1] ?? '', quoted === undefined ? (m[3] ?? '') : quoted.replace(/\\(.)/g, '$1')]);
  }
  return pairs;
}

const tagsParam = z
  .string()
  .describe('tags every matching span must carry (on its attributes, resource, events or links): a JSON object or logfmt `k=v k2="v 2"`')
  .transform((s, ctx) => {
    const tags = parseTags(s);
    if (typeof tags === 'string') {
      ctx.addIssue({ code: 'custom', message: tags });
      return z.NEVER;
    }
    if (tags.length > MAX_TAGS) {
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_TAGS} tags` });
      return z.NEVER;
    }
    return tags;
  });

export const traceSearchQuery = z.object({
  service: z.string().min(1).optional().describe('service.name of the matching span'),
  operation: z.string().min(1).optional().describe('span name of the matching span'),
  minDuration: durationParam.optional().describe('inclusive lower bound of the matching span\'s duration: `150ms`, `1.5s`, or integer ns'),
  maxDuration: durationParam.optional().describe('inclusive upper bound of the matching span\'s duration; 0 = none (as in Jaeger)'),
  tags: tagsParam.optional(),
  from: timeParam.optional().describe('earliest start of the matching span (RFC 3339 or unix ns); default: 1 h before `to`'),
  to: timeParam.optional().describe('latest start of the matching span, inclusive; default: now'),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT).describe('most traces to return'),
});

const traceSummary = z.object({
  traceId: z.string(),
  rootService: z.string(),
  rootOperation: z.string().describe('of the span without a parent (the earliest span when the trace has none)'),
  startTime: z.string().describe('RFC 3339 (ms)'),
  startTimeUnixNano: z.string(),
  durationNs: z.string().describe('first span start to last span end'),
  spans: z.number(),
  services: z.array(z.string()),
  errors: z.number().describe('spans with status Error'),
});

export const traceSearchResponse = z.object({ traces: z.array(traceSummary) });

export const traceSearchRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/traces',
    tag: 'traces',
    summary: 'Search traces (Jaeger-style)',
    description:
      'A trace matches when one of its spans matches every given filter (service, operation, duration bounds, tags, start ' +
      'window); whole traces are summarized. Newest first.',
    query: traceSearchQuery,
    response: { description: 'matching traces', schema: traceSearchResponse },
  },
];

export function traceSearchRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = parseQuery(c, traceSearchQuery);
    // 0 means "no bound" in Jaeger's query model.
    const maxDuration = q.maxDuration === 0n ? undefined : q.maxDuration;
    if (q.minDuration !== undefined && maxDuration !== undefined && q.minDuration > maxDuration) {
      throw fieldProblem('minDuration', 'must not exceed `maxDuration`');
    }
    const { from, to } = resolveRange(q, HOUR_NANOS, nowNanos());
    const rows = await searchTraces(deps.storage.client, {
      service: q.service,
      operation: q.operation,
      minDurationNanos: q.minDuration,
      maxDurationNanos: maxDuration,
      tags: q.tags ?? [],
      fromNanos: from,
      toNanos: to,
      limit: q.limit,
    });
    return c.json({
      traces: rows.map((r) => ({
        traceId: r.traceId,
        rootService: r.rootService,
        rootOperation: r.rootOperation,
        startTime: nanosToIso(r.startNanos),
        startTimeUnixNano: r.startNanos,
        durationNs: r.durationNanos,
        spans: r.spans,
        services: r.services,
        errors: r.errors,
      })),
    });
  });
  return app;
}
