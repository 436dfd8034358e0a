import { collectEvidence, serviceGraph } from './evidence.ts';
import type { Evidence, FaultKind, GraphEdge, RootCauseCandidate, RootCauseInput, RootCauseRanking } from './types.ts';

export interface RankOptions {
  /** Probability of following an edge rather than restarting at an anomalous node (PageRank's damping). */
  readonly damping: number;
  /** Weight of stepping back to a caller relative to moving on to a callee (MonitorRank's backward edges). */
  readonly backward: number;
  /** Evidence kept per candidate in the answer. */
  readonly evidencePerCandidate: number;
  readonly iterations: number;
  /** Share of the strongest anomaly an entity needs to join the walk's subgraph. */
  readonly subgraphShare: number;
}

export const DEFAULT_RANK_OPTIONS: RankOptions = { damping: 0.85, backward: 0.1, evidencePerCandidate: 8, iterations: 200, subgraphShare: 0.3 };

/**
 * Own anomaly of each entity: its strongest piece of evidence. Not a
 * noisy-OR across families: the families are not independent (a load swing
 * moves CPU, network and latency together), and summing them would favour
 * whichever service exports the most metrics over the one with one clear
 * fault. Several operations of one family do not add up either: one slow
 * service has many slow operations.
 */
export function anomalyScores(evidence: readonly Evidence[]): Map<string, { anomaly: number; kind: FaultKind; instance?: string }> {
  const perFamily = new Map<string, Map<FaultKind, Evidence>>();
  for (const e of evidence) {
    const fams = perFamily.get(e.entity) ?? new Map<FaultKind, Evidence>();
    const prev = fams.get(e.kind);
    if (!prev || prev.strength < e.strength) fams.set(e.kind, e);
    perFamily.set(e.entity, fams);
  }
  const out = new Map<string, { anomaly: number; kind: FaultKind; instance?: string }>();
  for (const [entity, fams] of perFamily) {
    const top = [...fams.values()].sort((a, b) => b.strength - a.strength)[0];
    if (!top) continue;
    const withInstance = evidence.find((e) => e.entity === entity && e.instance !== undefined);
    out.set(entity, {
      anomaly: top.strength,
      kind: top.kind,
      ...(withInstance?.instance ? { instance: withInstance.instance } : {}),
    });
  }
  return out;
}

/**
 * Personalized PageRank on the anomaly subgraph (after MonitorRank /
 * MicroRank / CloudRanger): blame flows downhill along the service graph,
 * from effects towards causes. The walker stands on a service v and
 *   moves to a callee u with weight max(0, A(u) − A(v)) — towards a
 *     dependency that is more anomalous than v, which would explain v;
 *   steps back to a caller w with weight ρ·max(0, A(w) − A(v)) — the same
 *     gradient upstream, damped (callers are usually victims, but a caller
 *     can also overload its callee);
 *   stays with weight A(v) — its own anomaly explains itself;
 * and restarts, with probability 1 − damping, at a node drawn ∝ A.
 * Nodes without anomaly are never entered. The stationary distribution is
 * the ranking: a degraded service whose callees are healthier keeps the
 * walk, callers that are only as sick as their dependency pass it on
 * — no per-case rules.
 */
export function personalizedPageRank(
  anomaly: ReadonlyMap<string, number>,
  edges: readonly GraphEdge[],
  opts: Pick<RankOptions, 'damping' | 'backward' | 'iterations'> = DEFAULT_RANK_OPTIONS,
): Map<string, number> {
  const nodes = [...anomaly.keys()].filter((n) => (anomaly.get(n) ?? 0) > 0).sort();
  const index = new Map(nodes.map((n, i) => [n, i]));
  const a = nodes.map((n) => anomaly.get(n) ?? 0);
  const callees: number[][] = nodes.map(() => []);
  const callers: number[][] = nodes.map(() => []);
  for (const e of edges) {
    const i = index.get(e.caller);
    const j = index.get(e.callee);
    if (i === undefined || j === undefined || i === j) continue;
    if (!callees[i]!.includes(j)) callees[i]!.push(j);
    if (!callers[j]!.includes(i)) callers[j]!.push(i);
  }
  // Transition rows: [target, probability][].
  const rows = nodes.map((_, i) => {
    const out: [number, number][] = [];
    for (const j of callees[i]!) out.push([j, Math.max(0, a[j]! - a[i]!)]);
    for (const w of callers[i]!) out.push([w, opts.backward * Math.max(0, a[w]! - a[i]!)]);
    out.push([i, a[i]!]);
    const total = out.reduce((s, [, p]) => s + p, 0);
    return total > 0 ? out.map(([j, p]): [number, number] => [j, p / total]) : [[i, 1] as [number, number]];
  });
  const aSum = a.reduce((s, x) => s + x, 0);
  const restart = a.map((x) => (aSum > 0 ? x / aSum : 0));
  let pi = [...restart];
  for (let it = 0; it < opts.iterations; it++) {
    const next = restart.map((r) => (1 - opts.damping) * r);
    pi.forEach((mass, i) => {
      for (const [j, p] of rows[i]!) next[j]! += opts.damping * mass * p;
    });
    const delta = next.reduce((s, x, i) => s + Math.abs(x - pi[i]!), 0);
    pi = next;
    if (delta < 1e-12) break;
  }
  return new Map(nodes.map((n, i) => [n, pi[i]!]));
}

/** Evidence → anomalies → propagation-aware ranking of root-cause candidates, most likely first. */
export function rankRootCauses(input: RootCauseInput, opts: RankOptions = DEFAULT_RANK_OPTIONS): RootCauseRanking {
  const evidence = collectEvidence(input);
  const edges = serviceGraph(input.spans);
  const withSpans = new Set(input.spans.map((s) => s.service));
  const scores = anomalyScores(evidence);
  // The anomaly subgraph: entities at least `subgraphShare` as anomalous as the most anomalous one.
  // Below that, evidence is the fleet's background noise; inside the walk, many faintly anomalous
  // callers would pour their restart mass into whichever hub they share.
  const maxAnomaly = Math.max(0, ...[...scores.values()].map((v) => v.anomaly));
  const inSubgraph = [...scores].filter(([, v]) => v.anomaly >= opts.subgraphShare * maxAnomaly);
  const pr = personalizedPageRank(new Map(inSubgraph.map(([k, v]) => [k, v.anomaly])), edges, opts);
  // Entities outside the subgraph follow, by their own anomaly, with a score of 0.
  const ranked: [string, number][] = [...pr].filter(([, p]) => p > 0);
  for (const [k] of [...scores].filter(([k, v]) => !pr.has(k) && v.anomaly > 0).sort((x, y) => y[1].anomaly - x[1].anomaly)) ranked.push([k, 0]);
  const candidates: RootCauseCandidate[] = ranked
    .map(([entity, p]) => {
      const s = scores.get(entity)!;
      return {
        service: entity,
        ...(s.instance ? { instance: s.instance } : {}),
        score: p,
        anomaly: s.anomaly,
        kind: s.kind,
        uninstrumented: !withSpans.has(entity),
        evidence: evidence.filter((e) => e.entity === entity).slice(0, opts.evidencePerCandidate),
      };
    })
    .sort((x, y) => y.score - x.score || y.anomaly - x.anomaly || x.service.localeCompare(y.service));
  return { candidates, edges: edges.map((e) => ({ ...e, uninstrumented: !withSpans.has(e.callee) })) };
}
