/**
 * Flow-shape evidence: does an operation still do everything it used to do
 * per call?
 *
 * Some faults leave no mark on the faulty service's own spans, logs or
 * metrics: a method that throws inside a loop or returns a wrong value keeps
 * the span's duration and status, and the service logs nothing at error
 * level. What changes is the flow: the steps each invocation of an
 * operation takes — the spans it opens, the calls it makes into other
 * services, the log lines it writes (by masked template). An exception that
 * aborts a request handler cuts the flow short; one that escapes a loop
 * skips the rest of an iteration; a caller that gives up on a bad answer
 * makes none of the calls it used to make after it (after the event-sequence
 * patterns of Nezha, FSE 2023, and trace-structure comparison as in
 * TraceAnomaly / Sage).
 *
 * Per (service, entry operation) — one invocation is the entry span of a
 * service in a trace and everything that service did below it before
 * handing over to another service — the number of completed steps is
 * counted for every invocation of the baseline and the window. The
 * baseline's most common step count is the operation's typical flow; an
 * invocation with fewer steps is *truncated*. The evidence is the rise of
 * the truncated share (Cohen's h and the pooled two-proportion z, like every
 * other proportion in root-cause ranking). Comparing per operation, per
 * invocation, makes a change in the mix of requests (more logins, fewer
 * searches) no evidence at all: each operation is compared with itself.
 * Spans and calls count as steps whatever their status (the step was taken;
 * a callee's error is the callee's own evidence, so a caller whose calls
 * still go out is not truncated by it); error-level log lines do not (an
 * error log that stops appearing is a recovery, not a fault), but they and
 * error spans mark the invocation as failed. A flow that now does *more* is
 * not counted (a recovered flow does more, and retries into a failing
 * dependency already show as that dependency's errors).
 *
 * Blame. When the truncated invocations end right after a callee answered
 * (the last completed step is that call), either the callee's answer was bad
 * (a wrong value, an exception mapped to an OK status) or the caller's own
 * code failed after it. The pattern tells which, as for network gaps: a
 * callee after which several of its callers' flows stop is the common
 * factor; a caller whose flows stop after many different callees is. The
 * strength is split between the two ends by those shares. Without such a
 * callee, the truncation is the service's own (its code stopped before a
 * step of its own: a log line, a span, a call it no longer makes).
 */
import { proportionRise } from './stats.ts';
import type { Evidence } from './types.ts';

/** One span of a trace examined for flow shapes. */
export interface FlowSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string;
  readonly service: string;
  readonly operation: string;
  readonly kind: string;
  readonly error: number;
  /** 1: the span started in the analysis window, 0: in the baseline. */
  readonly inWindow: number;
  readonly startUs: number;
  readonly endUs: number;
}

/** One log record of those traces, by masked template. */
export interface FlowLog {
  readonly traceId: string;
  readonly spanId: string;
  readonly template: string;
  readonly error: number;
  readonly timeUs: number;
}

export interface FlowInput {
  readonly spans: readonly FlowSpan[];
  readonly logs: readonly FlowLog[];
}

/** Fewest invocations per period for a typical flow (and a share of truncated ones) to mean anything. */
export const MIN_INVOCATIONS = 5;

interface Invocation {
  readonly service: string;
  /** `${kind} ${name}` of the entry span. */
  readonly operation: string;
  readonly inWindow: number;
  readonly steps: Map<string, number>;
  readonly total: number;
  /** Its steps in time order (a call's time is its answer); `callee` for calls. */
  readonly sequence: readonly { readonly name: string; readonly t: number; readonly callee?: string }[];
  /** Callee services this invocation called. */
  readonly callees: ReadonlySet<string>;
  /** An error span or error-level log anywhere in it (the entry's own status included). */
  readonly failed: boolean;
}

