import { describe, expect, it } from 'vitest';
import { flowEvidence, invocations, type FlowInput, type FlowLog, type FlowSpan } from './flows.ts';
import { rankRootCauses } from './rank.ts';
import { input, spanRow } from './testing-fleet.ts';
import type { SpanStat } from './types.ts';

/** A node of a synthetic trace: a span, the log lines it writes, and its children, run one after another. */
interface Node {
  service: string;
  operation: string;
  kind?: string;
  error?: boolean;
  logs?: readonly (string | { error: string })[];
  children?: readonly Node[];
}

let seq = 0;
const nextId = (): string => (++seq).toString(16).padStart(16, '0');

/** Spans and logs of one trace; each span takes 1 ms of its own plus its children, children run in sequence. */
function trace(root: Node, inWindow: 0 | 1): FlowInput {
  const traceId = nextId().repeat(2);
  const spans: FlowSpan[] = [];
  const logs: FlowLog[] = [];
  const walk = (n: Node, parentId: string, start: number): number => {
    const spanId = nextId();
    let t = start + 100;
    for (const l of n.logs ?? []) {
      logs.push({ traceId, spanId, template: typeof l === 'string' ? l : l.error, error: typeof l === 'string' ? 0 : 1, timeUs: t });
      t += 10;
    }
    for (const c of n.children ?? []) t = walk(c, spanId, t + 10);
    const end = t + 900;
    spans.push({ traceId, spanId, parentId, service: n.service, operation: n.operation, kind: n.kind ?? 'Server', error: n.error ? 1 : 0, inWindow, startUs: start, endUs: end });
    return end;
  };
  walk(root, '', inWindow ? 10_000_000 : 0);
  return { spans, logs };
}

function fleet(traces: readonly FlowInput[]): FlowInput {
  return { spans: traces.flatMap((t) => t.spans), logs: traces.flatMap((t) => t.logs) };
}

const repeat = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

// Client spans belong to the caller: rewrite so the client span is the caller's and the server span the callee's.
const out = (caller: string, callee: Node): Node => ({ service: caller, operation: 'HTTP GET', kind: 'Client', children: [callee] });

// web's checkout: price the cart, reserve stock, take payment, log the order.
const pricing: Node = { service: 'pricing', operation: 'GET /price', logs: ['priced cart'] };
const checkout = (aborted: boolean): Node => ({
  service: 'web',
  operation: 'POST /checkout',
  error: aborted,
  logs: ['checkout started'],
  children: aborted
    ? [out('web', pricing), { service: 'web', operation: 'render error', kind: 'Internal', logs: [{ error: 'ERROR price out of range' }] }]
    : [out('web', pricing), out('web', { service: 'stock', operation: 'POST /reserve' }), out('web', { service: 'payments', operation: 'POST /pay' }),
      { service: 'web', operation: 'OrderRepository.save', kind: 'Internal', logs: ['order placed'] }],
});
// The mobile backend quotes prices too, and gives up on a bad one.
const quote = (aborted: boolean): Node => ({
  service: 'mobile-bff',
  operation: 'GET /quote',
  error: aborted,
  children: aborted ? [out('mobile-bff', pricing)] : [out('mobile-bff', pricing), out('mobile-bff', { service: 'promos', operation: 'GET /promo' }), { service: 'mobile-bff', operation: 'QuoteView.render', kind: 'Internal' }],
});

