import { flowEvidence, handOverErrors } from './flows.ts';
import { familyTwoSided, resourceFamily } from './metric-families.ts';
import { countRise, latencySpreadFloor, logLatency, medianShift, median, proportionRise, betaBinomialRise, ratePrior, standout, standoutStrength } from './stats.ts';
import type { Evidence, GraphEdge, LogTemplate, LogVolume, MetricStat, RootCauseInput, SpanStat } from './types.ts';

const fmtMs = (ns: number): string => `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 0)} ms`;
const pct = (k: number, n: number): string => `${n > 0 ? ((100 * k) / n).toFixed(1) : '0'}%`;

/** Fewest calls per period for a latency median (and its spread) to mean anything. */
const MIN_CALLS = 5;
/** Fewest metric points per period (a minute apiece at the usual export interval). */
const MIN_POINTS = 3;

/** Client and producer spans with a target are calls out: their self time is the callee's (or the wire's), not the caller's. */
function isOutbound(r: SpanStat): boolean {
  return r.target !== '' && (r.kind === 'Client' || r.kind === 'Producer' || r.targetKind !== 'service');
}

function pairBy<T extends { inWindow: number }>(rows: readonly T[], key: (r: T) => string): Map<string, { b?: T; w?: T }> {
  const out = new Map<string, { b?: T; w?: T }>();
  for (const r of rows) {
    const k = key(r);
    const p = out.get(k) ?? {};
    if (r.inWindow) p.w = r;
    else p.b = r;
    out.set(k, p);
  }
  return out;
}

function add(map: Map<string, { b: number; w: number }>, k: string, inWindow: number, v: number): void {
  const e = map.get(k) ?? { b: 0, w: 0 };
  if (inWindow) e.w += v;
  else e.b += v;
  map.set(k, e);
}

/**
 * Self-time shifts, per operation and instance; outbound calls speak for
 * their target. Each class of shift (own self time, gaps before instrumented
 * callees, calls into un-instrumented dependencies) is standardised against
 * the fleet's shifts (common-mode rejection).
 *
 * A gap between a client span and the callee's server span grows when the
 * wire or the callee's front door is slow — or when the caller itself is
 * starved (its HTTP client runs late). Which end is to blame shows in the
 * pattern: gaps into one callee from all its callers point at the callee,
 * gaps from one caller into all its callees point at the caller. Each gap's
 * strength is split between the two ends in proportion to those shares.
 */
function latencyEvidence(spans: readonly SpanStat[]): Evidence[] {
  interface Item { b: SpanStat; w: SpanStat; cls: 'self' | 'gap' | 'dep'; effect: number; z: number }
  const items: Item[] = [];
  for (const { b, w } of pairBy(spans, (r) => JSON.stringify([r.service, r.instance, r.operation, r.kind, r.target])).values()) {
    if (!b || !w) continue;
    const c = medianShift({ q: b.selfQ, n: b.calls }, { q: w.selfQ, n: w.calls }, { transform: logLatency, minSpread: latencySpreadFloor, minSamples: MIN_CALLS, widerSpread: true });
    const cls = !isOutbound(w) ? 'self' : w.targetKind === 'service' ? 'gap' : 'dep';
    items.push({ b, w, cls, effect: c.effect, z: c.z });
  }
  // One population for all three classes: a load swing stretches every span alike, and a class can be
  // as small as the one dependency that broke (standardising it against itself would erase it).
  const adjust = standout(items.map((i) => i.effect));
  const scored = items
    .map((i) => {
      const adjusted = adjust(i.effect);
      return { ...i, adjusted, strength: standoutStrength(adjusted, i.z) };
    })
    .filter((i) => i.strength > 0);
  // Gap blame shares: of each callee's callers / each caller's callees, how many show a rising gap.
  const gapEdges = items.filter((i) => i.cls === 'gap');
  const rising = new Set(scored.filter((i) => i.cls === 'gap').map((i) => `${i.w.service}\u0000${i.w.target}`));
  const share = (side: 'caller' | 'callee', name: string): number => {
    const edges = new Set(gapEdges.filter((i) => (side === 'callee' ? i.w.target : i.w.service) === name).map((i) => `${i.w.service}\u0000${i.w.target}`));
    let up = 0;
    for (const e of edges) if (rising.has(e)) up++;
    return edges.size > 0 ? up / edges.size : 0;
  };
  const out: Evidence[] = [];
  for (const i of scored) {
    const { b, w } = i;
    const base = { baseline: b.selfQ[1] ?? 0, window: w.selfQ[1] ?? 0, effect: i.adjusted, z: i.z };
    const change = `${fmtMs(base.baseline)} → ${fmtMs(base.window)} median over ${w.calls} calls`;
    if (i.cls === 'gap') {
      const toCallee = share('callee', w.target);
      const toCaller = share('caller', w.service);
      const total = toCallee + toCaller || 1;
      out.push({ entity: w.target, kind: 'network', signal: 'network_gap', operation: w.operation, ...base, strength: (i.strength * toCallee) / total,
        detail: `calls from ${w.service} (${w.operation}) wait longer than ${w.target}'s own server spans take: gap ${change}` });
      out.push({ entity: w.service, ...(w.instance ? { instance: w.instance } : {}), kind: 'latency', signal: 'network_gap', operation: w.operation, ...base, strength: (i.strength * toCaller) / total,
        detail: `outbound calls to ${w.target} (${w.operation}) take longer than ${w.target}'s server spans: gap ${change}; most of its callees show it too, so the caller is slow to send/receive` });
    } else if (i.cls === 'dep') {
      out.push({ entity: w.target, kind: 'latency', signal: 'dependency_latency', operation: w.operation, ...base, strength: i.strength,
        detail: `${w.targetKind} ${w.target} has no spans of its own; ${w.service}'s calls to it (${w.operation}) ${change}` });
    } else {
      out.push({ entity: w.service, ...(w.instance ? { instance: w.instance } : {}), kind: 'latency', signal: 'self_time', operation: w.operation, ...base, strength: i.strength,
        detail: `self time of ${w.kind} ${w.operation} ${change}` });
    }
  }
  return out.filter((e) => e.strength > 0);
}