/** Splits traces into per-service invocations and counts their completed steps. */
export function invocations(input: FlowInput): Invocation[] {
  const logsBySpan = new Map<string, FlowLog[]>();
  for (const l of input.logs) {
    const k = `${l.traceId}\u0000${l.spanId}`;
    const list = logsBySpan.get(k);
    if (list) list.push(l);
    else logsBySpan.set(k, [l]);
  }
  const byTrace = new Map<string, FlowSpan[]>();
  for (const s of input.spans) {
    const list = byTrace.get(s.traceId);
    if (list) list.push(s);
    else byTrace.set(s.traceId, [s]);
  }
  const out: Invocation[] = [];
  for (const trace of byTrace.values()) {
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const children = new Map<string, FlowSpan[]>();
    for (const s of trace) {
      if (!s.parentId || !byId.has(s.parentId)) continue;
      const list = children.get(s.parentId);
      if (list) list.push(s);
      else children.set(s.parentId, [s]);
    }
    for (const entry of trace) {
      const parent = byId.get(entry.parentId);
      if (parent && parent.service === entry.service) continue;
      // The entry's own subtree within its service; a child in another service is a call (its answer is a step).
      const steps = new Map<string, number>();
      const callees = new Set<string>();
      let failed = false;
      const sequence: { name: string; t: number; callee?: string }[] = [];
      const step = (name: string, t: number, callee?: string): void => {
        steps.set(name, (steps.get(name) ?? 0) + 1);
        sequence.push(callee === undefined ? { name, t } : { name, t, callee });
      };
      const stack: FlowSpan[] = [entry];
      const seen = new Set<string>();
      while (stack.length > 0) {
        const s = stack.pop()!;
        if (seen.has(s.spanId)) continue;
        seen.add(s.spanId);
        if (s.error) failed = true;
        if (s !== entry) step(`span ${s.kind} ${s.operation}`, s.startUs);
        for (const l of logsBySpan.get(`${s.traceId}\u0000${s.spanId}`) ?? []) {
          if (l.error) failed = true;
          else step(`log ${l.template}`, l.timeUs);
        }
        for (const c of children.get(s.spanId) ?? []) {
          if (c.service === entry.service) stack.push(c);
          else {
            callees.add(c.service);
            step(`call ${c.service}: ${c.operation}`, c.endUs, c.service);
          }
        }
      }
      let total = 0;
      for (const n of steps.values()) total += n;
      out.push({ service: entry.service, operation: `${entry.kind} ${entry.operation}`, inWindow: entry.inWindow, steps, total, sequence: sequence.sort((x, y) => x.t - y.t), callees, failed });
    }
  }
  return out;
}

/** The most common value (ties → the larger: the fuller flow is the typical one). */
function mode(xs: readonly number[]): number {
  const n = new Map<number, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  let best = 0;
  let bestN = -1;
  for (const [x, k] of n) if (k > bestN || (k === bestN && x > best)) [best, bestN] = [x, k];
  return best;
}

interface Truncation {
  readonly service: string;
  readonly operation: string;
  readonly kB: number;
  readonly nB: number;
  readonly kW: number;
  readonly nW: number;
  readonly typical: number;
  readonly effect: number;
  readonly z: number;
  readonly strength: number;
  /** The callee after whose answer most truncated invocations stopped, and the share that did. */
  readonly after: { callee: string; share: number } | undefined;
  readonly missing: readonly string[];
  /** Callees the operation calls (either period). */
  readonly callees: ReadonlySet<string>;
}

function truncations(all: readonly Invocation[]): Truncation[] {
  const groups = new Map<string, { b: Invocation[]; w: Invocation[] }>();
  for (const inv of all) {
    const k = JSON.stringify([inv.service, inv.operation]);
    const g = groups.get(k) ?? { b: [], w: [] };
    (inv.inWindow ? g.w : g.b).push(inv);
    groups.set(k, g);
  }
  const out: Truncation[] = [];
  for (const [k, { b, w }] of groups) {
    if (b.length < MIN_INVOCATIONS || w.length < MIN_INVOCATIONS) continue;
    const typical = mode(b.map((i) => i.total));
    // A typical flow exists only when most invocations follow it: an operation whose step count
    // varies with its input (a loop over a result set, one name for many routes) has none to cut short.
    if (b.filter((i) => i.total === typical).length < b.length / 2) continue;
    const typicalStep = new Map<string, number>();
    const names = new Set<string>();
    for (const i of b) for (const s of i.steps.keys()) names.add(s);
    for (const s of names) typicalStep.set(s, mode(b.map((i) => i.steps.get(s) ?? 0)));
    // Truncated: fewer steps than typical, and either nothing but the typical steps (a sub-flow) or a
    // failure (the extra steps are its error handling). Fewer steps on another branch that succeeds is
    // another input taking another path, not a fault.
    const truncated = (i: Invocation): boolean => {
      if (i.total >= typical) return false;
      if (i.failed) return true;
      for (const [s, n] of i.steps) if (n > (typicalStep.get(s) ?? 0)) return false;
      return true;
    };
    const kB = b.filter(truncated).length;
    const cut = w.filter(truncated);
    if (cut.length === 0) continue;
    const c = proportionRise(kB, b.length, cut.length, w.length);
    if (c.strength <= 0) continue;
    const [service, operation] = JSON.parse(k) as [string, string];
    // Steps the truncated invocations lack against the baseline's typical count of each step.
    const missing = new Map<string, number>();
    for (const i of cut) for (const [s, t] of typicalStep) if ((i.steps.get(s) ?? 0) < t) missing.set(s, (missing.get(s) ?? 0) + 1);
    // Where each truncated flow left the typical path: its last step that the typical flow also takes
    // (error handling after the break is not on it). When that step is a call, the flow broke on its answer.
    const lastCallees = new Map<string, number>();
    for (const i of cut) {
      const seen = new Map<string, number>();
      let last: string | undefined;
      for (const st of i.sequence) {
        const n = (seen.get(st.name) ?? 0) + 1;
        seen.set(st.name, n);
        if (n <= (typicalStep.get(st.name) ?? 0)) last = st.callee;
      }
      if (last !== undefined) lastCallees.set(last, (lastCallees.get(last) ?? 0) + 1);
    }
    const [callee, n] = [...lastCallees].sort((x, y) => y[1] - x[1])[0] ?? ['', 0];
    const callees = new Set<string>();
    for (const i of [...b, ...w]) for (const s of i.callees) callees.add(s);
    out.push({
      service, operation, kB, nB: b.length, kW: cut.length, nW: w.length, typical, effect: c.effect, z: c.z, strength: c.strength,
      after: n > 0 ? { callee, share: n / cut.length } : undefined,
      missing: [...missing].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([s]) => s),
      callees,
    });
  }
  return out;
}