describe('flowEvidence', () => {
  it('splits traces into per-service invocations with their steps, calls and failures', () => {
    const [web] = invocations(trace(checkout(true), 1)).filter((i) => i.service === 'web');
    expect(web).toMatchObject({ operation: 'Server POST /checkout', failed: true, inWindow: 1 });
    expect(web!.sequence.map((s) => s.callee ?? s.name)).toEqual(['log checkout started', 'span Client HTTP GET', 'pricing', 'span Internal render error']);
    // An outbound client span, the call into pricing, the error-handling span and the start log; the error log is not a step.
    expect(web!.total).toBe(4);
  });

  it('finds nothing in a healthy fleet', () => {
    const flows = fleet([...repeat(40, () => trace(checkout(false), 0)), ...repeat(40, () => trace(checkout(false), 1)), ...repeat(20, () => trace(quote(false), 0)), ...repeat(20, () => trace(quote(false), 1))]);
    expect(flowEvidence(flows)).toEqual({ evidence: [], handoffs: [] });
  });

  it('does not take a change in the mix of requests for a change of shape', () => {
    // One gateway operation name for every route (as a catch-all proxy route has): its invocations
    // differ in what they call, and the window has four times as many checkouts as searches.
    const search: Node = { service: 'search', operation: 'GET /search', logs: ['query parsed', 'hits ranked'] };
    const viaGateway = (n: Node): Node => ({ service: 'gateway', operation: '/*', children: [out('gateway', n)] });
    const flows = fleet([
      ...repeat(80, () => trace(viaGateway(search), 0)),
      ...repeat(20, () => trace(viaGateway(checkout(false)), 0)),
      ...repeat(20, () => trace(viaGateway(search), 1)),
      ...repeat(80, () => trace(viaGateway(checkout(false)), 1)),
    ]);
    expect(flowEvidence(flows).evidence).toEqual([]);
  });

  it('does not count a shorter flow on another branch that succeeds (another input), but does count one that only lacks steps', () => {
    const lookup = (branch: 'cache' | 'db' | 'db-no-log'): Node => ({
      service: 'catalog',
      operation: 'GET /item',
      children:
        branch === 'cache'
          ? [out('catalog', { service: 'cache', operation: 'GET' })]
          : [out('catalog', { service: 'db-proxy', operation: 'SELECT' }), { service: 'catalog', operation: 'ItemMapper.map', kind: 'Internal' }],
      logs: branch === 'db-no-log' ? [] : ['item served'],
    });
    const base = repeat(40, () => trace(lookup('db'), 0));
    const otherBranch = flowEvidence(fleet([...base, ...repeat(40, (i) => trace(lookup(i % 2 ? 'cache' : 'db'), 1))]));
    expect(otherBranch.evidence).toEqual([]);
    // The same operation now skips its last log line in most calls (an exception swallowed before it): its own truncation.
    const skipped = flowEvidence(fleet([...base, ...repeat(40, (i) => trace(lookup(i % 4 ? 'db-no-log' : 'db'), 1))]));
    expect(skipped.evidence).toHaveLength(1);
    expect(skipped.evidence[0]).toMatchObject({ entity: 'catalog', signal: 'flow_truncated', kind: 'behavior', operation: 'Server GET /item' });
    expect(skipped.evidence[0]!.strength).toBeGreaterThan(0.6);
    expect(skipped.evidence[0]!.detail).toContain('log item served');
  });

  it('blames the callee after whose answer the flows of its callers abort, not the callers that carry the errors', () => {
    // pricing returns a wrong price from the window on: its spans stay OK, while web's checkout and
    // mobile-bff's quote fail right after it answers and make none of the calls they used to make after it.
    const flows = fleet([
      ...repeat(40, () => trace(checkout(false), 0)),
      ...repeat(40, (i) => trace(checkout(i % 5 !== 0), 1)),
      ...repeat(30, () => trace(quote(false), 0)),
      ...repeat(30, (i) => trace(quote(i % 5 !== 0), 1)),
    ]);
    const found = flowEvidence(flows);
    const to = (entity: string) => found.evidence.filter((e) => e.entity === entity).reduce((s, e) => Math.max(s, e.strength), 0);
    expect(to('pricing')).toBeGreaterThan(to('web'));
    expect(to('pricing')).toBeGreaterThan(to('mobile-bff'));
    expect(found.handoffs.map((h) => [h.service, h.callee]).sort()).toEqual([['mobile-bff', 'pricing'], ['web', 'pricing']]);

    // In the whole ranking: web's and mobile-bff's server spans now fail with no failing child (origin
    // errors of their own), pricing's spans look as before; pricing still comes first.
    const op = (service: string, operation: string, win: Partial<SpanStat> = {}): SpanStat[] => [
      spanRow({ service, operation, selfMs: 5 }, 0),
      { ...spanRow({ service, operation, selfMs: 5 }, 1), ...win },
    ];
    const client = (service: string, target: string): SpanStat[] => {
      const o = { service, operation: 'HTTP GET', kind: 'Client', target, targetKind: 'service', selfMs: 1 };
      return [spanRow(o, 0), spanRow(o, 1)];
    };
    const spans = [
      ...op('web', 'POST /checkout', { errors: 160, originErrors: 160 }),
      ...op('mobile-bff', 'GET /quote', { errors: 160, originErrors: 160 }),
      ...op('pricing', 'GET /price'),
      ...op('stock', 'POST /reserve'),
      ...op('payments', 'POST /pay'),
      ...op('promos', 'GET /promo'),
      ...client('web', 'pricing'),
      ...client('web', 'stock'),
      ...client('web', 'payments'),
      ...client('mobile-bff', 'pricing'),
      ...client('mobile-bff', 'promos'),
    ];
    const r = rankRootCauses({ ...input(spans), flows });
    expect(r.candidates[0]?.service).toBe('pricing');
    expect(r.candidates[0]!.evidence.some((e) => e.signal === 'flow_truncated')).toBe(true);
    expect(r.candidates[0]!.evidence.some((e) => e.signal === 'origin_errors' && e.detail.includes('fails right after pricing answers'))).toBe(true);
  });

  it('leaves the blame with a service whose own flow stops before its own steps', () => {
    // A method of pricing throws inside the handler: it skips its own log line and no callee answered before.
    const priced = (broken: boolean): Node => ({ service: 'gateway', operation: '/*', children: [out('gateway', { ...pricing, logs: broken ? [] : ['priced cart'] })] });
    const found = flowEvidence(fleet([...repeat(30, () => trace(priced(false), 0)), ...repeat(30, (i) => trace(priced(i % 3 !== 0), 1))]));
    expect(found.evidence.map((e) => e.entity)).toEqual(['pricing']);
    expect(found.handoffs).toEqual([]);
  });
});

