/**
 * The learning loop: measure what changed after a recommendation was applied
 * or a new version shipped, record the verdict, and turn a deploy that made
 * things worse into a regression finding that names the version.
 *
 * Triggers, all judged on data time (span timestamps):
 * - a new service.version first seen in the spans (or a deploy event): the
 *   service's recommendations found before it whose finding is gone from the
 *   after window are measured (a finding still present means this deploy did
 *   not apply it; it stays open), and its entry operations are checked for
 *   regressions;
 * - a recommendation marked applied: measured around the time it was applied.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { LiveEvents } from '../../events/live-events.ts';
import type { JobLog } from '../../jobs/job.ts';
import { judgeOutcome, type Judgement } from '../../models/outcomes/judge-outcome.ts';
import { deploysFromVersions, planWindows, type WindowPlan } from '../../models/outcomes/plan-windows.ts';
import { evidenceConfidence } from '../../models/recommendations/from-findings.ts';
import type { Recommendation, RecommendationDraft, RecommendationOutcome } from '../../models/recommendations/types.ts';
import { listDeployments, saveDeployment, fetchVersionsFirstSeen, serviceDataSpan, type Deployment } from './deployments.ts';
import { defaultRecommendationSources, findingIds, storeDrafts } from './recommendation-engine.ts';
import { listRecommendations, saveOutcome, saveRecommendations } from './recommendation-store.ts';
import type { RecommendationSource } from './source.ts';
import { latestDataTime } from './sql-util.ts';
import { entryOperations, fetchWindowSample } from './window-samples.ts';

const MIN_NS = 60_000_000_000n;

export interface LearningLoopOptions {
  /** Longest before/after window (default 30 min). */
  readonly maxWindowNs?: bigint;
  /** Shortest window judged (default 10 min). */
  readonly minWindowNs?: bigint;
  /** Span durations sampled per window (default 2000). */
  readonly maxSamples?: number;
  /** Fewer spans than this in either window: not judged (default 20). */
  readonly minSamples?: number;
  /** How far back (data time) new versions are looked for (default 24 h). */
  readonly lookbackNs?: bigint;
  readonly sources?: readonly RecommendationSource[];
}

export interface LearningLoopContext {
  readonly client: ClickHouseClient;
  readonly events?: LiveEvents;
  readonly log?: JobLog;
  readonly signal?: AbortSignal;
  readonly now?: Date;
}

export interface LearningLoopResult {
  readonly deploysDetected: number;
  readonly deploysMeasured: number;
  readonly outcomes: number;
  readonly regressions: number;
}

interface Resolved {
  maxWindowNs: bigint;
  minWindowNs: bigint;
  maxSamples: number;
  minSamples: number;
  lookbackNs: bigint;
  sources: readonly RecommendationSource[];
}

function resolve(o: LearningLoopOptions): Resolved {
  return {
    maxWindowNs: o.maxWindowNs ?? 30n * MIN_NS,
    minWindowNs: o.minWindowNs ?? 10n * MIN_NS,
    maxSamples: o.maxSamples ?? 2000,
    minSamples: o.minSamples ?? 20,
    lookbackNs: o.lookbackNs ?? 24n * 60n * MIN_NS,
    sources: o.sources ?? defaultRecommendationSources(),
  };
}

/** The outcome as the API and the live stream show it. */
export function outcomeToApi(o: RecommendationOutcome): Record<string, unknown> {
  return {
    verdict: o.verdict,
    metric: o.metric,
    before: o.before,
    after: o.after,
    change_pct: o.changePct,
    p_value: o.pValue,
    measured_at: o.measuredAt,
    ...(o.version === undefined ? {} : { version: o.version }),
    trigger: o.trigger,
    reason: o.reason,
    samples_before: o.samplesBefore,
    samples_after: o.samplesAfter,
    load_ratio: o.loadRatio,
  };
}

export async function runLearningLoop(ctx: LearningLoopContext, options: LearningLoopOptions = {}): Promise<LearningLoopResult> {
  const opts = resolve(options);
  const spans = new Map<string, { start: bigint; end: bigint } | undefined>();
  const dataSpan = async (service: string) => {
    if (!spans.has(service)) spans.set(service, await serviceDataSpan(ctx.client, service));
    return spans.get(service);
  };
  const deploysDetected = await detectDeploys(ctx, opts);
  let deploysMeasured = 0;
  let outcomes = 0;
  let regressions = 0;
  for (const d of await listDeployments(ctx.client, { status: 'pending' })) {
    if (ctx.signal?.aborted) break;
    const span = await dataSpan(d.service);
    if (!span) continue;
    const plan = planWindows({ changeAt: d.at, dataStart: span.start, dataEnd: span.end, maxWindowNs: opts.maxWindowNs, minWindowNs: opts.minWindowNs });
    if (plan.state === 'wait') continue;
    if (plan.state === 'insufficient') {
      await saveDeployment(ctx.client, { ...d, status: 'insufficient', detail: plan.reason, measuredAt: nowIso(ctx) });
      continue;
    }
    const r = await measureDeployment(ctx, opts, d, plan);
    deploysMeasured++;
    outcomes += r.outcomes;
    regressions += r.regressions;
  }
  // Recommendations marked applied by hand: measured around the time they were applied.
  for (const rec of await listRecommendations(ctx.client, { statuses: ['applied'] })) {
    if (ctx.signal?.aborted) break;
    if (rec.appliedAt === undefined || rec.operation === undefined) continue;
    const span = await dataSpan(rec.service);
    if (!span) continue;
    const plan = planWindows({ changeAt: rec.appliedAt, dataStart: span.start, dataEnd: span.end, maxWindowNs: opts.maxWindowNs, minWindowNs: opts.minWindowNs });
    if (plan.state !== 'ready') continue;
    const j = await judgeRecommendation(ctx, opts, rec, plan, undefined);
    if (j) {
      await recordOutcome(ctx, rec, j, plan, 'applied', undefined);
      outcomes++;
    }
  }
  return { deploysDetected, deploysMeasured, outcomes, regressions };
}

