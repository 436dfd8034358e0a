import { Hono } from 'hono';
import { z } from 'zod';
import { evaluateSloMonitor, MAX_LATENCY_THRESHOLD_MS, objectiveKey, parseSloWindow, upsertSloMonitor, type SloObjective } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';
import { monitorStatusSchema } from './monitors.ts';

const share = z.number().gt(0).lt(1);

const objective = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('latency'),
      percentile: z.number().gt(0).lt(100).describe('e.g. 99 for "p99 under threshold_ms"'),
      threshold_ms: z.number().positive().max(MAX_LATENCY_THRESHOLD_MS).describe('requests at or under it are good; bucket edges (…, 200, 250, 300, 400, 500, 600, 750, 1000 …) are counted exactly'),
      target: share.optional().describe('share of requests that must be at or under threshold_ms; percentile / 100 when absent'),
    })
    .strict(),
  z.object({ kind: z.literal('error_rate'), target: share.describe('the highest acceptable error ratio, e.g. 0.01') }).strict(),
  z.object({ kind: z.literal('availability'), target: share.describe('share of requests that must succeed, e.g. 0.999') }).strict(),
]);

export const monitorPerformanceBody = z
  .object({
    service: z.string().min(1),
    operation: z.string().min(1).optional().describe("span name; the service's entry spans (server/consumer/root) when absent"),
    objectives: z.array(objective).min(1).max(10),
    window: z
      .string()
      .regex(/^\d+(h|d|w)$/, 'a window is a number of hours, days or weeks: "30d", "4w"')
      .default('30d')
      .describe('SLO period, 7d to 90d (default 30d)'),
    at: timeParam.optional().describe('evaluate the status as of this time (RFC 3339 or unix ns); now when absent'),
  })
  .strict();

export const monitorPerformanceResponse = monitorStatusSchema.extend({
  created: z.boolean().describe('true when this request created the monitor (201), false when it updated it (200)'),
});

export const monitorPerformanceRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/monitor-performance',
    tag: 'slo',
    summary: 'Create or update the SLO monitor of (service, operation) and return its status',
    description:
      'Objectives: latency (share of requests at or under threshold_ms), error_rate (target = highest error ratio) and availability (target = success ratio). ' +
      'Burn rates over the SRE workbook multi-window pairs 1h/5m (factor 14.4), 6h/30m (6) and 3d/6h (1) for a 30d window; factors scale with the window (same share of the budget), floored at 1.',
    body: monitorPerformanceBody,
    response: { description: 'the monitor and its status (201 when created)', schema: monitorPerformanceResponse },
    errors: { 422: 'well-formed but unusable: window outside 7d-90d, an error_rate target above 0.5, the same objective twice' },
  },
];

const MIN_WINDOW_S = 7 * 86_400;
const MAX_WINDOW_S = 90 * 86_400;

const unprocessable = (path: string, message: string): ProblemError =>
  new ProblemError(422, 'Unprocessable Content', `${path}: ${message}`, [{ path, message }]);

function toObjective(o: z.infer<typeof objective>): SloObjective {
  switch (o.kind) {
    case 'latency':
      return { kind: 'latency', percentile: o.percentile, thresholdMs: o.threshold_ms, target: o.target ?? o.percentile / 100 };
    case 'error_rate':
      return { kind: 'error_rate', target: o.target };
    case 'availability':
      return { kind: 'availability', target: o.target };
  }
}

export function monitorPerformanceRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await parseJsonBody(c, monitorPerformanceBody);
    const periodS = parseSloWindow(body.window);
    if (periodS === undefined || periodS < MIN_WINDOW_S || periodS > MAX_WINDOW_S) {
      throw unprocessable('window', `"${body.window}" is outside 7d-90d: burn-rate alerting needs a window well beyond its 3d slow-burn window, and the SLO rollups keep 92 days`);
    }
    const objectives = body.objectives.map(toObjective);
    const seen = new Set<string>();
    objectives.forEach((o, i) => {
      if (o.kind === 'error_rate' && o.target > 0.5) {
        throw unprocessable(`objectives.${i}.target`, `an error_rate target is the highest acceptable error ratio (e.g. 0.01); for a success ratio of ${o.target} use kind "availability"`);
      }
      const key = objectiveKey(o);
      if (seen.has(key)) throw unprocessable(`objectives.${i}`, `the same objective (${key}) is listed twice`);
      seen.add(key);
    });
    const now = Date.now();
    const { monitor, created } = await upsertSloMonitor(deps.storage.client, { service: body.service, operation: body.operation, objectives, window: body.window }, now);
    const at = body.at === undefined ? now : Number(body.at / 1_000_000n);
    const status = await evaluateSloMonitor(deps.storage.client, monitor, at);
    return c.json({ ...status, created } satisfies z.infer<typeof monitorPerformanceResponse>, created ? 201 : 200);
  });
  return app;
}
