/** Small helpers the detectors share to describe what they found. */
import type { TraceSpan } from '../../model/trace.ts';
import type { OutboundCall } from './trace-calls.ts';
import { nsToMs } from './types.ts';

/** The caller operation for calls under `parentSpanId`: '' when that span is missing from a partial trace. */
export function callerOperation(parent: TraceSpan | undefined): string {
  return parent?.name ?? '';
}

/** The calling service: the parent's, or the calls' own when the parent is missing. */
export function callerService(parent: TraceSpan | undefined, first: OutboundCall): string {
  return parent?.service ?? first.callerService;
}

export function durationNs(call: OutboundCall): number {
  return call.end - call.start;
}

/** What running the calls concurrently (or as one batch of the same cost as the longest) would save. */
export function sumMinusMaxNs(calls: readonly OutboundCall[]): number {
  let sum = 0;
  let max = 0;
  for (const c of calls) {
    const d = durationNs(c);
    sum += d;
    if (d > max) max = d;
  }
  return sum - max;
}

export function sumNs(calls: readonly OutboundCall[]): number {
  let sum = 0;
  for (const c of calls) sum += durationNs(c);
  return sum;
}

export function spanIdsOf(calls: readonly OutboundCall[]): string[] {
  return calls.map((c) => c.span.spanId);
}

/** The target label for a call: the statement itself for databases, "service operation" otherwise. */
export function callLabel(call: OutboundCall): string {
  return call.isDb ? call.operation : `${call.target} ${call.operation}`;
}

export function ms(ns: number): string {
  return `${nsToMs(ns)} ms`;
}
