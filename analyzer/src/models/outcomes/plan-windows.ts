/**
 * Before/after windows around a change, in the data's own time. Pure.
 *
 * Windows are measured on span timestamps, never on the wall clock: 20
 * minutes of v1 followed by 20 minutes of v2 sent at once are judged exactly
 * like the same traffic arriving live. Both windows have the same length W,
 * as long as the data allows (up to `maxWindowNs`), so their loads are
 * comparable; the change is judged once the after window is (nearly) as long
 * as the before window can be.
 */

export interface WindowPlanInput {
  /** When the change took effect (unix ns, data time). */
  readonly changeAt: bigint;
  /** The service's first and latest span timestamps (unix ns). */
  readonly dataStart: bigint;
  readonly dataEnd: bigint;
  readonly maxWindowNs: bigint;
  readonly minWindowNs: bigint;
  /** Share of the target after-window length that must exist before judging (clock jitter, the last partial minute). */
  readonly completeShare?: number;
}

export type WindowPlan =
  | { readonly state: 'ready'; readonly beforeFrom: bigint; readonly changeAt: bigint; readonly afterTo: bigint; readonly windowNs: bigint }
  | { readonly state: 'wait'; readonly reason: string }
  | { readonly state: 'insufficient'; readonly reason: string };

const minutes = (ns: bigint): string => `${Math.round(Number(ns) / 6e10 * 10) / 10} min`;

export function planWindows(p: WindowPlanInput): WindowPlan {
  const beforeAvail = p.changeAt - p.dataStart;
  if (beforeAvail < p.minWindowNs) return { state: 'insufficient', reason: `only ${minutes(beforeAvail < 0n ? 0n : beforeAvail)} of data before the change` };
  const target = beforeAvail < p.maxWindowNs ? beforeAvail : p.maxWindowNs;
  const afterAvail = p.dataEnd - p.changeAt;
  const share = p.completeShare ?? 0.9;
  const needed = BigInt(Math.ceil(Number(target) * share));
  if (afterAvail < needed || afterAvail < p.minWindowNs) {
    return { state: 'wait', reason: `${minutes(afterAvail < 0n ? 0n : afterAvail)} of data after the change, waiting for ${minutes(needed > p.minWindowNs ? needed : p.minWindowNs)}` };
  }
  const w = afterAvail < target ? afterAvail : target;
  return { state: 'ready', beforeFrom: p.changeAt - w, changeAt: p.changeAt, afterTo: p.changeAt + w, windowNs: w };
}

/** A service's versions as seen in its spans: the first timestamp of each. */
export interface VersionFirstSeen {
  readonly service: string;
  readonly version: string;
  readonly firstSeen: bigint;
}

/**
 * Deploys among the versions seen: per service, every version after the
 * earliest one, at its first span. The earliest is what was running when PPO
 * (or the lookback) started, not a change. A version first seen within
 * `marginNs` of the lookback start may have started before it: its true
 * first span is unknown, so it is not reported.
 */
export function deploysFromVersions(versions: readonly VersionFirstSeen[], lookbackStart: bigint, marginNs: bigint): VersionFirstSeen[] {
  const byService = new Map<string, VersionFirstSeen[]>();
  for (const v of versions) {
    const list = byService.get(v.service);
    if (list) list.push(v);
    else byService.set(v.service, [v]);
  }
  const out: VersionFirstSeen[] = [];
  for (const list of byService.values()) {
    list.sort((a, b) => (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : a.version < b.version ? -1 : 1));
    for (const v of list.slice(1)) if (v.firstSeen > lookbackStart + marginNs) out.push(v);
  }
  return out;
}