/** New service.version values → pending deployments. */
async function detectDeploys(ctx: LearningLoopContext, opts: Resolved): Promise<number> {
  const end = await latestDataTime(ctx.client);
  if (end === undefined) return 0;
  const lookbackStart = end - opts.lookbackNs;
  const versions = await fetchVersionsFirstSeen(ctx.client, lookbackStart);
  const deploys = deploysFromVersions(versions, lookbackStart, opts.minWindowNs);
  if (deploys.length === 0) return 0;
  const known = new Set((await listDeployments(ctx.client)).map((d) => `${d.service}\0${d.version}`));
  let added = 0;
  for (const v of deploys) {
    if (known.has(`${v.service}\0${v.version}`)) continue;
    await saveDeployment(ctx.client, { service: v.service, version: v.version, at: v.firstSeen, source: 'service.version', status: 'pending', verdict: '', detail: '', createdAt: nowIso(ctx) });
    ctx.log?.info({ service: v.service, version: v.version }, 'new service version detected');
    added++;
  }
  return added;
}

type Ready = Extract<WindowPlan, { state: 'ready' }>;

async function measureDeployment(ctx: LearningLoopContext, opts: Resolved, d: Deployment, plan: Ready): Promise<{ outcomes: number; regressions: number }> {
  const version = d.source === 'service.version' ? d.version : undefined;
  let outcomes = 0;
  // 1. Recommendations found before the change.
  const open = (await listRecommendations(ctx.client, { service: d.service, statuses: ['open'] })).filter((r) => r.observedFrom < d.at && r.operation !== undefined);
  if (open.length > 0) {
    const redetectable = new Set(opts.sources.flatMap((s) => s.kinds));
    // Only the sources that can produce the open kinds: re-detection is the expensive part of a deploy.
    const openKinds = new Set(open.map((r) => r.kind));
    const needed = opts.sources.filter((s) => s.kinds.some((k) => openKinds.has(k)));
    const present = needed.length > 0 ? await findingIds(ctx, { from: d.at, to: plan.afterTo, service: d.service }, needed) : new Set<string>();
    for (const rec of open) {
      if (redetectable.has(rec.kind) && present.has(rec.id)) continue;
      const j = await judgeRecommendation(ctx, opts, rec, plan, version);
      if (!j) continue;
      // A finding no source re-detects (a regression) is resolved only by a measured improvement.
      if (!redetectable.has(rec.kind) && j.verdict !== 'verified' && j.verdict !== 'partial') continue;
      await recordOutcome(ctx, rec, j, plan, 'deploy', d.version);
      outcomes++;
    }
  }
  // 2. Did the deploy make any entry operation worse?
  const drafts: RecommendationDraft[] = [];
  const checked: Record<string, unknown>[] = [];
  for (const op of await entryOperations(ctx.client, d.service, plan.beforeFrom, d.at, opts.minSamples, 20, ctx.signal)) {
    const before = await fetchWindowSample(ctx.client, { service: d.service, operation: op, from: plan.beforeFrom, to: d.at, maxSamples: opts.maxSamples }, ctx.signal);
    const after = await fetchWindowSample(ctx.client, { service: d.service, operation: op, from: d.at, to: plan.afterTo, maxSamples: opts.maxSamples, ...(version === undefined ? {} : { version }) }, ctx.signal);
    if (before.durationsMs.length < opts.minSamples || after.durationsMs.length < opts.minSamples) continue;
    const j = judgeOutcome({ latency: { before: before.durationsMs, after: after.durationsMs }, errors: { before: before.counts, after: after.counts } }, { primary: 'latency_p50_ms' });
    checked.push({ operation: op, verdict: j.verdict, latency_change_pct: j.changePct, error_rate_before: j.secondary.before, error_rate_after: j.secondary.after });
    if (j.verdict === 'regressed') drafts.push(regressionDraft(d, op, j));
  }
  if (drafts.length > 0) await storeDrafts(ctx, drafts, { from: plan.beforeFrom, to: plan.afterTo, service: d.service });
  const verdict = drafts.length > 0 ? 'regressed' : 'ok';
  ctx.events?.publish('outcome', { type: 'deploy', service: d.service, version: d.version, at: nsIso(d.at), verdict, recommendations_measured: outcomes, operations: checked });
  await saveDeployment(ctx.client, {
    ...d,
    status: 'measured',
    verdict,
    detail: JSON.stringify({ window_minutes: Number(plan.windowNs / 1_000_000n) / 60_000, operations: checked }),
    measuredAt: nowIso(ctx),
  });
  return { outcomes, regressions: drafts.length };
}