/** Errors that start at an entity (no erroring child), pooled over its operations, per instance. */
function errorEvidence(spans: readonly SpanStat[]): Evidence[] {
  const calls = new Map<string, { b: number; w: number }>();
  const errs = new Map<string, { b: number; w: number }>();
  for (const r of spans) {
    const outbound = isOutbound(r);
    const entity = outbound ? r.target : r.service;
    // Per operation: a new failure mode in one endpoint is diluted to nothing when pooled over a busy service.
    const key = JSON.stringify([entity, outbound ? '' : r.instance, outbound ? r.targetKind : '', outbound ? 1 : 0, outbound ? `${r.service}: ${r.operation}` : `${r.kind} ${r.operation}`]);
    add(calls, key, r.inWindow, r.calls);
    add(errs, key, r.inWindow, r.originErrors);
  }
  // Per operation, baselines are often a handful of calls: both periods' shares are judged in a
  // beta-binomial model whose prior is fitted to every operation's baseline (empirical Bayes), so a
  // rarely used endpoint that now fails is judged against what operations of this fleet fail at
  // rather than against its 3 calls alone, and small counts get an exact test, not a normal one.
  const prior = ratePrior([...calls].map(([key, n]) => ({ k: errs.get(key)?.b ?? 0, n: n.b })));
  const out: Evidence[] = [];
  for (const [key, e] of errs) {
    const n = calls.get(key) ?? { b: 0, w: 0 };
    // An operation the baseline never ran has no share to rise from (its appearance is behaviour evidence).
    if (e.w === 0 || n.b === 0) continue;
    const c = betaBinomialRise(e.b, n.b, e.w, n.w, prior);
    if (c.strength <= 0) continue;
    const [entity, instance, targetKind, outbound, op] = JSON.parse(key) as [string, string, string, number, string];
    out.push({
      entity,
      ...(instance ? { instance } : {}),
      kind: 'errors',
      signal: outbound ? 'dependency_errors' : 'origin_errors',
      operation: op,
      detail: outbound
        ? `calls into ${targetKind === 'service' ? '' : `${targetKind} `}${entity} fail on the caller's side (no erroring span of its own below): ${pct(e.b, n.b)} → ${pct(e.w, n.w)} (${op})`
        : `errors that start here (deepest erroring span): ${pct(e.b, n.b)} → ${pct(e.w, n.w)} of ${op} spans, ${e.w} in the window`,
      baseline: n.b > 0 ? e.b / n.b : 0,
      window: e.w / n.w,
      effect: c.effect,
      z: c.z,
      strength: c.strength,
    });
  }
  return out;
}

