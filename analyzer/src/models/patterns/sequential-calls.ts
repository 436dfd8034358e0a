/**
 * Sequential calls that could run in parallel: a span that calls several
 * different services (or databases) one after the other when nothing in the
 * timing says one call needs the previous one's answer. After Sentry's
 * "consecutive HTTP" and "consecutive DB" detectors. Rule, over the outbound
 * calls under ONE parent in start order:
 * - each call starts after the previous call of the group ended (overlap within
 *   the overlap tolerance); a call that overlaps it ends the group — that work
 *   is already concurrent;
 * - the idle gap before each call is at most max(sequentialMaxGapMs,
 *   sequentialMaxGapRatio × the shorter of the two calls). A longer gap means
 *   the caller worked between the calls, most likely building the next request
 *   from the previous response: a data dependency, so the group ends;
 * - every call in the group goes to a DIFFERENT target. Repeated calls to one
 *   target are N+1/retry territory (a batching fix, not a parallelizing one), so
 *   a repeated target ends the group, and calls already reported as N+1 or retry
 *   storm break it (once batched they are one call, and their time in between
 *   the others is a gap the heuristic cannot see through);
 * - at least `sequentialMinCalls` (3) calls whose durations sum to at least
 *   `sequentialMinTotalMs` (20 ms), so trivial groups stay quiet.
 *
 * Dependencies the code has without a visible gap (the next request uses an id
 * from the previous response and is built in microseconds) cannot be told from
 * timing; the finding says "could", and the aggregator ranks by saving.
 *
 * wasted_ms = sum(durations) − max(duration): the group run concurrently.
 */
import type { TraceSpan } from '../../model/trace.ts';
import { callerOperation, callerService, ms, spanIdsOf, sumMinusMaxNs, sumNs } from './finding-parts.ts';
import type { OutboundCall, TraceCalls } from './trace-calls.ts';
import { overlapTolerance } from './trace-calls.ts';
import type { PatternFinding, ResolvedPatternOptions } from './types.ts';
import { nsToMs } from './types.ts';

export function detectSequentialCalls(
  calls: TraceCalls,
  opts: ResolvedPatternOptions,
  claimed: ReadonlySet<OutboundCall>,
  out: PatternFinding[],
): void {
  for (const [parentSpanId, siblings] of calls.callsByParent) {
    if (siblings.length < opts.sequentialMinCalls) continue;
    const parent = calls.byId.get(parentSpanId);
    let group: OutboundCall[] = [];
    const targets = new Set<string>();
    const close = (): void => {
      if (group.length >= opts.sequentialMinCalls && sumNs(group) >= opts.sequentialMinTotalNs) {
        out.push(finding(group, parentSpanId, parent));
      }
      group = [];
      targets.clear();
    };
    for (const c of siblings) {
      if (claimed.has(c)) {
        close();
        continue;
      }
      const prev = group[group.length - 1];
      if (prev !== undefined && !followsWithoutDependency(prev, c, opts)) close();
      else if (targets.has(c.target)) close();
      group.push(c);
      targets.add(c.target);
    }
    close();
  }
}

function followsWithoutDependency(prev: OutboundCall, next: OutboundCall, opts: ResolvedPatternOptions): boolean {
  const gap = next.start - prev.end;
  if (gap < -overlapTolerance(prev, next, opts.overlapToleranceNs, opts.overlapToleranceRatio)) return false;
  const shorter = Math.min(prev.end - prev.start, next.end - next.start);
  return gap <= Math.max(opts.sequentialMaxGapNs, opts.sequentialMaxGapRatio * shorter);
}

function finding(group: readonly OutboundCall[], parentSpanId: string, parent: TraceSpan | undefined): PatternFinding {
  const first = group[0] as OutboundCall;
  const last = group[group.length - 1] as OutboundCall;
  const service = callerService(parent, first);
  const operation = callerOperation(parent);
  const wasted = sumMinusMaxNs(group);
  const chain = group.map((c) => c.target).join(' → ');
  return {
    kind: 'sequential-calls',
    service,
    operation,
    target: chain,
    spanIds: spanIdsOf(group),
    parentSpanId,
    count: group.length,
    wasted_ms: nsToMs(wasted),
    detail:
      `${operation || 'a span'} in ${service} calls ${chain} one after another (${ms(last.end - first.start)}) ` +
      `with no sign that one needs another's answer; run concurrently they would save about ${ms(wasted)}.`,
  };
}
