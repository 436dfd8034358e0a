/**
 * All anti-pattern detectors over one trace. Pure: plain trace in, findings out.
 *
 * Order matters where two rules could claim the same spans: retry storms first
 * (five failing attempts are a retry storm, not an N+1), then N+1, then
 * sequential calls (which treat spans already reported as barriers). Slow
 * statements and chattiness describe other aspects of the same spans and may
 * overlap the others.
 *
 * Cost: one O(spans log spans) indexing pass (sorting calls per parent), then
 * linear walks over the per-parent lists.
 */
import type { Trace } from '../../model/trace.ts';
import { detectChattyServices } from './chatty-service.ts';
import { detectNPlusOne } from './n-plus-one.ts';
import { detectRetryStorms } from './retry-storm.ts';
import { detectSequentialCalls } from './sequential-calls.ts';
import { detectSlowDbStatements } from './slow-db-statement.ts';
import type { OutboundCall } from './trace-calls.ts';
import { collectCalls } from './trace-calls.ts';
import type { PatternFinding, PatternKind, PatternOptions } from './types.ts';
import { resolvePatternOptions } from './types.ts';

const KIND_ORDER: Readonly<Record<PatternKind, number>> = {
  'retry-storm': 0,
  'n-plus-one': 1,
  'sequential-calls': 2,
  'slow-db-statement': 3,
  'chatty-service': 4,
};

/**
 * Findings grouped by kind (retry storms, N+1, sequential calls, slow DB
 * statements, chatty services), each kind's in order of its first span's start,
 * so the result does not depend on the order the spans arrived in.
 */
export function detectPatterns(trace: Trace, opts?: PatternOptions): PatternFinding[] {
  const out: PatternFinding[] = [];
  if (trace.spans.length < 2) return out;
  const resolved = resolvePatternOptions(opts);
  const calls = collectCalls(trace);
  if (calls.calls.length === 0) return out;
  const claimed = new Set<OutboundCall>();
  detectRetryStorms(calls, resolved, claimed, out);
  detectNPlusOne(calls, resolved, claimed, out);
  detectSequentialCalls(calls, resolved, claimed, out);
  detectSlowDbStatements(calls, resolved, out);
  detectChattyServices(calls, resolved, out);
  if (out.length > 1) {
    const startOf = (f: PatternFinding): number => calls.byId.get(f.spanIds[0] ?? '')?.start ?? 0;
    out.sort(
      (a, b) =>
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
        startOf(a) - startOf(b) ||
        ((a.spanIds[0] ?? '') < (b.spanIds[0] ?? '') ? -1 : (a.spanIds[0] ?? '') > (b.spanIds[0] ?? '') ? 1 : 0),
    );
  }
  return out;
}
