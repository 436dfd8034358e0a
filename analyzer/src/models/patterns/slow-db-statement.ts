/**
 * Slow database statements: database spans (db.system / db.system.name set)
 * lasting at least `slowDbThresholdMs` (100 ms, the line Sentry's slow DB query
 * detector and most APM "slow query" views draw), grouped by calling service,
 * caller operation, database and normalized statement, so one finding names
 * one statement to fix. The fleet-level p95 per statement is the aggregator's
 * job; here each finding is this trace's evidence.
 *
 * wasted_ms = summed time above the threshold: what bringing every execution
 * down to the threshold (an index, a narrower query) would save. It does not
 * guess how fast the fixed statement would be.
 */
import { ms, spanIdsOf } from './finding-parts.ts';
import type { OutboundCall, TraceCalls } from './trace-calls.ts';
import type { PatternFinding, ResolvedPatternOptions } from './types.ts';
import { nsToMs } from './types.ts';

export function detectSlowDbStatements(calls: TraceCalls, opts: ResolvedPatternOptions, out: PatternFinding[]): void {
  let groups: Map<string, OutboundCall[]> | undefined;
  for (const c of calls.calls) {
    if (!c.isDb || c.end - c.start < opts.slowDbThresholdNs) continue;
    groups ??= new Map();
    const parentName = calls.byId.get(c.span.parentSpanId)?.name ?? '';
    const key = `${c.callerService}\u0000${parentName}\u0000${c.key}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [c]);
    else g.push(c);
  }
  if (groups === undefined) return;
  const found: PatternFinding[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.start - b.start || a.end - b.end);
    found.push(finding(g, calls, opts));
  }
  out.push(...found);
}

function finding(group: readonly OutboundCall[], calls: TraceCalls, opts: ResolvedPatternOptions): PatternFinding {
  const first = group[0] as OutboundCall;
  let excess = 0;
  let total = 0;
  let max = 0;
  let oneParent = true;
  for (const c of group) {
    const d = c.end - c.start;
    excess += d - opts.slowDbThresholdNs;
    total += d;
    if (d > max) max = d;
    if (c.span.parentSpanId !== first.span.parentSpanId) oneParent = false;
  }
  const parent = calls.byId.get(first.span.parentSpanId);
  const times = group.length === 1 ? 'once' : `${group.length} times`;
  const base = {
    kind: 'slow-db-statement',
    service: first.callerService,
    operation: parent?.name ?? '',
    target: first.operation,
    spanIds: spanIdsOf(group),
    count: group.length,
    wasted_ms: nsToMs(excess),
    detail:
      `${first.callerService} runs \`${first.operation}\` on ${first.target} ${times} at ≥ ${opts.slowDbThresholdMs} ms ` +
      `(slowest ${ms(max)}, ${ms(total)} in total).`,
  } as const;
  return oneParent && first.span.parentSpanId !== '' ? { ...base, parentSpanId: first.span.parentSpanId } : base;
}