function regressionDraft(d: Deployment, operation: string, j: Judgement): RecommendationDraft {
  const latencyWorse = j.changePct > 0 && j.pValue < 0.05;
  const m = latencyWorse ? j : j.secondary;
  const what = latencyWorse ? `${j.changePct}% slower (p50 ${j.before} → ${j.after} ms)` : `fail more often (error rate ${(j.secondary.before * 100).toFixed(2)}% → ${(j.secondary.after * 100).toFixed(2)}%)`;
  return {
    service: d.service,
    operation,
    kind: 'fix-regression',
    findingKey: d.version,
    source: 'deploy-regression',
    title: `${d.service} ${d.version} made ${operation} ${latencyWorse ? 'slower' : 'fail more often'}`,
    detail: `Since version ${d.version} (first seen ${nsIso(d.at)}), ${operation} is ${what}, against the same length of traffic before it. ${j.reason}. Roll back or fix what changed in ${d.version}.`,
    expectedImprovement: { metric: m.metric, current: m.after, expected: m.before },
    priorConfidence: evidenceConfidence('fix-regression', Math.min(m.samplesBefore, m.samplesAfter)),
    impact: Math.round(Math.min(1, Math.abs(m.changePct) / 100) * 10_000) / 10_000,
    evidence: [{ detail: j.reason }],
    deployVersion: d.version,
  };
}

async function judgeRecommendation(ctx: LearningLoopContext, opts: Resolved, rec: Recommendation, plan: Ready, version: string | undefined): Promise<Judgement | undefined> {
  if (rec.operation === undefined) return undefined;
  const q = { service: rec.service, operation: rec.operation, maxSamples: opts.maxSamples };
  const before = await fetchWindowSample(ctx.client, { ...q, from: plan.beforeFrom, to: plan.changeAt }, ctx.signal);
  const after = await fetchWindowSample(ctx.client, { ...q, from: plan.changeAt, to: plan.afterTo, ...(version === undefined ? {} : { version }) }, ctx.signal);
  if (before.durationsMs.length < opts.minSamples || after.durationsMs.length < opts.minSamples) return undefined;
  const { current, expected, metric } = rec.expectedImprovement;
  const primary = metric === 'error_rate' ? 'error_rate' : 'latency_p50_ms';
  const expectedChangePct = current > 0 ? ((expected - current) / current) * 100 : undefined;
  const j = judgeOutcome({ latency: { before: before.durationsMs, after: after.durationsMs }, errors: { before: before.counts, after: after.counts } }, { primary, expectedChangePct });
  return { ...j, samplesBefore: primary === 'error_rate' ? before.counts.calls : before.durationsMs.length, samplesAfter: primary === 'error_rate' ? after.counts.calls : after.durationsMs.length };
}

async function recordOutcome(ctx: LearningLoopContext, rec: Recommendation, j: Judgement, plan: Ready, trigger: 'applied' | 'deploy', version: string | undefined): Promise<void> {
  const [b, a] = j.metric === 'error_rate' ? [j.samplesBefore, j.samplesAfter] : [j.secondary.samplesBefore, j.secondary.samplesAfter];
  const outcome: RecommendationOutcome = {
    verdict: j.verdict,
    metric: j.metric,
    before: j.before,
    after: j.after,
    changePct: j.changePct,
    pValue: Number(j.pValue.toPrecision(4)),
    measuredAt: nowIso(ctx),
    ...(version === undefined ? {} : { version }),
    trigger,
    reason: j.reason,
    samplesBefore: j.samplesBefore,
    samplesAfter: j.samplesAfter,
    beforeFrom: plan.beforeFrom,
    changeAt: plan.changeAt,
    afterTo: plan.afterTo,
    loadRatio: b > 0 ? Math.round((a / b) * 1000) / 1000 : 0,
  };
  const updated: Recommendation = { ...rec, status: j.verdict, outcome, updatedAt: outcome.measuredAt };
  await saveRecommendations(ctx.client, [updated]);
  await saveOutcome(ctx.client, rec, outcome);
  ctx.events?.publish('outcome', { recommendation_id: rec.id, service: rec.service, ...(rec.operation === undefined ? {} : { operation: rec.operation }), kind: rec.kind, ...outcomeToApi(outcome) });
  ctx.log?.info({ recommendation: rec.id, kind: rec.kind, verdict: j.verdict, changePct: j.changePct }, 'recommendation outcome measured');
}

const nowIso = (ctx: LearningLoopContext): string => (ctx.now ?? new Date()).toISOString();
const nsIso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();