/** Operations (and call targets) a service ran in one period and not in the other, pooled over instances. */
function behaviorEvidence(spans: readonly SpanStat[]): Evidence[] {
  const totals = new Map<string, { b: number; w: number }>();
  const ops = new Map<string, { b: number; w: number }>();
  for (const r of spans) {
    add(totals, r.service, r.inWindow, r.calls);
    add(ops, JSON.stringify([r.service, r.operation, r.kind, r.target]), r.inWindow, r.calls);
  }
  const best = new Map<string, Evidence>();
  for (const [key, o] of ops) {
    const [service, operation, kind, target] = JSON.parse(key) as [string, string, string, string];
    const t = totals.get(service) ?? { b: 0, w: 0 };
    if (t.b === 0 || t.w === 0 || (o.b > 0 && o.w > 0)) continue;
    const isNew = o.b === 0;
    const c = isNew ? proportionRise(0, t.b, o.w, t.w) : proportionRise(0, t.w, o.b, t.b);
    if (c.strength <= 0) continue;
    const label = `${kind} ${operation}${target ? ` → ${target}` : ''}`;
    const ev: Evidence = {
      entity: service,
      kind: 'behavior',
      signal: isNew ? 'new_operation' : 'vanished_operation',
      operation,
      detail: isNew
        ? `new operation ${label}: ${o.w} of ${t.w} spans in the window, none of ${t.b} before`
        : `vanished operation ${label}: ${o.b} of ${t.b} spans before, none of ${t.w} in the window`,
      baseline: o.b / t.b,
      window: o.w / t.w,
      effect: c.effect,
      z: c.z,
      strength: c.strength,
    };
    const prev = best.get(key);
    if (!prev || prev.strength < ev.strength) best.set(key, ev);
  }
  return [...best.values()];
}

/**
 * Resource metrics (CPU, memory, network, GC, event loop) per instance: the
 * median shift on a log scale (levels differ by orders of magnitude between
 * pods; a fault multiplies), in baseline spreads, then standardised against
 * the same metric on the rest of the fleet (a load swing moves every pod).
 */
function metricEvidence(metrics: readonly MetricStat[]): Evidence[] {
  interface Item { b: MetricStat; w: MetricStat; family: NonNullable<ReturnType<typeof resourceFamily>>; effect: number; z: number }
  // Per metric, an offset of the fleet's median baseline level: the ratio is (w + m) / (b + m), so a
  // change counts by how much it is against what a typical pod uses. A pod at 0.5 cores that was
  // idle multiplies its level dozens of times; an idle pod going from 0.002 to 0.004 cores (a doubling
  // that any scrape jitter or one request makes) barely moves against a fleet median of 0.01 — it is
  // not a resource fault. (An offset of ~0 would make every idle pod's wiggle a large log ratio.)
  const offsets = new Map<string, number>();
  for (const [metric, levels] of groupBy(metrics.filter((m) => !m.inWindow), (m) => m.metric)) {
    offsets.set(metric, Math.max(1e-12, median(levels.map((m) => Math.abs(m.q[1] ?? 0)))));
  }
  const items: Item[] = [];
  for (const { b, w } of pairBy(metrics, (r) => JSON.stringify([r.service, r.instance, r.metric, r.attributes])).values()) {
    if (!b || !w) continue;
    const family = resourceFamily(w.metric);
    if (!family) continue;
    const off = offsets.get(w.metric) ?? 1e-12;
    // Levels are rarely steadier than ±5 %: floor the spread so flat baselines do not turn wiggles into effects.
    const c = medianShift({ q: b.q, n: b.n }, { q: w.q, n: w.n }, {
      transform: (x) => Math.log(Math.max(0, x) + off),
      minSpread: () => 0.05,
      twoSided: familyTwoSided(family),
      minSamples: MIN_POINTS,
    });
    // The effect is the log ratio of the medians (how many times the level changed), so a stress that
    // ramps inside the window is not discounted by the window's own spread; the test above gates it.
    const ratio = Math.log(Math.max(0, w.q[1] ?? 0) + off) - Math.log(Math.max(0, b.q[1] ?? 0) + off);
    if (c.z > 0) items.push({ b, w, family, effect: familyTwoSided(family) ? Math.abs(ratio) : ratio, z: c.z });
  }
  const out: Evidence[] = [];
  for (const [, group] of groupBy(items, (i) => i.w.metric)) {
    // One robust SD is at least a doubling against the fleet's typical level: per-minute gauges of
    // lightly loaded pods halve and double with single requests, so a fleet that happens to be quiet
    // in one scrape would otherwise make that churn look like several SDs. Resource faults (a CPU
    // stress, a leak, a saturated link) move a pod by orders of magnitude against that scale.
    const adjust = standout(group.map((i) => i.effect), Math.log(2));
    for (const { b, w, family, effect, z } of group) {
      const adjusted = adjust(effect);
      const strength = standoutStrength(adjusted, z);
      if (strength <= 0) continue;
      const w50 = w.q[1] ?? 0;
      const name = w.attributes ? `${w.metric}{${w.attributes}}` : w.metric;
      out.push({
        entity: w.service,
        ...(w.instance ? { instance: w.instance } : {}),
        kind: family,
        signal: 'resource_metric',
        operation: name,
        detail: `${name} median ${fmtNum(b.q[1] ?? 0)} → ${fmtNum(w50)} (${w.n} points vs ${b.n} before; ${adjusted.toFixed(1)} robust SDs beyond the fleet's change)`,
        baseline: b.q[1] ?? 0,
        window: w50,
        effect: adjusted,
        z,
        strength,
      });
    }
  }
  return out;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return m;
}

