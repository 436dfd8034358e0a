import { Hono } from 'hono';
import { z } from 'zod';
import { coordinate, RootCauseUnavailable } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { nanosToIso, timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';
import { checkWindow, rootCauseOut, rootCauseResponse } from './root-cause.ts';

export const coordinateBody = z
  .object({
    from: timeParam.describe('RFC 3339 or unix ns: start of the degraded window'),
    to: timeParam.describe('RFC 3339 or unix ns, exclusive'),
  })
  .strict();

export const coordinateResponse = z.object({
  from: z.string(),
  to: z.string(),
  step_s: z.number().int().describe('bucket width of the correlated series'),
  correlated: z
    .array(
      z.object({
        a: z.string(),
        b: z.string(),
        correlation: z.number().describe('Pearson correlation of the two degradation series at the best lag'),
        lag_s: z.number().int().describe('seconds by which b follows a (negative: b leads)'),
        leader: z.string().describe('the service that moved first (a when the lag is 0)'),
      }),
    )
    .describe('pairs of services whose degradation (latency p95 / error rate, robust SDs above their pre-window level) moved together'),
  series: z
    .array(z.object({ service: z.string(), from: z.string(), degradation: z.array(z.number().nullable()) }))
    .describe('the per-bucket degradation series the correlations ran on'),
  propagation: z
    .array(z.array(z.string()))
    .describe('paths from an entry point (first) down the service graph to the top root cause (last)'),
  actions: z
    .array(
      z.object({
        order: z.number().int(),
        service: z.string(),
        kind: z.string(),
        action: z.string(),
        expected_recovery: z.array(z.string()).describe('degraded upstream services that should recover once this is fixed'),
      }),
    )
    .describe('what to do, in order: fix the root cause first; independent faults after'),
  root_cause: rootCauseResponse.shape.candidates,
});

export type CoordinateResponse = z.infer<typeof coordinateResponse>;

export const coordinateRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/coordinate',
    tag: 'analysis',
    summary: 'Cross-system view of a window: correlated degradations (with lag), propagation from the root cause to the entry points, ordered actions',
    body: coordinateBody,
    response: { description: 'coordination plan', schema: coordinateResponse },
  },
];

export function coordinateRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await parseJsonBody(c, coordinateBody);
    checkWindow(body);
    let r;
    try {
      r = await coordinate(deps.storage.client, { fromNs: body.from, toNs: body.to });
    } catch (err) {
      if (err instanceof RootCauseUnavailable) throw new ProblemError(422, 'Unprocessable Window', err.message);
      throw err;
    }
    const out: CoordinateResponse = {
      from: nanosToIso(body.from),
      to: nanosToIso(body.to),
      step_s: r.stepS,
      correlated: r.comovements.map((m) => ({
        a: m.a,
        b: m.b,
        correlation: m.correlation,
        lag_s: m.lagBuckets * r.stepS,
        leader: m.lagBuckets < 0 ? m.b : m.a,
      })),
      series: [...r.degradation].map(([service, d]) => ({
        service,
        from: new Date(r.seriesFromS * 1000).toISOString(),
        degradation: d.map((x) => (Number.isFinite(x) ? x : null)),
      })),
      propagation: r.paths.map((p) => [...p]),
      actions: r.actions.map((a) => ({ order: a.order, service: a.service, kind: a.kind, action: a.action, expected_recovery: [...a.expectedRecovery] })),
      root_cause: rootCauseOut(r.rootCause).candidates,
    };
    return c.json(out);
  });
  return app;
}
