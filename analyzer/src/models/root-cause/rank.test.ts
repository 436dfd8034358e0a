import { describe, expect, it } from 'vitest';
import { personalizedPageRank, rankRootCauses } from './rank.ts';
import { chainFleet, input, spanRow } from './testing-fleet.ts';
import type { MetricStat, SpanStat } from './types.ts';

const names = (r: ReturnType<typeof rankRootCauses>): string[] => r.candidates.map((c) => c.service);

// Healthy bystanders so the fleet-wide standardisation has a population to compare with.
const bystanders = (n: number): SpanStat[] =>
  Array.from({ length: n }, (_, i) => {
    const op = { service: `idle-${i}`, operation: `GET /idle-${i}`, selfMs: 3 + i };
    return [spanRow(op, 0), spanRow({ ...op, selfMs: (3 + i) * 1.03 }, 1)];
  }).flat();

describe('rankRootCauses on synthetic fleets', () => {
  it('names a root cause deep in a call chain, not the callers whose latency it inflates', () => {
    // gateway → orders → pricing → rates → fx; fx slows down and starts failing.
    // Its callers' durations grow too, but their self time does not, and
    // their errors are propagated (an erroring child below them).
    const chain = ['gateway', 'orders', 'pricing', 'rates', 'fx'];
    const spans = chainFleet(chain, {
      fx: { selfMs: 60, errors: 40, originErrors: 40 },
      rates: { errors: 40 },
      pricing: { errors: 40 },
      orders: { errors: 40 },
      gateway: { errors: 40 },
    });
    const r = rankRootCauses(input([...spans, ...bystanders(6)]));
    expect(names(r)[0]).toBe('fx');
    expect(r.candidates[0]!.kind === 'latency' || r.candidates[0]!.kind === 'errors').toBe(true);
    expect(r.candidates[0]!.evidence.some((e) => e.signal === 'self_time')).toBe(true);
    expect(r.candidates[0]!.evidence.some((e) => e.signal === 'origin_errors')).toBe(true);
    for (const caller of ['gateway', 'orders', 'pricing', 'rates']) expect(names(r).slice(0, 1)).not.toContain(caller);
  });

  it('walks blame past a caller that is degraded only by its callee', () => {
    // rates' own self time rises a little (it waits on retries) while fx rises a lot: fx first, rates after.
    const spans = chainFleet(['gateway', 'orders', 'rates', 'fx'], { rates: { selfMs: 6 * 1.6 }, fx: { selfMs: 80 } });
    const r = rankRootCauses(input([...spans, ...bystanders(6)]));
    expect(names(r)[0]).toBe('fx');
    expect(names(r).indexOf('rates')).toBeGreaterThan(0);
  });

  it('ranks two simultaneous faults in unrelated parts of the fleet at the top', () => {
    const left = chainFleet(['web', 'cart', 'stock'], { stock: { selfMs: 70 } });
    const right = chainFleet(['mobile', 'auth', 'tokens'], { tokens: { errors: 80, originErrors: 80 } });
    const r = rankRootCauses(input([...left, ...right, ...bystanders(6)]));
    expect(new Set(names(r).slice(0, 2))).toEqual(new Set(['stock', 'tokens']));
    const kinds = new Map(r.candidates.map((c) => [c.service, c.kind]));
    expect(kinds.get('stock')).toBe('latency');
    expect(kinds.get('tokens')).toBe('errors');
  });

  it('names an un-instrumented dependency from its callers’ outbound-call latency', () => {
    // Two services call a database that has no spans of its own: their
    // Client spans have no child, so their whole duration is the database's.
    const db = 'postgresql/db-main/orders';
    const calls = (service: string) => ({ service, operation: 'SELECT orders', kind: 'Client', target: db, targetKind: 'database', selfMs: 2 });
    const spans: SpanStat[] = [
      ...chainFleet(['gateway', 'orders', 'billing']),
      spanRow(calls('orders'), 0),
      spanRow({ ...calls('orders'), selfMs: 45 }, 1),
      spanRow(calls('billing'), 0),
      spanRow({ ...calls('billing'), selfMs: 45 }, 1),
      ...bystanders(6),
    ];
    const r = rankRootCauses(input(spans));
    const top = r.candidates[0]!;
    expect(top.service).toBe(db);
    expect(top.uninstrumented).toBe(true);
    expect(top.kind).toBe('latency');
    expect(top.evidence[0]!.signal).toBe('dependency_latency');
    expect(r.edges).toContainEqual(expect.objectContaining({ caller: 'orders', callee: db, uninstrumented: true }));
    // The callers are not blamed for the time they spent waiting on it.
    expect(r.candidates.find((c) => c.service === 'orders')?.evidence.some((e) => e.signal === 'self_time') ?? false).toBe(false);
  });

  it('blames the callee when all its callers see a longer gap, the caller when all its calls do', () => {
    // Network delay on `search`: calls from three callers all wait longer than search's server spans.
    const gaps = (caller: string, callee: string, win: number): SpanStat[] => {
      const op = { service: caller, operation: 'HTTP GET', kind: 'Client', target: callee, targetKind: 'service', selfMs: 1 };
      return [spanRow(op, 0), spanRow({ ...op, selfMs: win }, 1)];
    };
    const server = (s: string): SpanStat[] => [spanRow({ service: s, operation: `GET /${s}`, selfMs: 5 }, 0), spanRow({ service: s, operation: `GET /${s}`, selfMs: 5 }, 1)];
    const spans = [
      ...['web', 'mobile', 'partner', 'search', 'ads', 'geo'].flatMap(server),
      ...gaps('web', 'search', 30),
      ...gaps('mobile', 'search', 30),
      ...gaps('partner', 'search', 30),
      ...gaps('web', 'ads', 1),
      ...gaps('mobile', 'geo', 1),
      ...bystanders(6),
    ];
    const r = rankRootCauses(input(spans));
    expect(names(r)[0]).toBe('search');
    expect(r.candidates[0]!.kind).toBe('network');
  });

  it('reports the pod with the strongest resource evidence', () => {
    const metric = (service: string, instance: string, inWindow: 0 | 1, v: number): MetricStat => ({
      service, instance, metric: 'container.cpu.usage', attributes: '', inWindow, n: 10, q: [v * 0.95, v, v * 1.05],
    });
    const pods = ['a', 'b', 'c', 'd', 'e', 'f'];
    const metrics = pods.flatMap((s) => [metric(s, `${s}-1`, 0, 0.05), metric(s, `${s}-1`, 1, s === 'c' ? 0.9 : 0.055)]);
    metrics.push(metric('c', 'c-2', 0, 0.05), metric('c', 'c-2', 1, 0.05));
    const r = rankRootCauses(input(bystanders(4), metrics));
    expect(r.candidates[0]).toMatchObject({ service: 'c', instance: 'c-1', kind: 'cpu' });
  });

  it('does not mistake an idle pod doubling its tiny CPU for a resource fault; a stressed pod stands out', () => {
    // Most pods idle at a few millicores and wobble by ×2 from one scrape to the next; one pod is
    // put under a CPU stress (0.004 → 0.5 cores). The idle pod that doubled must not outrank it, and
    // on its own it is weak evidence (a doubling of a level far below the fleet's typical use).
    const metric = (service: string, inWindow: 0 | 1, v: number): MetricStat => ({
      service, instance: `${service}-1`, metric: 'container.cpu.usage', attributes: '', inWindow, n: 5, q: [v * 0.9, v, v * 1.1],
    });
    const idle = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const levels = [0.002, 0.003, 0.004, 0.003, 0.005, 0.002, 0.004, 0.003];
    const metrics = idle.flatMap((s, i) => [metric(s, 0, levels[i]!), metric(s, 1, levels[i]! * (s === 'b' ? 2.3 : 1.05))]);
    const r0 = rankRootCauses(input(bystanders(4), metrics));
    expect(r0.candidates.find((c) => c.service === 'b')?.anomaly ?? 0).toBeLessThan(0.3);
    metrics.push(metric('stressed', 0, 0.004), metric('stressed', 1, 0.5));
    const r = rankRootCauses(input(bystanders(4), metrics));
    expect(r.candidates[0]).toMatchObject({ service: 'stressed', kind: 'cpu' });
    expect(r.candidates[0]!.anomaly).toBeGreaterThan(0.6);
  });

  it('a new error-log template counts by how often it recurs, not by its share of a chatty service’s logs', () => {
    const spans = [...chainFleet(['web', 'cart', 'stock']), ...bystanders(4)];
    const volumes = (service: string, total: number) => [
      { service, instance: `${service}-0`, inWindow: 0, total, errors: 0 },
      { service, instance: `${service}-0`, inWindow: 1, total, errors: 0 },
    ];
    // 'stock' logs 20 000 lines a period; a template never seen before now appears 25 times (0.1 % of its logs).
    const r = rankRootCauses({
      ...input(spans),
      logVolumes: [...volumes('stock', 20_000), ...volumes('cart', 500)],
      logTemplates: [{ service: 'stock', instance: 'stock-0', template: 'ERROR StockServiceImpl#<n> [reserve][catch inventory exception]', inWindow: 1, n: 25 }],
    });
    expect(r.candidates[0]?.service).toBe('stock');
    const ev = r.candidates[0]!.evidence.find((e) => e.signal === 'new_log_template');
    expect(ev?.strength ?? 0).toBeGreaterThan(0.5);
  });

  it('names a rarely used endpoint that now fails, judged against how rarely the fleet fails', () => {
    // codes' endpoint ran 3 times in the baseline (no failures) and fails 5 of 7 times now; orders,
    // which calls it and a busier dependency, got somewhat slower. Alone, 0/3 → 5/7 is barely a
    // significant rise; against a fleet whose operations essentially never fail it is a clear one.
    const codes = { service: 'codes', operation: 'POST /verify', selfMs: 2 };
    const call = { service: 'orders', operation: 'HTTP POST', kind: 'Client', target: 'codes', targetKind: 'service', selfMs: 1 };
    const spans: SpanStat[] = [
      ...chainFleet(['gateway', 'orders', 'stock'], { orders: { selfMs: 5 * 1.6 } }),
      spanRow({ ...codes, calls: 3 }, 0),
      spanRow({ ...codes, calls: 7, errors: 5, originErrors: 5 }, 1),
      spanRow({ ...call, calls: 3 }, 0),
      spanRow({ ...call, calls: 7 }, 1),
      ...bystanders(6),
    ];
    const r = rankRootCauses(input(spans));
    expect(names(r)[0]).toBe('codes');
    const errors = r.candidates[0]!.evidence.find((e) => e.signal === 'origin_errors');
    expect(errors?.strength).toBeGreaterThan(0.7);
  });

  it('finds nothing in a fleet where nothing changed', () => {
    const spans = [...chainFleet(['a', 'b', 'c']), ...bystanders(5)];
    expect(rankRootCauses(input(spans)).candidates).toEqual([]);
  });
});

describe('personalizedPageRank', () => {
  it('keeps the mass on a degraded service whose callees are healthy, and drains callers as sick as it', () => {
    const edges = [
      { caller: 'a', callee: 'b', calls: 10, uninstrumented: false },
      { caller: 'b', callee: 'c', calls: 10, uninstrumented: false },
      { caller: 'c', callee: 'd', calls: 10, uninstrumented: false },
    ];
    const pr = personalizedPageRank(new Map([['a', 0.4], ['b', 0.5], ['c', 0.9], ['d', 0]]), edges);
    expect(pr.has('d')).toBe(false);
    expect(pr.get('c')!).toBeGreaterThan(pr.get('b')!);
    expect(pr.get('c')!).toBeGreaterThan(pr.get('a')!);
    const total = [...pr.values()].reduce((s, x) => s + x, 0);
    expect(total).toBeCloseTo(1, 6);
  });
});
