import { Hono } from 'hono';
import { z } from 'zod';
import {
  checkTransition,
  getRecommendation,
  latestDataTime,
  listRecommendations,
  outcomeToApi,
  RECOMMENDATION_KINDS,
  RECOMMENDATION_STATUSES,
  saveRecommendations,
  type Recommendation,
} from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { notFound, ProblemError } from '../problem.ts';
import { nanosToIso, timeParam } from '../time.ts';
import { parseJsonBody, parseParams, parseQuery } from '../validate.ts';

export const recommendationKind = z.enum(RECOMMENDATION_KINDS);
export const recommendationStatus = z.enum(RECOMMENDATION_STATUSES);

const evidence = z.object({ trace_id: z.string().optional(), span_ids: z.array(z.string()).optional(), detail: z.string() });

export const outcomeSchema = z.object({
  verdict: z.enum(['verified', 'partial', 'no-effect', 'regressed']),
  metric: z.string().describe('latency_p50_ms (median span duration of the operation) or error_rate'),
  before: z.number(),
  after: z.number(),
  change_pct: z.number().describe('(after − before) / before × 100'),
  p_value: z.number().describe('two-sided: Mann-Whitney U on span durations (latency), two-proportion z-test (error rate)'),
  measured_at: z.string().describe('RFC 3339, wall clock'),
  version: z.string().optional().describe('the service.version of the after window, when a deploy triggered the measurement'),
  trigger: z.enum(['applied', 'deploy']),
  reason: z.string(),
  samples_before: z.number().int(),
  samples_after: z.number().int(),
  load_ratio: z.number().describe('calls after / calls before over equal windows: 1 = the same load'),
  before_from: z.string().describe('RFC 3339, data time: the windows compared are [before_from, change_at) and [change_at, after_to)'),
  change_at: z.string(),
  after_to: z.string(),
});

export const recommendationSchema = z.object({
  id: z.string().describe('stable: a hash of service, operation, kind and finding; the same finding keeps its id across runs'),
  service: z.string(),
  operation: z.string().optional(),
  kind: recommendationKind,
  title: z.string(),
  detail: z.string(),
  expected_improvement: z.object({ metric: z.string(), current: z.number(), expected: z.number() }),
  confidence: z.number().describe('0..1, the detector prior calibrated by the kind’s track record (Beta posterior mean)'),
  prior_confidence: z.number().describe('the detector’s own confidence'),
  impact: z.number().describe('expected relative gain × share of traffic touched, 0..1; ranking is by confidence × impact'),
  evidence: z.array(evidence),
  status: recommendationStatus,
  note: z.string().optional(),
  source: z.string(),
  version: z.string().optional().describe('for fix-regression: the version that made things worse'),
  created_at: z.string(),
  updated_at: z.string(),
  observed_from: z.string().describe('data window of the latest detection, RFC 3339'),
  observed_to: z.string(),
  times_seen: z.number().int(),
  applied_at: z.string().optional(),
  outcome: outcomeSchema.optional(),
});
export type RecommendationOut = z.infer<typeof recommendationSchema>;

export function recommendationOut(r: Recommendation): RecommendationOut {
  return {
    id: r.id,
    service: r.service,
    ...(r.operation === undefined ? {} : { operation: r.operation }),
    kind: r.kind,
    title: r.title,
    detail: r.detail,
    expected_improvement: { ...r.expectedImprovement },
    confidence: r.confidence,
    prior_confidence: r.priorConfidence,
    impact: r.impact,
    evidence: r.evidence.map((e) => ({ ...(e.traceId === undefined ? {} : { trace_id: e.traceId }), ...(e.spanIds === undefined ? {} : { span_ids: [...e.spanIds] }), detail: e.detail })),
    status: r.status,
    ...(r.note === '' ? {} : { note: r.note }),
    source: r.source,
    ...(r.deployVersion === undefined ? {} : { version: r.deployVersion }),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    observed_from: nanosToIso(r.observedFrom),
    observed_to: nanosToIso(r.observedTo),
    times_seen: r.timesSeen,
    ...(r.appliedAt === undefined ? {} : { applied_at: nanosToIso(r.appliedAt) }),
    ...(r.outcome === undefined
      ? {}
      : {
          outcome: {
            ...(outcomeToApi(r.outcome) as Omit<z.infer<typeof outcomeSchema>, 'before_from' | 'change_at' | 'after_to'>),
            before_from: nanosToIso(r.outcome.beforeFrom),
            change_at: nanosToIso(r.outcome.changeAt),
            after_to: nanosToIso(r.outcome.afterTo),
          },
        }),
  };
}

