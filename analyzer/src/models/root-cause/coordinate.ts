/**
 * The cross-system view of a window: which services' RED series moved
 * together (and which led), how the top root cause reaches the entry
 * points, and what to do in which order. Pure functions over reduced data.
 */
import { median } from './stats.ts';
import type { FaultKind, GraphEdge, RootCauseCandidate } from './types.ts';

/** Pearson correlation of a[t] with b[t + lag] over the overlap; NaN when either side is flat or too short. */
export function laggedCorrelation(a: readonly number[], b: readonly number[], lag: number): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = 0; t < a.length; t++) {
    const u = t + lag;
    if (u < 0 || u >= b.length) continue;
    const x = a[t]!;
    const y = b[u]!;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      xs.push(x);
      ys.push(y);
    }
  }
  if (xs.length < 4) return NaN;
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** The lag in [−maxLag, maxLag] with the highest correlation (ties: the smallest |lag|). */
export function bestLag(a: readonly number[], b: readonly number[], maxLag: number): { lag: number; correlation: number } | undefined {
  let best: { lag: number; correlation: number } | undefined;
  for (let d = 0; d <= maxLag; d++) {
    for (const lag of d === 0 ? [0] : [d, -d]) {
      const c = laggedCorrelation(a, b, lag);
      if (Number.isFinite(c) && (!best || c > best.correlation + 1e-9)) best = { lag, correlation: c };
    }
  }
  return best;
}

/**
 * A service's degradation over time: per bucket, how far its latency and
 * error rate sit above their levels in the reference buckets (the ones
 * before the window), in robust SDs, the larger of the two.
 */
export function degradationSeries(latency: readonly (number | null)[], errorRate: readonly (number | null)[], referenceBuckets: number): number[] {
  const z = (xs: readonly (number | null)[]): number[] => {
    const ref = xs.slice(0, referenceBuckets).filter((x): x is number => x !== null && Number.isFinite(x));
    const med = median(ref);
    const mad = median(ref.map((x) => Math.abs(x - med)));
    const scale = Math.max(1.4826 * mad, Math.abs(med) * 0.05, 1e-9);
    return xs.map((x) => (x === null || !Number.isFinite(x) ? NaN : (x - med) / scale));
  };
  const l = z(latency);
  const e = z(errorRate);
  return l.map((x, i) => {
    const y = e[i]!;
    if (Number.isNaN(x)) return Number.isNaN(y) ? NaN : y;
    return Number.isNaN(y) ? x : Math.max(x, y);
  });
}

export interface Comovement {
  readonly a: string;
  readonly b: string;
  readonly correlation: number;
  /** Buckets by which b follows a (negative: b leads). */
  readonly lagBuckets: number;
}

/** Pairs of services whose degradation series move together (correlation ≥ minCorrelation at the best lag). */
export function comovements(series: ReadonlyMap<string, readonly number[]>, maxLag: number, minCorrelation = 0.6): Comovement[] {
  const names = [...series.keys()].sort();
  const out: Comovement[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const best = bestLag(series.get(names[i]!)!, series.get(names[j]!)!, maxLag);
      if (best && best.correlation >= minCorrelation) out.push({ a: names[i]!, b: names[j]!, correlation: best.correlation, lagBuckets: best.lag });
    }
  }
  return out.sort((x, y) => y.correlation - x.correlation || x.a.localeCompare(y.a));
}

/** Entry points reach `root` along these paths (entry first, root last): callers walked upward, shortest first. */
export function propagationPaths(root: string, edges: readonly GraphEdge[], maxPaths = 5): string[][] {
  const callers = new Map<string, string[]>();
  const hasCaller = new Set<string>();
  for (const e of edges) {
    if (e.caller === e.callee) continue;
    callers.set(e.callee, [...(callers.get(e.callee) ?? []), e.caller]);
    hasCaller.add(e.callee);
  }
  const paths: string[][] = [];
  // Breadth-first from the root towards callers: shortest paths to each entry point first.
  const queue: string[][] = [[root]];
  const seenEntry = new Set<string>();
  while (queue.length > 0 && paths.length < maxPaths) {
    const path = queue.shift()!;
    const head = path[0]!;
    const up = (callers.get(head) ?? []).filter((c) => !path.includes(c)).sort();
    if (up.length === 0) {
      if (path.length > 1 && !seenEntry.has(head)) {
        seenEntry.add(head);
        paths.push(path);
      }
      continue;
    }
    for (const c of up) queue.push([c, ...path]);
    if (queue.length > 10_000) break;
  }
  return paths;
}

export interface Action {
  readonly order: number;
  readonly service: string;
  readonly kind: FaultKind;
  readonly action: string;
  /** Services expected to recover once this is fixed (they sit upstream of it and are degraded). */
  readonly expectedRecovery: readonly string[];
}

/**
 * Fix order: each root cause in rank order, skipping candidates that sit
 * upstream of an earlier one (they are its victims and should recover with
 * it); each action names the upstream services expected to recover.
 */
export function planActions(candidates: readonly RootCauseCandidate[], edges: readonly GraphEdge[], maxActions = 5): Action[] {
  const callers = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!callers.has(e.callee)) callers.set(e.callee, new Set());
    callers.get(e.callee)!.add(e.caller);
  }
  const upstream = (s: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [s];
    while (stack.length > 0) {
      for (const c of callers.get(stack.pop()!) ?? []) {
        if (!seen.has(c) && c !== s) {
          seen.add(c);
          stack.push(c);
        }
      }
    }
    return seen;
  };
  const anomalous = new Set(candidates.map((c) => c.service));
  const covered = new Set<string>();
  const actions: Action[] = [];
  for (const c of candidates) {
    if (actions.length >= maxActions) break;
    if (covered.has(c.service)) continue;
    const up = upstream(c.service);
    const recover = [...up].filter((s) => anomalous.has(s) && !covered.has(s)).sort();
    for (const s of [c.service, ...up]) covered.add(s);
    const top = c.evidence[0];
    const what = c.uninstrumented ? `${c.service} (a dependency without its own telemetry)` : c.service + (c.instance ? ` (pod ${c.instance})` : '');
    actions.push({
      order: actions.length + 1,
      service: c.service,
      kind: c.kind,
      action: `${actions.length === 0 ? 'Fix' : 'Then fix'} ${what} first-hand: ${c.kind}${top ? ` — ${top.detail}` : ''}${recover.length > 0 ? `; ${recover.join(', ')} should recover with it` : ''}`,
      expectedRecovery: recover,
    });
  }
  return actions;
}
