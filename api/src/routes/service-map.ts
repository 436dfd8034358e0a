import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { fieldProblem } from '../problem.ts';
import { fetchServiceRedTotals } from '@ppo/analyzer';
import { fetchServiceMapEdges, type EdgeRow } from '../queries/service-map.ts';
import { HOUR_NANOS, nanosToIso, nowNanos, timeParam } from '../time.ts';
import { parseQuery, resolveRange } from '../validate.ts';

/** The self-join holds the window's spans in memory: a day is the most one request may ask for. */
const MAX_WINDOW_NANOS = 24n * HOUR_NANOS;
/** Parents up to this long before the window (children after it) still pair with spans inside it. */
const PAIRING_MARGIN_NANOS = 5n * 60n * 1_000_000_000n;
const MINUTE_NANOS = 60_000_000_000n;

export const serviceMapQuery = z.object({
  from: timeParam.optional().describe('RFC 3339 or unix ns; default: 1 h before `to`; the window is at most 24 h'),
  to: timeParam.optional().describe('RFC 3339 or unix ns, exclusive; default: now'),
});

const nodeKind = z.enum(['service', 'database', 'messaging', 'external']);

export const serviceMapResponse = z.object({
  from: z.string(),
  to: z.string(),
  nodes: z.array(
    z.object({
      service: z.string().describe('service.name, or the name derived for an un-instrumented peer (e.g. `postgresql/db-host/orders`, `kafka/orders`, `api.example.com`)'),
      kind: nodeKind,
      rate_per_s: z.number().describe('services: entry spans per second (RED rollup); peers: calls into them per second'),
      error_rate: z.number(),
      p95_ms: z.number().describe('services: entry-span p95; peers: the highest p95 among the calls into them'),
    }),
  ),
  edges: z.array(
    z.object({
      caller: z.string(),
      callee: z.string(),
      kind: z.enum(['request', 'messaging', 'database', 'external']),
      calls: z.number(),
      errors: z.number(),
      p95_ms: z.number().describe('of the callee span (service edges) or the calling span (peer edges)'),
    }),
  ),
});

export const serviceMapRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/service-map',
    tag: 'traces',
    summary: 'Services, the un-instrumented databases, queues and hosts they call, and the calls between them',
    description:
      'Edges come from parent/child spans across services (client→server, producer→consumer, and kind-less spans whose ' +
      'service differs from their parent\'s) and from client spans carrying db.system(.name), messaging.system or ' +
      'server.address/net.peer.name/peer.service with no instrumented callee.',
    query: serviceMapQuery,
    response: { description: 'nodes sorted by name, edges by calls (most first)', schema: serviceMapResponse },
  },
];

type NodeKind = z.infer<typeof nodeKind>;

interface NodeAcc {
  kind: NodeKind;
  calls: number;
  errors: number;
  p95Ns: number;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export function serviceMapRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = parseQuery(c, serviceMapQuery);
    const { from, to } = resolveRange(q, HOUR_NANOS, nowNanos());
    if (to - from > MAX_WINDOW_NANOS) throw fieldProblem('from', 'the window may span at most 24 h');

    const edges = await fetchServiceMapEdges(deps.storage.client, { fromNanos: from, toNanos: to, marginNanos: PAIRING_MARGIN_NANOS });
    // Service RED comes from the per-minute rollups over the window widened to whole minutes.
    const fromS = Number(from / MINUTE_NANOS) * 60;
    const toS = Number((to + MINUTE_NANOS - 1n) / MINUTE_NANOS) * 60;
    const totals = await fetchServiceRedTotals(deps.storage.client, fromS, toS);

    // Services first, so that a peer name that is also an instrumented service stays that service.
    const nodes = new Map<string, NodeAcc>();
    const service = (name: string): void => {
      if (!nodes.has(name)) nodes.set(name, { kind: 'service', calls: 0, errors: 0, p95Ns: 0 });
    };
    for (const t of totals) nodes.set(t.service, { kind: 'service', calls: t.calls, errors: t.errors, p95Ns: t.p95Ns });
    for (const e of edges.services) {
      service(e.caller);
      service(e.callee);
    }
    for (const e of edges.queues) service(e.callee);
    for (const e of edges.peers) service(e.caller);
    const peer = (name: string, kind: NodeKind, e: EdgeRow | undefined): void => {
      let n = nodes.get(name);
      if (n?.kind === 'service') return;
      if (!n) nodes.set(name, (n = { kind, calls: 0, errors: 0, p95Ns: 0 }));
      if (e) {
        n.calls += e.calls;
        n.errors += e.errors;
        n.p95Ns = Math.max(n.p95Ns, e.p95Ns);
      }
    };
    for (const e of edges.peers) peer(e.callee, e.kind === 'request' ? 'external' : e.kind, e);
    for (const e of edges.queues) peer(e.caller, 'messaging', undefined);

    const windowS = Number(to - from) / 1e9;
    const serviceWindowS = toS - fromS;
    const nodeList = [...nodes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, n]) => ({
        service: name,
        kind: n.kind,
        rate_per_s: round(n.calls / (n.kind === 'service' ? serviceWindowS : windowS), 6),
        error_rate: n.calls === 0 ? 0 : round(n.errors / n.calls, 6),
        p95_ms: round(n.p95Ns / 1e6, 3),
      }));
    const edgeList = [...edges.services, ...edges.peers, ...edges.queues]
      .map((e) => ({ caller: e.caller, callee: e.callee, kind: e.kind, calls: e.calls, errors: e.errors, p95_ms: round(e.p95Ns / 1e6, 3) }))
      .sort((a, b) => b.calls - a.calls || a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));
    return c.json({ from: nanosToIso(from), to: nanosToIso(to), nodes: nodeList, edges: edgeList });
  });
  return app;
}
