/**
 * N+1 calls: a loop that makes one call per item where one batched call would
 * do. Rule (after Sentry's N+1 DB and N+1 API call detectors): at least
 * `nPlusOneMinCalls` (5) calls under ONE parent span to the same callee
 * operation — for databases the same normalized statement — each starting after
 * the previous one ended (within the overlap tolerance). Calls made
 * concurrently are not reported: they cost one call's time, not N. Other calls
 * interleaved between them do not break the run (an ORM loop often issues two
 * statements per item, which are two N+1s).
 *
 * wasted_ms = sum(durations) − max(duration): the run replaced by one batched
 * call that costs about as much as its slowest member.
 */
import type { TraceSpan } from '../../model/trace.ts';
import { callerOperation, callerService, callLabel, ms, spanIdsOf, sumMinusMaxNs, sumNs } from './finding-parts.ts';
import type { OutboundCall, TraceCalls } from './trace-calls.ts';
import { overlapTolerance } from './trace-calls.ts';
import type { PatternFinding, ResolvedPatternOptions } from './types.ts';
import { nsToMs } from './types.ts';

/** Skips calls already in `claimed` (retry storms) and adds the ones it reports, for the sequential-calls detector. */
export function detectNPlusOne(
  calls: TraceCalls,
  opts: ResolvedPatternOptions,
  claimed: Set<OutboundCall>,
  out: PatternFinding[],
): void {
  for (const [parentSpanId, siblings] of calls.callsByParent) {
    if (siblings.length < opts.nPlusOneMinCalls) continue;
    const parent = calls.byId.get(parentSpanId);
    for (const sameCall of calls.sameCallGroups(parentSpanId)) {
      if (sameCall.length < opts.nPlusOneMinCalls) continue;
      const group = claimed.size === 0 ? sameCall : sameCall.filter((c) => !claimed.has(c));
      for (const run of sequentialRuns(group, opts)) {
        if (run.length < opts.nPlusOneMinCalls) continue;
        for (const c of run) claimed.add(c);
        out.push(finding(run, parentSpanId, parent));
      }
    }
  }
}

/** Maximal runs in which every call starts after all earlier ones in the run have ended. */
function sequentialRuns(group: readonly OutboundCall[], opts: ResolvedPatternOptions): OutboundCall[][] {
  const runs: OutboundCall[][] = [];
  let run: OutboundCall[] = [];
  let runEnd = 0;
  let last: OutboundCall | undefined;
  for (const c of group) {
    if (last !== undefined && c.start < runEnd - overlapTolerance(last, c, opts.overlapToleranceNs, opts.overlapToleranceRatio)) {
      runs.push(run);
      run = [];
    }
    if (run.length === 0) runEnd = c.end;
    else runEnd = Math.max(runEnd, c.end);
    run.push(c);
    last = c;
  }
  runs.push(run);
  return runs;
}

function finding(run: readonly OutboundCall[], parentSpanId: string, parent: TraceSpan | undefined): PatternFinding {
  const first = run[0] as OutboundCall;
  const service = callerService(parent, first);
  const operation = callerOperation(parent);
  const wasted = sumMinusMaxNs(run);
  const what = first.isDb ? `queries on ${first.target}` : 'calls';
  return {
    kind: 'n-plus-one',
    service,
    operation,
    target: callLabel(first),
    spanIds: spanIdsOf(run),
    parentSpanId,
    count: run.length,
    wasted_ms: nsToMs(wasted),
    detail:
      `${operation || 'a span'} in ${service} makes ${run.length} sequential ${what} of the same shape ` +
      `(${callLabel(first)}), ${ms(sumNs(run))} in total; one batched call would save about ${ms(wasted)}.`,
  };
}
