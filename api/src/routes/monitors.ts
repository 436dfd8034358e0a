import { Hono } from 'hono';
import { z } from 'zod';
import { deleteSloMonitor, evaluateSloMonitor, getSloMonitor, listSloMonitors } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { notFound } from '../problem.ts';
import { timeParam } from '../time.ts';
import { parseParams, parseQuery } from '../validate.ts';

const windowBurn = z.object({
  window: z.string().describe('e.g. "1h"'),
  burn_rate: z.number().describe('error ratio over the window / error budget; 1 spends the budget exactly over the SLO period'),
  events: z.number().int(),
  bad: z.number(),
});

export const objectiveStatusSchema = z.object({
  key: z.string().describe('stable name of the objective, e.g. "latency:p99<=300ms@0.99"'),
  kind: z.enum(['latency', 'error_rate', 'availability']),
  target: z.number().describe('as given: for error_rate the highest acceptable error ratio, otherwise the share of good requests'),
  percentile: z.number().optional(),
  threshold_ms: z.number().optional(),
  success_target: z.number().describe('share of good requests the SLO asks for (error_rate 0.01 → 0.99)'),
  sli: z.number().nullable().describe('good / total requests over the SLO window so far; null without traffic'),
  events: z.number().int(),
  good: z.number(),
  bad: z.number(),
  error_budget: z.number().describe('1 - success_target'),
  error_budget_remaining: z.number().describe('share of the window\'s error budget not yet spent; negative once overspent'),
  exact: z.boolean().describe('latency: true when threshold_ms is a histogram bucket edge (exact counts), false when interpolated within a bucket'),
  observed_percentile_ms: z.number().optional().describe('latency: the observed value of `percentile` over the window'),
  period_burn_rate: z.number().describe('burn rate over the whole window so far'),
  budget_exhausted_in_s: z.number().nullable().describe('at the 1 h burn rate, seconds until the remaining budget is spent; null when not burning'),
  burn_rates: z
    .array(
      z.object({
        pair: z.string().describe('long/short window, e.g. "1h/5m"'),
        severity: z.enum(['fast', 'slow']),
        factor: z.number().describe('the burn rate both windows must exceed (14.4, 6, 1 for a 30d window)'),
        long: windowBurn,
        short: windowBurn,
        firing: z.boolean(),
      }),
    )
    .describe('SRE workbook multi-window pairs: 1h/5m and 6h/30m page (fast), 3d/6h tickets (slow)'),
  alerts: z.object({ fast: z.boolean(), slow: z.boolean() }),
});

export const monitorStatusSchema = z.object({
  id: z.string().describe('stable id of (service, operation)'),
  service: z.string(),
  operation: z.string().nullable().describe("null: the service's entry spans"),
  window: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  evaluated_at: z.string().describe('the end of every window (RFC 3339)'),
  state: z.enum(['ok', 'slow_burn', 'fast_burn', 'no_data']),
  alerts: z.object({
    fast: z.boolean().describe('a fast-burn (page) alert is firing for some objective'),
    slow: z.boolean().describe('a slow-burn (ticket) alert is firing for some objective'),
    firing: z.array(z.object({ objective: z.string(), severity: z.enum(['fast', 'slow']), pairs: z.array(z.string()) })),
  }),
  objectives: z.array(objectiveStatusSchema),
});

export const monitorsQuery = z
  .object({
    service: z.string().min(1).optional().describe('only monitors of this service'),
    at: timeParam.optional().describe('evaluate as of this time (RFC 3339 or unix ns); now when absent'),
  })
  .strict();

const monitorParams = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'a monitor id is 16 hex digits') });

export const monitorsResponse = z.object({ monitors: z.array(monitorStatusSchema) });

export const monitorsRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/monitors',
    tag: 'slo',
    summary: 'Every SLO monitor with its current status: SLI, error budget left, burn rates per window pair, alerts firing',
    query: monitorsQuery,
    response: { description: 'monitors by service, then operation', schema: monitorsResponse },
  },
  {
    method: 'get',
    path: '/monitors/{id}',
    tag: 'slo',
    summary: 'One SLO monitor with its current status',
    params: monitorParams,
    query: monitorsQuery.pick({ at: true }),
    response: { description: 'the monitor', schema: monitorStatusSchema },
    errors: { 404: 'no monitor with this id' },
  },
  {
    method: 'delete',
    path: '/monitors/{id}',
    tag: 'slo',
    summary: 'Delete an SLO monitor (the SLO job stops evaluating it)',
    params: monitorParams,
    response: { description: 'deleted (204, no body)' },
    errors: { 404: 'no monitor with this id' },
  },
];

const evaluationTime = (at: bigint | undefined): number => (at === undefined ? Date.now() : Number(at / 1_000_000n));

export function monitorsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = parseQuery(c, monitorsQuery);
    const now = evaluationTime(q.at);
    const monitors = await listSloMonitors(deps.storage.client, { service: q.service });
    const statuses = await Promise.all(monitors.map((m) => evaluateSloMonitor(deps.storage.client, m, now)));
    return c.json({ monitors: statuses } satisfies z.infer<typeof monitorsResponse>);
  });
  app.get('/:id', async (c) => {
    const { id } = parseParams(c, monitorParams);
    const q = parseQuery(c, monitorsQuery.pick({ at: true }));
    const monitor = await getSloMonitor(deps.storage.client, id);
    if (!monitor) throw notFound(`no SLO monitor ${id}`);
    return c.json(await evaluateSloMonitor(deps.storage.client, monitor, evaluationTime(q.at)));
  });
  app.delete('/:id', async (c) => {
    const { id } = parseParams(c, monitorParams);
    if (!(await deleteSloMonitor(deps.storage.client, id, Date.now()))) throw notFound(`no SLO monitor ${id}`);
    return c.body(null, 204);
  });
  return app;
}