/**
 * Truncated-flow evidence, split between the service whose flow stopped and
 * the callee whose answer preceded the stop (see the module comment).
 */
export function flowEvidence(input: FlowInput | undefined): FlowFindings {
  if (!input || input.spans.length === 0) return { evidence: [], handoffs: [] };
  const all = invocations(input);
  const items = truncations(all);
  // Who calls whom, per operation (from every invocation, either period).
  const callerOps = new Map<string, Set<string>>();
  for (const inv of all) {
    for (const c of inv.callees) {
      const set = callerOps.get(c) ?? new Set<string>();
      set.add(JSON.stringify([inv.service, inv.operation]));
      callerOps.set(c, set);
    }
  }
  // Of each callee's calling operations, how many stop after its answer; of each operation's callees, after how many it stops.
  const stopsAfter = new Map<string, Set<string>>();
  for (const t of items) {
    if (!t.after) continue;
    const set = stopsAfter.get(t.after.callee) ?? new Set<string>();
    set.add(JSON.stringify([t.service, t.operation]));
    stopsAfter.set(t.after.callee, set);
  }
  const out: Evidence[] = [];
  const handoffs: Handoff[] = [];
  for (const t of items) {
    const base = { kind: 'behavior' as const, signal: 'flow_truncated' as const, operation: t.operation, baseline: t.kB / t.nB, window: t.kW / t.nW, effect: t.effect, z: t.z };
    const lacking = t.missing.length > 0 ? `; missing most often: ${t.missing.join(' | ')}` : '';
    const shares = `${t.kB}/${t.nB} → ${t.kW}/${t.nW} invocations`;
    let own = t.strength;
    if (t.after) {
      const toCallee = (stopsAfter.get(t.after.callee)?.size ?? 0) / Math.max(1, callerOps.get(t.after.callee)?.size ?? 0);
      const toCaller = 1 / Math.max(1, t.callees.size);
      const calleeShare = (t.after.share * toCallee) / (toCallee + toCaller || 1);
      own = t.strength * (1 - calleeShare);
      if (calleeShare > 0) handoffs.push({ service: t.service, operation: t.operation, callee: t.after.callee, share: calleeShare });
      out.push({
        entity: t.after.callee, ...base, strength: t.strength * calleeShare,
        detail: `${t.service}'s ${t.operation} stops right after ${t.after.callee} answers (${Math.round(100 * t.after.share)}% of its truncated invocations): fewer steps than its typical ${t.typical} in ${shares}${lacking}`,
      });
    }
    out.push({
      entity: t.service, ...base, strength: own,
      detail: `${t.operation} completes fewer steps than its typical ${t.typical} per invocation: ${shares}${lacking}`,
    });
  }
  return { evidence: out.filter((e) => e.strength > 0), handoffs };
}

/**
 * An operation whose failing flows stop right after a callee answered: that
 * share of its failures is the callee's (a wrong value or an exception the
 * caller could not handle), not the operation's own.
 */
export interface Handoff {
  readonly service: string;
  /** `${kind} ${name}` of the entry span, as origin-error evidence names its operation. */
  readonly operation: string;
  readonly callee: string;
  readonly share: number;
}

export interface FlowFindings {
  readonly evidence: readonly Evidence[];
  readonly handoffs: readonly Handoff[];
}

/**
 * Errors that start in an operation whose flows stop right after a callee
 * answered are handed over to that callee in the same proportion as the
 * truncation: the operation failed on what the callee returned (its span
 * says OK, the caller's does not). The error evidence keeps its effect and
 * test; only its strength is split.
 */
export function handOverErrors(evidence: readonly Evidence[], handoffs: readonly Handoff[]): Evidence[] {
  if (handoffs.length === 0) return [...evidence];
  const out: Evidence[] = [];
  for (const e of evidence) {
    const h = e.signal === 'origin_errors' ? handoffs.find((x) => x.service === e.entity && x.operation === e.operation) : undefined;
    if (!h) {
      out.push(e);
      continue;
    }
    out.push({ ...e, strength: e.strength * (1 - h.share) });
    const { instance: _instance, ...rest } = e;
    out.push({
      ...rest, entity: h.callee, strength: e.strength * h.share,
      detail: `${h.service}'s ${h.operation} fails right after ${h.callee} answers (${Math.round(100 * h.share)}% of it handed to ${h.callee}): ${e.detail}`,
    });
  }
  return out;
}