function fmtNum(x: number): string {
  return Math.abs(x) >= 1000 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(2) : x.toFixed(3);
}

/** Error-level log share per instance, and error templates never seen before, per service. */
function logEvidence(volumes: readonly LogVolume[], templates: readonly LogTemplate[]): Evidence[] {
  const out: Evidence[] = [];
  for (const { b, w } of pairBy(volumes, (r) => JSON.stringify([r.service, r.instance])).values()) {
    if (!b || !w || w.errors === 0) continue;
    const c = proportionRise(b.errors, b.total, w.errors, w.total);
    if (c.strength <= 0) continue;
    out.push({
      entity: w.service,
      ...(w.instance ? { instance: w.instance } : {}),
      kind: 'errors',
      signal: 'log_error_rate',
      detail: `error-level logs ${pct(b.errors, b.total)} → ${pct(w.errors, w.total)} of records (${w.errors} in the window)`,
      baseline: b.errors / Math.max(1, b.total),
      window: w.errors / Math.max(1, w.total),
      effect: c.effect,
      z: c.z,
      strength: c.strength,
    });
  }
  const totals = new Map<string, { b: number; w: number }>();
  for (const v of volumes) add(totals, v.service, v.inWindow, v.total);
  const perTemplate = new Map<string, { b: number; w: number; instances: Map<string, number> }>();
  for (const t of templates) {
    const k = JSON.stringify([t.service, t.template]);
    const e = perTemplate.get(k) ?? { b: 0, w: 0, instances: new Map<string, number>() };
    if (t.inWindow) {
      e.w += t.n;
      e.instances.set(t.instance, (e.instances.get(t.instance) ?? 0) + t.n);
    } else e.b += t.n;
    perTemplate.set(k, e);
  }
  const best = new Map<string, Evidence>();
  for (const [k, e] of perTemplate) {
    if (e.b > 0 || e.w === 0) continue;
    const [service, template] = JSON.parse(k) as [string, string];
    const t = totals.get(service);
    if (!t || t.b === 0 || t.w === 0) continue;
    // Exposure = the service's log volume in each period (log coverage can differ between the periods).
    const c = countRise(e.b, t.b, e.w, t.w);
    if (c.strength <= 0) continue;
    const instance = [...e.instances].sort((x, y) => y[1] - x[1])[0]?.[0] ?? '';
    const ev: Evidence = {
      entity: service,
      ...(instance ? { instance } : {}),
      kind: 'errors',
      signal: 'new_log_template',
      detail: `new error log template (${e.w}× in the window, never before): ${template}`,
      baseline: 0,
      window: e.w / t.w,
      effect: c.effect,
      z: c.z,
      strength: c.strength,
    };
    const prev = best.get(service);
    if (!prev || prev.strength < ev.strength) best.set(service, ev);
  }
  return [...out, ...best.values()];
}

/** Every piece of evidence of the window against the baseline, strongest first. */
export function collectEvidence(input: RootCauseInput): Evidence[] {
  const flows = flowEvidence(input.flows);
  return [
    ...latencyEvidence(input.spans),
    ...handOverErrors(errorEvidence(input.spans), flows.handoffs),
    ...behaviorEvidence(input.spans),
    ...metricEvidence(input.metrics),
    ...logEvidence(input.logVolumes, input.logTemplates),
    ...flows.evidence,
  ]
    .filter((e) => e.strength > 0)
    .sort((a, b) => b.strength - a.strength);
}

/** Caller → callee edges seen in either period (a call that stops in the window still tells who depends on whom). */
export function serviceGraph(spans: readonly SpanStat[]): GraphEdge[] {
  const edges = new Map<string, { caller: string; callee: string; calls: number; uninstrumented: boolean }>();
  for (const r of spans) {
    if (r.target === '' || r.target === r.service) continue;
    const k = `${r.service}\u0000${r.target}`;
    const e = edges.get(k) ?? { caller: r.service, callee: r.target, calls: 0, uninstrumented: r.targetKind !== 'service' };
    e.calls += r.calls;
    edges.set(k, e);
  }
  return [...edges.values()];
}
