import { Hono } from 'hono';
import { z } from 'zod';
import { latestDataTime, listDeployments, saveDeployment } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { nanosToIso, timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';

const eventBody = z
  .object({
    type: z.literal('deploy'),
    service: z.string().min(1),
    version: z.string().min(1).max(200),
    at: timeParam.optional().describe('when the deploy took effect (RFC 3339 or unix ns, data time); default: the newest span of the service'),
  })
  .strict();

const deploymentSchema = z.object({
  service: z.string(),
  version: z.string(),
  at: z.string(),
  source: z.enum(['service.version', 'api']),
  status: z.enum(['pending', 'measured', 'insufficient']),
});

export const deployEventsRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/events',
    tag: 'optimization',
    summary: 'Record a deployment marker; the learning loop compares the traffic before and after it',
    body: eventBody,
    response: { description: 'recorded as pending: the next analysis round measures it once enough traffic follows it', schema: z.object({ deployment: deploymentSchema }) },
    errors: { 409: 'this version of the service was already measured' },
  },
];

export function deployEventsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await parseJsonBody(c, eventBody);
    const client = deps.storage.client;
    const [known] = (await listDeployments(client, { service: body.service })).filter((d) => d.version === body.version);
    if (known && known.status !== 'pending') {
      throw new ProblemError(409, 'Conflict', `${body.service} ${body.version} was already ${known.status === 'measured' ? 'measured' : 'judged unmeasurable'} (deployed ${nanosToIso(known.at)})`);
    }
    const at = body.at ?? (await latestDataTime(client, body.service)) ?? BigInt(Date.now()) * 1_000_000n;
    // An explicit marker wins over the first span of the version: a rollout's first span may precede the switch.
    await saveDeployment(client, { service: body.service, version: body.version, at, source: 'api', status: 'pending', verdict: '', detail: '', createdAt: new Date().toISOString() });
    return c.json({ deployment: { service: body.service, version: body.version, at: nanosToIso(at), source: 'api' as const, status: 'pending' as const } });
  });
  return app;
}
