import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { parseDurationNanos } from '../duration.ts';
import type { RouteDoc } from '../openapi.ts';
import { fieldProblem } from '../problem.ts';
import { fetchRedSeries } from '@ppo/analyzer';
import { HOUR_NANOS, nowNanos, timeParam } from '../time.ts';
import { parseQuery, resolveRange } from '../validate.ts';

/** The rollups' resolution: buckets are whole minutes. */
const MINUTE_S = 60;
const MAX_BUCKETS = 1440;
/** Points a chart gets when the client names no step. */
const DEFAULT_BUCKETS = 120;
const NANOS_PER_S = 1_000_000_000n;

const SPAN_KINDS = { server: 'Server', client: 'Client', producer: 'Producer', consumer: 'Consumer', internal: 'Internal', unspecified: 'Unspecified' } as const;

const stepParam = z
  .string()
  .describe('bucket width: seconds (`300`) or a duration (`5m`, `1h`); a multiple of 60 s, at least 60 s, at most 1440 buckets in the range')
  .transform((s, ctx) => {
    const nanos = /^\d+$/.test(s) ? BigInt(s) * NANOS_PER_S : parseDurationNanos(s);
    if (nanos === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is neither seconds nor a duration like 5m` });
      return z.NEVER;
    }
    const seconds = Number(nanos / NANOS_PER_S);
    if (nanos % NANOS_PER_S !== 0n || seconds < MINUTE_S || seconds % MINUTE_S !== 0) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number of minutes, at least 60 s (the rollups are per minute)' });
      return z.NEVER;
    }
    return seconds;
  });

export const performanceMetricsQuery = z.object({
  service: z.string().min(1).describe('service.name'),
  operation: z.string().min(1).optional().describe('span name; the service-level series (its entry spans) when absent'),
  spanKind: z
    .enum(Object.keys(SPAN_KINDS) as [keyof typeof SPAN_KINDS, ...(keyof typeof SPAN_KINDS)[]])
    .optional()
    .describe('only spans of this kind for `operation`; all kinds when absent'),
  from: timeParam.optional().describe('RFC 3339 or unix ns; default: 1 h before `to`. Rounded down to the minute'),
  to: timeParam.optional().describe('RFC 3339 or unix ns, exclusive; default: now. Rounded up to the minute'),
  step: stepParam.optional(),
});

const redPoint = z.object({
  t: z.string().describe('bucket start, RFC 3339'),
  calls: z.number().describe('spans in the bucket'),
  rate_per_s: z.number().describe('calls per second over the bucket'),
  error_rate: z.number().describe('share of calls with status Error, 0..1 (0 for an empty bucket)'),
  p50_ms: z.number(),
  p95_ms: z.number(),
  p99_ms: z.number().describe('duration percentiles from t-digest states; 0 for an empty bucket'),
});

export const performanceMetricsResponse = z.object({
  service: z.string(),
  operation: z.string().optional(),
  spanKind: z.string().optional(),
  from: z.string(),
  to: z.string(),
  step_s: z.number(),
  series: z.array(redPoint),
});

export const performanceMetricsRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/performance-metrics',
    tag: 'metrics',
    summary: 'RED series (rate, errors, duration percentiles) of a service or one of its operations',
    description:
      'Answered from the per-minute rollups ppo_red_1m_service (entry spans: Server/Consumer kinds and root spans) and ' +
      'ppo_red_1m_operation (every span, per name and kind), never from raw spans. Every bucket of the range is present; ' +
      'empty ones are zero.',
    query: performanceMetricsQuery,
    response: { description: 'the series, oldest bucket first', schema: performanceMetricsResponse },
  },
];

const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const nsToMs = (ns: number | undefined): number => round((ns ?? 0) / 1e6, 3);

export function performanceMetricsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = parseQuery(c, performanceMetricsQuery);
    if (q.spanKind !== undefined && q.operation === undefined) throw fieldProblem('spanKind', 'applies to an `operation`; give one');
    const range = resolveRange(q, HOUR_NANOS, nowNanos());
    const minuteNanos = BigInt(MINUTE_S) * NANOS_PER_S;
    const fromS = Number(range.from / minuteNanos) * MINUTE_S;
    const toS = Number((range.to + minuteNanos - 1n) / minuteNanos) * MINUTE_S;
    const spanS = toS - fromS;
    const stepS = q.step ?? Math.max(MINUTE_S, Math.ceil(spanS / DEFAULT_BUCKETS / MINUTE_S) * MINUTE_S);
    const buckets = Math.ceil(spanS / stepS);
    if (buckets > MAX_BUCKETS) {
      throw fieldProblem('step', `gives ${buckets} buckets over this range; at most ${MAX_BUCKETS} (use a step of at least ${Math.ceil(spanS / MAX_BUCKETS / MINUTE_S) * MINUTE_S} s)`);
    }

    const spanKind = q.spanKind === undefined ? undefined : SPAN_KINDS[q.spanKind];
    const rows = await fetchRedSeries(deps.storage.client, { service: q.service, operation: q.operation, spanKind, fromS, toS, stepS });
    const series = rows.map((r) => {
      // The last bucket is cut short by `to`; its rate is over the time it covers.
      const seconds = Math.min(stepS, toS - r.t);
      return {
        t: new Date(r.t * 1000).toISOString(),
        calls: r.calls,
        rate_per_s: round(r.calls / seconds, 6),
        error_rate: r.calls === 0 ? 0 : round(r.errors / r.calls, 6),
        p50_ms: nsToMs(r.q[0]),
        p95_ms: nsToMs(r.q[1]),
        p99_ms: nsToMs(r.q[2]),
      };
    });
    return c.json({
      service: q.service,
      ...(q.operation === undefined ? {} : { operation: q.operation }),
      ...(spanKind === undefined ? {} : { spanKind }),
      from: new Date(fromS * 1000).toISOString(),
      to: new Date(toS * 1000).toISOString(),
      step_s: stepS,
      series,
    });
  });
  return app;
}
