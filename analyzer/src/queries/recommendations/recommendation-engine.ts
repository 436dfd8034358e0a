/**
 * Findings → stored, ranked, calibrated recommendations: every source runs
 * over the window, drafts merge into the stored records (same finding → same
 * id → updated), confidence is calibrated by each kind's track record, new
 * ones are published as `recommendation` events.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { LiveEvents } from '../../events/live-events.ts';
import type { JobLog } from '../../jobs/job.ts';
import { calibrateConfidence, trackRecords, type KindTrackRecord } from '../../models/outcomes/track-record.ts';
import { mergeRecommendations } from '../../models/recommendations/merge-recommendations.ts';
import { recommendationId } from '../../models/recommendations/recommendation-id.ts';
import type { Recommendation, RecommendationDraft } from '../../models/recommendations/types.ts';
import { boostWithAnomalies } from '../../models/recommendations/from-capacity.ts';
import { listAnomalies } from '../anomaly-store.ts';
import { capacitySource, rightSizingSource, sloBurnSource } from './capacity-sources.ts';
import { errorOriginSource } from './error-origin-source.ts';
import { fetchMeasuredOutcomes, listRecommendations, saveRecommendations } from './recommendation-store.ts';
import { repeatedReadSource } from './repeated-read-source.ts';
import type { RecommendationScope, RecommendationSource } from './source.ts';
import { tracePatternSource } from './trace-pattern-source.ts';

export function defaultRecommendationSources(): RecommendationSource[] {
  return [tracePatternSource(), errorOriginSource(), repeatedReadSource(), capacitySource(), rightSizingSource(), sloBurnSource()];
}

export interface SourceRun {
  readonly source: string;
  readonly drafts: number;
  readonly durationMs: number;
  readonly error?: string;
}

export interface EngineContext {
  readonly client: ClickHouseClient;
  readonly events?: LiveEvents;
  readonly log?: JobLog;
  readonly signal?: AbortSignal;
  /** Wall clock of the run. */
  readonly now?: Date;
}

/** Runs every source over the scope; a failing source is reported and skipped, never fatal to the others. */
export async function collectDrafts(
  ctx: EngineContext,
  scope: RecommendationScope,
  sources: readonly RecommendationSource[],
): Promise<{ drafts: RecommendationDraft[]; runs: SourceRun[] }> {
  const drafts: RecommendationDraft[] = [];
  const runs: SourceRun[] = [];
  for (const source of sources) {
    if (ctx.signal?.aborted) break;
    const started = performance.now();
    try {
      const found = await source.collect({ client: ctx.client, ...(ctx.log ? { log: ctx.log } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) }, scope);
      const inScope = scope.service === undefined ? found : found.filter((d) => d.service === scope.service);
      drafts.push(...inScope);
      runs.push({ source: source.name, drafts: inScope.length, durationMs: Math.round(performance.now() - started) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.log?.warn({ err, source: source.name }, 'recommendation source failed');
      runs.push({ source: source.name, drafts: 0, durationMs: Math.round(performance.now() - started), error: message });
    }
  }
  return { drafts, runs };
}

/** The ids the sources find in a window: what the learning loop checks a finding's presence with. */
export async function findingIds(ctx: EngineContext, scope: RecommendationScope, sources: readonly RecommendationSource[]): Promise<Set<string>> {
  const { drafts } = await collectDrafts(ctx, scope, sources);
  return new Set(drafts.map((d) => recommendationId(d.service, d.operation, d.kind, d.findingKey)));
}

export async function kindTrackRecords(client: ClickHouseClient): Promise<Map<string, KindTrackRecord>> {
  return trackRecords(await fetchMeasuredOutcomes(client));
}

export interface EngineResult {
  /** The recommendations found in this run, ranked. */
  readonly recommendations: Recommendation[];
  readonly created: number;
  readonly sources: SourceRun[];
}

export async function runRecommendationEngine(
  ctx: EngineContext,
  scope: RecommendationScope,
  sources: readonly RecommendationSource[] = defaultRecommendationSources(),
): Promise<EngineResult> {
  const { drafts, runs } = await collectDrafts(ctx, scope, sources);
  return { ...(await storeDrafts(ctx, await withAnomalyEvidence(ctx, drafts, scope), scope)), sources: runs };
}

/**
 * Active anomalies overlapping the window raise the priority of the
 * recommendations for their service and are added as evidence
 * (boostWithAnomalies). A failing read leaves the drafts as they are.
 */
async function withAnomalyEvidence(ctx: EngineContext, drafts: readonly RecommendationDraft[], scope: RecommendationScope): Promise<RecommendationDraft[]> {
  if (drafts.length === 0) return [];
  try {
    const anomalies = await listAnomalies(ctx.client, {
      fromMs: Number(scope.from / 1_000_000n),
      toMs: Number(scope.to / 1_000_000n) + 1,
      active: true,
      ...(scope.service === undefined ? {} : { service: scope.service }),
      limit: 1000,
    });
    return boostWithAnomalies(
      drafts,
      anomalies.map((a) => ({ service: a.service, metric: a.metric, kind: a.kind, severity: a.severity, score: a.score, startMs: a.start, actual: a.actual, expected: a.expected })),
    );
  } catch (err) {
    ctx.log?.warn({ err }, 'anomaly evidence unavailable');
    return [...drafts];
  }
}

/** Merges drafts into the stored records, saves them, publishes the new ones. */
export async function storeDrafts(ctx: EngineContext, drafts: readonly RecommendationDraft[], scope: RecommendationScope): Promise<{ recommendations: Recommendation[]; created: number }> {
  if (drafts.length === 0) return { recommendations: [], created: 0 };
  const ids = drafts.map((d) => recommendationId(d.service, d.operation, d.kind, d.findingKey));
  const existing = new Map((await listRecommendations(ctx.client, { ids: [...new Set(ids)] })).map((r) => [r.id, r]));
  const records = await kindTrackRecords(ctx.client);
  const merged = mergeRecommendations(drafts, existing, {
    now: (ctx.now ?? new Date()).toISOString(),
    from: scope.from,
    to: scope.to,
    calibrate: (kind, prior) => calibrateConfidence(prior, records.get(kind)),
  });
  await saveRecommendations(ctx.client, merged.records);
  for (const r of merged.records) {
    if (merged.created.has(r.id)) ctx.events?.publish('recommendation', recommendationEvent(r));
  }
  return { recommendations: merged.records, created: merged.created.size };
}

/** The event payload: the fields an operator needs to act, as the API names them. */
export function recommendationEvent(r: Recommendation): Record<string, unknown> {
  return {
    id: r.id,
    service: r.service,
    ...(r.operation === undefined ? {} : { operation: r.operation }),
    kind: r.kind,
    title: r.title,
    expected_improvement: r.expectedImprovement,
    confidence: r.confidence,
    status: r.status,
  };
}
