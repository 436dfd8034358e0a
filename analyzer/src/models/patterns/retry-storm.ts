/**
 * Retry storms: the same call repeated because it keeps failing. Rule: at
 * least `retryMinAttempts` (3) calls under ONE parent to the same callee
 * operation, back to back (each starts after the previous attempt ended: a retry
 * waits for the failure), where every attempt but possibly the last failed in a
 * retryable way (5xx, 429, transport error, non-caller gRPC status; see
 * `failedLikeRetry`). A success ends the storm; a success followed by more
 * failures starts a new one. Backoff gaps and unrelated calls between attempts
 * are allowed.
 *
 * wasted_ms = summed duration of the failed attempts (a conservative figure:
 * backoff sleeps between them are not counted, they may overlap other work).
 */
import type { TraceSpan } from '../../model/trace.ts';
import { callerOperation, callerService, callLabel, durationNs, ms, spanIdsOf } from './finding-parts.ts';
import type { OutboundCall, TraceCalls } from './trace-calls.ts';
import { overlapTolerance } from './trace-calls.ts';
import type { PatternFinding, ResolvedPatternOptions } from './types.ts';
import { nsToMs } from './types.ts';

/** Adds findings to `out` and the calls they cover to `claimed`, so N+1 does not report the same spans. */
export function detectRetryStorms(
  calls: TraceCalls,
  opts: ResolvedPatternOptions,
  claimed: Set<OutboundCall>,
  out: PatternFinding[],
): void {
  for (const [parentSpanId, siblings] of calls.callsByParent) {
    if (siblings.length < opts.retryMinAttempts) continue;
    const parent = calls.byId.get(parentSpanId);
    for (const group of calls.sameCallGroups(parentSpanId)) {
      if (group.length < opts.retryMinAttempts) continue;
      let run: OutboundCall[] = [];
      let runEnd = 0;
      const close = (): void => {
        if (run.length >= opts.retryMinAttempts) {
          for (const c of run) claimed.add(c);
          out.push(finding(run, parentSpanId, parent));
        }
        run = [];
      };
      for (const c of group) {
        const last = run[run.length - 1];
        // concurrent identical calls are fan-out, not a retry of each other
        if (last !== undefined && c.start < runEnd - overlapTolerance(last, c, opts.overlapToleranceNs, opts.overlapToleranceRatio)) close();
        if (c.failed) {
          runEnd = run.length === 0 ? c.end : Math.max(runEnd, c.end);
          run.push(c);
        } else if (run.length > 0) {
          run.push(c);
          close();
        }
      }
      close();
    }
  }
}

function finding(run: readonly OutboundCall[], parentSpanId: string, parent: TraceSpan | undefined): PatternFinding {
  const first = run[0] as OutboundCall;
  const lastCall = run[run.length - 1] as OutboundCall;
  const service = callerService(parent, first);
  let failedNs = 0;
  let failures = 0;
  for (const c of run) {
    if (c.failed) {
      failedNs += durationNs(c);
      failures++;
    }
  }
  const outcome = lastCall.failed ? `all ${failures} attempts fail` : `${failures} attempts fail before the last succeeds`;
  return {
    kind: 'retry-storm',
    service,
    operation: callerOperation(parent),
    target: callLabel(first),
    spanIds: spanIdsOf(run),
    parentSpanId,
    count: run.length,
    wasted_ms: nsToMs(failedNs),
    detail:
      `${service} calls ${callLabel(first)} ${run.length} times in a row: ${outcome}, ` +
      `${ms(failedNs)} spent in failed attempts over ${ms(lastCall.end - first.start)}.`,
  };
}
