/**
 * What PPO has learned from its own outcomes: per recommendation kind, how
 * often a recommendation of that kind delivered, and the confidence new ones
 * get from it. Pure.
 *
 * Calibration is a Beta-Binomial update: the detector's own confidence p0 is
 * the prior mean, worth `priorStrength` pseudo-outcomes (Beta(p0·k, (1−p0)·k));
 * each measured outcome adds one observation (verified = 1 success, partial =
 * ½, no-effect/regressed = failures). The posterior mean is the calibrated
 * confidence: a detector that keeps being right climbs towards 1, one whose
 * advice never shows up in the data sinks, and a kind never measured keeps
 * the detector's own figure.
 */
import type { Verdict } from './judge-outcome.ts';
import { median } from './significance.ts';

export interface MeasuredOutcome {
  readonly kind: string;
  readonly verdict: Verdict;
  /** Measured change of the primary metric, % (negative = lower). */
  readonly changePct: number;
}

export interface KindTrackRecord {
  readonly kind: string;
  readonly measured: number;
  readonly verified: number;
  readonly partial: number;
  readonly noEffect: number;
  readonly regressed: number;
  /** verified / measured; null before the first measurement. */
  readonly successRate: number | null;
  /** Median improvement (−change %) over the measured outcomes; null before the first. */
  readonly medianImprovementPct: number | null;
}

export function trackRecords(outcomes: readonly MeasuredOutcome[]): Map<string, KindTrackRecord> {
  const byKind = new Map<string, MeasuredOutcome[]>();
  for (const o of outcomes) {
    const list = byKind.get(o.kind);
    if (list) list.push(o);
    else byKind.set(o.kind, [o]);
  }
  const out = new Map<string, KindTrackRecord>();
  for (const [kind, list] of byKind) {
    const count = (v: Verdict): number => list.filter((o) => o.verdict === v).length;
    const verified = count('verified');
    out.set(kind, {
      kind,
      measured: list.length,
      verified,
      partial: count('partial'),
      noEffect: count('no-effect'),
      regressed: count('regressed'),
      successRate: list.length === 0 ? null : verified / list.length,
      medianImprovementPct: list.length === 0 ? null : Math.round(median(list.map((o) => -o.changePct)) * 100) / 100,
    });
  }
  return out;
}

export const DEFAULT_PRIOR_STRENGTH = 4;

/** Posterior mean of a Beta(prior·k, (1−prior)·k) after the kind's outcomes. */
export function calibrateConfidence(prior: number, record: KindTrackRecord | undefined, priorStrength = DEFAULT_PRIOR_STRENGTH): number {
  const p0 = Math.min(0.99, Math.max(0.01, prior));
  if (!record || record.measured === 0) return round3(p0);
  const successes = record.verified + 0.5 * record.partial;
  return round3((p0 * priorStrength + successes) / (priorStrength + record.measured));
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
