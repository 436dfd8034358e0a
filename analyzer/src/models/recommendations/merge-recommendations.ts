/**
 * One analysis run's drafts merged into the stored recommendations. Pure.
 *
 * Same finding → same id → the stored record is updated (figures, evidence,
 * confidence, the window it was last seen in, times seen); its status, note,
 * creation time and outcome stay. Two drafts with one id in a run (two
 * sources agreeing) keep the one with more impact.
 */
import { recommendationId } from './recommendation-id.ts';
import type { Recommendation, RecommendationDraft } from './types.ts';

export interface MergeContext {
  /** Wall clock of the run, RFC 3339. */
  readonly now: string;
  /** The data window the drafts come from. */
  readonly from: bigint;
  readonly to: bigint;
  /** Confidence from the detector's prior and the kind's track record. */
  readonly calibrate: (kind: string, prior: number) => number;
}

export interface MergeResult {
  /** Every record to write (new and updated). */
  readonly records: Recommendation[];
  /** The ids that did not exist before. */
  readonly created: ReadonlySet<string>;
}

export function mergeRecommendations(
  drafts: readonly RecommendationDraft[],
  existing: ReadonlyMap<string, Recommendation>,
  ctx: MergeContext,
): MergeResult {
  const best = new Map<string, RecommendationDraft>();
  for (const d of drafts) {
    const id = recommendationId(d.service, d.operation, d.kind, d.findingKey);
    const seen = best.get(id);
    if (!seen || d.impact > seen.impact) best.set(id, d);
  }
  const records: Recommendation[] = [];
  const created = new Set<string>();
  for (const [id, d] of best) {
    const old = existing.get(id);
    const confidence = ctx.calibrate(d.kind, d.priorConfidence);
    if (old) {
      records.push({
        ...d,
        id,
        confidence,
        status: old.status,
        note: old.note,
        createdAt: old.createdAt,
        updatedAt: ctx.now,
        observedFrom: ctx.from,
        observedTo: ctx.to,
        timesSeen: old.timesSeen + 1,
        ...(old.appliedAt === undefined ? {} : { appliedAt: old.appliedAt }),
        ...(old.outcome === undefined ? {} : { outcome: old.outcome }),
      });
    } else {
      created.add(id);
      records.push({ ...d, id, confidence, status: 'open', note: '', createdAt: ctx.now, updatedAt: ctx.now, observedFrom: ctx.from, observedTo: ctx.to, timesSeen: 1 });
    }
  }
  return { records: rankRecommendations(records), created };
}

/** Most worth doing first: confidence × impact, then impact, then id (stable). */
export function rankRecommendations<T extends { readonly confidence: number; readonly impact: number; readonly id: string }>(recs: readonly T[]): T[] {
  return [...recs].sort((a, b) => b.confidence * b.impact - a.confidence * a.impact || b.impact - a.impact || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export type TransitionCheck = { readonly ok: true; readonly changed: boolean } | { readonly ok: false; readonly reason: string };

/**
 * What an operator may do by hand: apply or dismiss an open recommendation,
 * apply a dismissed one after all, dismiss an applied one not measured yet.
 * A measured recommendation (verified, partial, no-effect, regressed) is
 * history: changing it would rewrite the track record.
 */
export function checkTransition(from: Recommendation['status'], to: 'applied' | 'dismissed'): TransitionCheck {
  if (from === to) return { ok: true, changed: false };
  if (from === 'open' || from === 'dismissed' || from === 'applied') return { ok: true, changed: true };
  return { ok: false, reason: `the recommendation was already measured (${from}); its outcome is final` };
}
