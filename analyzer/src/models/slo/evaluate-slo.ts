import { burnRate, errorBudget, timeToExhaustionS, windowPairs, type BurnSeverity, type WindowPair } from './burn-rate.ts';
import { countAtOrUnder, quantileFromBuckets } from './latency-buckets.ts';
import { objectiveKey, successTarget, type SloObjective } from './objectives.ts';

/** What the rollups hold for one trailing window (ending now). */
export interface WindowData {
  /** Requests (entry spans, or spans of the operation). */
  readonly calls: number;
  /** Of which status Error. */
  readonly errors: number;
  /** Latency bucket index → requests (latency-buckets.ts); only needed for latency objectives. */
  readonly buckets: ReadonlyMap<number, number>;
}

export interface WindowBurn {
  readonly windowS: number;
  readonly total: number;
  readonly bad: number;
  readonly burnRate: number;
}

export interface PairStatus {
  readonly pair: WindowPair;
  readonly long: WindowBurn;
  readonly short: WindowBurn;
  /** Both windows burn faster than the pair's factor. */
  readonly firing: boolean;
}

export interface ObjectiveStatus {
  readonly key: string;
  readonly objective: SloObjective;
  /** Share of good events the SLO asks for. */
  readonly target: number;
  /** Good / total over the SLO period; null without traffic. */
  readonly sli: number | null;
  readonly total: number;
  readonly good: number;
  readonly bad: number;
  /** Share of the period's error budget not yet spent (negative once overspent). */
  readonly budgetRemaining: number;
  /** Latency only: whether the threshold is a bucket edge (exact counts) or interpolated. */
  readonly exact: boolean;
  /** Latency only: the observed value of the objective's percentile over the period, ms. */
  readonly observedPercentileMs?: number;
  /** Burn rate over the whole period so far. */
  readonly periodBurnRate: number;
  /** At the 1 h burn rate, seconds until the remaining budget is gone; null when not burning. */
  readonly exhaustionS: number | null;
  readonly pairs: readonly PairStatus[];
  readonly alerts: Readonly<Record<BurnSeverity, boolean>>;
}

/** Every trailing window an SLO of this period needs, seconds, longest first. */
export function requiredWindows(periodS: number): number[] {
  const set = new Set<number>([periodS]);
  for (const p of windowPairs(periodS)) set.add(p.longS).add(p.shortS);
  return [...set].sort((a, b) => b - a);
}

/** Good and total events of one window for an objective. */
export function countEvents(o: SloObjective, w: WindowData): { total: number; good: number; exact: boolean } {
  if (o.kind === 'latency') return countAtOrUnder(w.buckets, o.thresholdMs);
  return { total: w.calls, good: Math.max(0, w.calls - w.errors), exact: true };
}

const EMPTY: WindowData = { calls: 0, errors: 0, buckets: new Map() };

/**
 * An objective's status from the trailing windows `requiredWindows(periodS)`
 * names (a missing window counts as no traffic).
 */
export function evaluateObjective(o: SloObjective, periodS: number, windows: ReadonlyMap<number, WindowData>): ObjectiveStatus {
  const target = successTarget(o);
  const budget = errorBudget(target);
  const burnOf = (windowS: number): WindowBurn => {
    const c = countEvents(o, windows.get(windowS) ?? EMPTY);
    const bad = c.total - c.good;
    return { windowS, total: c.total, bad, burnRate: burnRate(bad, c.total, target) };
  };
  const period = windows.get(periodS) ?? EMPTY;
  const counted = countEvents(o, period);
  const bad = counted.total - counted.good;
  const pairs = windowPairs(periodS).map((pair): PairStatus => {
    const long = burnOf(pair.longS);
    const short = burnOf(pair.shortS);
    return { pair, long, short, firing: long.burnRate > pair.factor && short.burnRate > pair.factor };
  });
  // Budget spent = bad events / the bad events the period allows at this traffic.
  const budgetRemaining = counted.total === 0 ? 1 : budget <= 0 ? (bad > 0 ? -Infinity : 1) : 1 - bad / (counted.total * budget);
  const hourBurn = pairs[0]?.long.burnRate ?? 0;
  const exhaustion = timeToExhaustionS(hourBurn, periodS, budgetRemaining);
  const observed = o.kind === 'latency' ? quantileFromBuckets(period.buckets, o.percentile / 100) : undefined;
  return {
    key: objectiveKey(o),
    objective: o,
    target,
    sli: counted.total === 0 ? null : counted.good / counted.total,
    total: counted.total,
    good: counted.good,
    bad,
    budgetRemaining,
    exact: counted.exact,
    ...(observed === undefined ? {} : { observedPercentileMs: observed }),
    periodBurnRate: burnRate(bad, counted.total, target),
    exhaustionS: Number.isFinite(exhaustion) ? exhaustion : null,
    pairs,
    alerts: {
      fast: pairs.some((p) => p.pair.severity === 'fast' && p.firing),
      slow: pairs.some((p) => p.pair.severity === 'slow' && p.firing),
    },
  };
}