const listQuery = z
  .object({
    service: z.string().min(1).optional(),
    status: z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined) return undefined;
        const list = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
        const bad = list.filter((x) => !(RECOMMENDATION_STATUSES as readonly string[]).includes(x));
        if (bad.length > 0) {
          ctx.addIssue({ code: 'custom', message: `unknown status ${bad.join(', ')}; one or more (comma-separated) of ${RECOMMENDATION_STATUSES.join(', ')}` });
          return z.NEVER;
        }
        return list as (typeof RECOMMENDATION_STATUSES)[number][];
      })
      .describe(`comma-separated: ${RECOMMENDATION_STATUSES.join(', ')}`),
    kind: recommendationKind.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const idParams = z.object({ id: z.string().regex(/^rec_[0-9a-f]{20}$/, 'a recommendation id: rec_ + 20 hex digits') });

const patchBody = z
  .object({
    status: z.enum(['applied', 'dismissed']),
    note: z.string().max(2000).optional(),
    at: timeParam.optional().describe('when it was applied (RFC 3339 or unix ns, data time); default: the newest span of the service, i.e. "now" in its telemetry'),
  })
  .strict();

const listResponse = z.object({ recommendations: z.array(recommendationSchema).describe('most worth doing first (confidence × impact)') });

export const recommendationsRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/recommendations',
    tag: 'optimization',
    summary: 'Stored recommendations, ranked, with their measured outcomes',
    query: listQuery,
    response: { description: 'recommendations', schema: listResponse },
  },
  {
    method: 'get',
    path: '/recommendations/{id}',
    tag: 'optimization',
    summary: 'One recommendation with its evidence and outcome',
    params: idParams,
    response: { description: 'the recommendation', schema: recommendationSchema },
    errors: { 404: 'unknown recommendation' },
  },
  {
    method: 'patch',
    path: '/recommendations/{id}',
    tag: 'optimization',
    summary: 'Mark a recommendation applied (its outcome is then measured) or dismissed',
    params: idParams,
    body: patchBody,
    response: { description: 'the updated recommendation', schema: recommendationSchema },
    errors: { 404: 'unknown recommendation', 409: 'already measured: an outcome is final' },
  },
];

export function recommendationsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const client = deps.storage.client;
  app.get('/', async (c) => {
    const q = parseQuery(c, listQuery);
    const recs = await listRecommendations(client, {
      ...(q.service === undefined ? {} : { service: q.service }),
      ...(q.status === undefined ? {} : { statuses: q.status }),
      ...(q.kind === undefined ? {} : { kinds: [q.kind] }),
      limit: q.limit,
    });
    return c.json({ recommendations: recs.map(recommendationOut) });
  });
  app.get('/:id', async (c) => {
    const { id } = parseParams(c, idParams);
    const rec = await getRecommendation(client, id);
    if (!rec) throw notFound(`no recommendation ${id}`);
    return c.json(recommendationOut(rec));
  });
  app.patch('/:id', async (c) => {
    const { id } = parseParams(c, idParams);
    const body = await parseJsonBody(c, patchBody);
    const rec = await getRecommendation(client, id);
    if (!rec) throw notFound(`no recommendation ${id}`);
    const check = checkTransition(rec.status, body.status);
    if (!check.ok) throw new ProblemError(409, 'Conflict', `cannot mark ${id} ${body.status}: ${check.reason}`);
    let appliedAt = rec.appliedAt;
    if (body.status === 'applied' && (check.changed || body.at !== undefined)) {
      appliedAt = body.at ?? (await latestDataTime(client, rec.service)) ?? BigInt(Date.now()) * 1_000_000n;
    }
    const { appliedAt: _dropped, ...rest } = rec;
    const updated: Recommendation = {
      ...rest,
      status: body.status,
      note: body.note ?? rec.note,
      updatedAt: new Date().toISOString(),
      ...(body.status === 'applied' && appliedAt !== undefined ? { appliedAt } : {}),
    };
    await saveRecommendations(client, [updated]);
    return c.json(recommendationOut(updated));
  });
  return app;
}
