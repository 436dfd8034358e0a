/**
 * Chatty services: a service that makes far more outbound calls per request
 * than normal. Per trace this flags a service with at least `chattyMinCalls`
 * (50) outbound calls (HTTP, RPC, database, messaging; see `isOutboundCall`);
 * "far above the fleet" needs many traces, so the aggregator compares
 * `countOutboundCalls` per service across the window.
 *
 * wasted_ms = 0: chattiness costs per-call overhead the trace cannot price,
 * and the time the calls take when they run in a loop or in series is already
 * claimed by the N+1 and sequential-call findings; counting it again would
 * double the saving.
 */
import type { TraceSpan } from '../../model/trace.ts';
import type { OutboundCall, TraceCalls } from './trace-calls.ts';
import type { PatternFinding, ResolvedPatternOptions } from './types.ts';

export function detectChattyServices(calls: TraceCalls, opts: ResolvedPatternOptions, out: PatternFinding[]): void {
  if (calls.calls.length < opts.chattyMinCalls) return;
  const byCaller = new Map<string, OutboundCall[]>();
  for (const c of calls.calls) {
    const g = byCaller.get(c.callerService);
    if (g === undefined) byCaller.set(c.callerService, [c]);
    else g.push(c);
  }
  for (const [service, made] of byCaller) {
    if (made.length < opts.chattyMinCalls) continue;
    made.sort((a, b) => a.start - b.start || a.end - b.end);
    out.push(finding(service, made, calls));
  }
}

function finding(service: string, made: readonly OutboundCall[], calls: TraceCalls): PatternFinding {
  const perTarget = new Map<string, number>();
  for (const c of made) perTarget.set(c.target, (perTarget.get(c.target) ?? 0) + 1);
  const top = [...perTarget]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([t, n]) => `${t} ×${n}`)
    .join(', ');
  const entry = entryOperation(service, calls);
  return {
    kind: 'chatty-service',
    service,
    operation: entry,
    spanIds: made.map((c) => c.span.spanId),
    count: made.length,
    wasted_ms: 0,
    detail: `${service} makes ${made.length} outbound calls in one ${entry || 'request'} to ${perTarget.size} targets (most: ${top}).`,
  };
}

/** The service's first span entered from elsewhere (another service, or the trace root): the request it was serving. */
function entryOperation(service: string, calls: TraceCalls): string {
  let entry: TraceSpan | undefined;
  for (const s of calls.byId.values()) {
    if (s.service !== service) continue;
    const parent = s.parentSpanId === '' ? undefined : calls.byId.get(s.parentSpanId);
    if (parent !== undefined && parent.service === service) continue;
    if (entry === undefined || s.start < entry.start) entry = s;
  }
  return entry?.name ?? '';
}
