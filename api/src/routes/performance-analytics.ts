/**
 * `GET /api/ppo/performance-analytics`: the dashboard summary. One answer
 * joins what every part of PPO found — RED now vs the previous period,
 * health from anomalies, SLO alerts and errors, top bottlenecks, active
 * anomalies, SLO status, forecasts nearing limits, top recommendations and
 * PPO's own track record. The reads are independent and run concurrently;
 * all but the bottleneck ranking read rollups or ppo_* tables, and the
 * ranking is bounded by a trace sample.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import {
  analyzeBottlenecks,
  changePct,
  fetchCapacityNearingLimits,
  fetchLatestForecasts,
  fetchServiceRedComparison,
  kindTrackRecords,
  listAnomalies,
  listRecommendations,
  listSloMonitors,
  loadSloStatuses,
  recommendationCounts,
  serviceHealth,
  type LatestForecast,
  type SloMonitor,
  type StoredAnomaly,
} from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { HOUR_NANOS, nanosToIso, nowNanos, timeParam } from '../time.ts';
import { parseQuery, resolveRange } from '../validate.ts';
import { storedOut, toStoredOut } from './anomalies.ts';
import { recommendationOut, recommendationSchema } from './recommendations.ts';

const DAY_MS = 86_400_000;
const MAX_WINDOW_NANOS = 7n * 24n * HOUR_NANOS;

export const performanceAnalyticsQuery = z
  .object({
    from: timeParam.optional().describe('RFC 3339 or unix ns; default 1 h before `to`'),
    to: timeParam.optional().describe('RFC 3339 or unix ns, exclusive; default now'),
    bottleneck_traces: z.coerce.number().int().min(50).max(20_000).optional().describe('trace sample the bottleneck ranking may analyze (default 1000): bounds the cost of the summary'),
  })
  .strict();

const red = z.object({
  calls: z.number().int(),
  rate_per_s: z.number(),
  error_rate: z.number().nullable(),
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
  p99_ms: z.number().nullable(),
});

const serviceSummary = z.object({
  service: z.string(),
  health: z.enum(['ok', 'degraded', 'critical']),
  reasons: z.array(z.string()).describe('why the health is not ok'),
  now: red,
  previous: red.describe('the equally long period before `from`'),
  change: z.object({
    rate_pct: z.number().nullable(),
    error_rate_pts: z.number().nullable().describe('percentage points'),
    p95_pct: z.number().nullable(),
  }),
  active_anomalies: z.number().int(),
  slo_alerts_firing: z.number().int(),
  open_recommendations: z.number().int(),
});

const bottleneck = z.object({
  service: z.string(),
  operation: z.string(),
  critical_path_share: z.number(),
  self_time_p50_ms: z.number(),
  est_saving_ms: z.number(),
  traces: z.number().int(),
  pattern: z.string().optional(),
});

const sloOut = z.object({
  monitor_id: z.string(),
  service: z.string(),
  operation: z.string().nullable(),
  window: z.string(),
  state: z.enum(['ok', 'slow_burn', 'fast_burn', 'no_data', 'not_evaluated']),
  evaluated_at: z.string().nullable(),
  alerts_firing: z.array(z.string()).describe('"<objective>|<fast|slow>"'),
  objectives: z.array(
    z.object({
      key: z.string(),
      kind: z.string(),
      sli: z.number().nullable(),
      target: z.number(),
      error_budget_remaining: z.number().nullable(),
      budget_exhausted_in_s: z.number().nullable(),
    }),
  ),
});

const capacityOut = z.object({
  service: z.string(),
  computed_at: z.string(),
  current_rps: z.number(),
  saturation_rps: z.number(),
  headroom_pct: z.number(),
  time_to_saturation_s: z.number(),
  replicas_now: z.number().int(),
  replicas_needed: z.number().int(),
  confidence: z.number(),
  method: z.string(),
});

const forecastOut = z.object({
  service: z.string(),
  metric: z.string(),
  issued_at: z.string(),
  model: z.string(),
  until: z.string().describe('last forecast time'),
  current: z.number().nullable().describe('the metric over the summary period'),
  end_value: z.number(),
  peak_value: z.number(),
  peak_upper80: z.number(),
  peak_upper80_at: z.string(),
  change_pct: z.number().nullable().describe('peak forecast vs current'),
  limit: z
    .object({ value: z.number(), source: z.string(), breached_upper80: z.boolean(), breached_value: z.boolean() })
    .nullable()
    .describe('the SLO limit of this metric (latency threshold, error budget rate) when a monitor defines one'),
  backtest: z.object({ mase: z.number().nullable(), smape: z.number().nullable(), coverage80: z.number().nullable() }),
});

const trackRecordOut = z.object({
  issued: z.number().int(),
  measured: z.number().int(),
  verified: z.number().int(),
  success_rate: z.number().nullable(),
  by_kind: z.array(z.object({ kind: z.string(), measured: z.number().int(), verified: z.number().int(), success_rate: z.number().nullable(), median_improvement_pct: z.number().nullable() })),
});

export const performanceAnalyticsResponse = z.object({
  from: z.string(),
  to: z.string(),
  previous: z.object({ from: z.string(), to: z.string() }),
  fleet: z.object({ services: z.number().int(), ok: z.number().int(), degraded: z.number().int(), critical: z.number().int(), calls: z.number().int(), error_rate: z.number().nullable() }),
  services: z.array(serviceSummary).describe('worst health first, then by traffic'),
  bottlenecks: z.object({
    traces_analyzed: z.number().int(),
    traces_total: z.number().int(),
    sampled: z.boolean(),
    latency_p50_ms: z.number(),
    top: z.array(bottleneck),
    error: z.string().optional(),
  }),
  anomalies: z.array(storedOut).describe('active anomalies overlapping the period, newest first'),
  slo: z.array(sloOut).describe('burning monitors first'),
  forecasts: z.object({
    capacity: z.array(capacityOut).describe('latest capacity plans whose demand reaches saturation within their horizon, soonest first'),
    red: z.array(forecastOut).describe('latest RED forecasts, those that reach an SLO limit first, then by forecast change'),
  }),
  recommendations: z.array(recommendationSchema).describe('top open or applied recommendations, by confidence × impact'),
  track_record: trackRecordOut,
  duration_ms: z.number(),
});

export const performanceAnalyticsRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/performance-analytics',
    tag: 'optimization',
    summary: 'Dashboard summary: fleet health per service, top bottlenecks, active anomalies, SLO status, forecasts nearing limits, top recommendations, track record',
    query: performanceAnalyticsQuery,
    response: { description: 'the summary', schema: performanceAnalyticsResponse },
  },
];

type RedOut = z.infer<typeof red>;
const r4 = (v: number): number => Math.round(v * 10_000) / 10_000;
const ms = (ns: number | undefined): number | null => (ns === undefined || !Number.isFinite(ns) ? null : Math.round(ns / 1e3) / 1e3);
const redOut = (calls: number, errors: number, q: readonly number[], seconds: number): RedOut => ({
  calls,
  rate_per_s: r4(calls / seconds),
  error_rate: calls === 0 ? null : r4(errors / calls),
  p50_ms: calls === 0 ? null : ms(q[0]),
  p95_ms: calls === 0 ? null : ms(q[1]),
  p99_ms: calls === 0 ? null : ms(q[2]),
});

/** The limit a monitor sets on a forecast metric: latency objectives bound latency_p95, error/availability objectives bound error_rate. */
function sloLimit(monitors: readonly SloMonitor[], f: LatestForecast): { value: number; source: string } | undefined {
  let best: { value: number; source: string } | undefined;
  for (const m of monitors) {
    if (m.service !== f.service || (m.operation ?? '') !== '') continue;
    for (const o of m.objectives) {
      const cand =
        f.metric === 'latency_p95' && o.kind === 'latency'
          ? { value: o.thresholdMs, source: `SLO ${m.id} p${o.percentile} ≤ ${o.thresholdMs} ms` }
          : f.metric === 'error_rate' && (o.kind === 'error_rate' || o.kind === 'availability')
            ? { value: 1 - o.target, source: `SLO ${m.id} ${o.kind} ${o.target}` }
            : undefined;
      if (cand && (best === undefined || cand.value < best.value)) best = cand;
    }
  }
  return best;
}

export function performanceAnalyticsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const started = performance.now();
    const q = parseQuery(c, performanceAnalyticsQuery);
    const range = resolveRange(q, HOUR_NANOS, nowNanos());
    if (range.to - range.from > MAX_WINDOW_NANOS) range.from = range.to - MAX_WINDOW_NANOS;
    const client = deps.storage.client;
    // Rollups are per minute: whole minutes, the period rounded out.
    const fromS = Math.floor(Number(range.from / 1_000_000_000n) / 60) * 60;
    const toS = Math.ceil(Number(range.to / 1_000_000_000n) / 60) * 60;
    const seconds = toS - fromS;
    const fromMs = Number(range.from / 1_000_000n);
    const toMs = Number(range.to / 1_000_000n);
    // Stored findings are wall-clock snapshots: the last day's are current.
    const sinceMs = Date.now() - DAY_MS;

    const [redRows, anomalies, monitors, statuses, nearing, forecasts, recs, counts, records, bottlenecks] = await Promise.all([
      fetchServiceRedComparison(client, { fromS, toS }),
      listAnomalies(client, { fromMs, toMs, active: true, limit: 200 }),
      listSloMonitors(client),
      loadSloStatuses(client),
      fetchCapacityNearingLimits(client, { sinceMs: Math.min(sinceMs, fromMs), withinS: 30 * 86_400 }),
      fetchLatestForecasts(client, { sinceMs: Math.min(sinceMs, fromMs) }),
      listRecommendations(client, { statuses: ['open', 'applied'] }),
      recommendationCounts(client),
      kindTrackRecords(client),
      analyzeBottlenecks(client, { from: range.from, to: range.to }, { maxTraces: q.bottleneck_traces ?? 1000, limit: 10 }).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, error: err instanceof Error ? err.message : String(err) }),
      ),
    ]);

    const anomaliesBy = new Map<string, StoredAnomaly[]>();
    for (const a of anomalies) anomaliesBy.set(a.service, [...(anomaliesBy.get(a.service) ?? []), a]);
    const slo = monitors.map((m) => {
      const st = statuses.get(m.id);
      const status = st?.status as { state?: string; objectives?: { key: string; kind: string; sli: number | null; target: number; error_budget_remaining?: number; budget_exhausted_in_s?: number | null }[] } | undefined;
      const state = (status?.state ?? 'not_evaluated') as z.infer<typeof sloOut>['state'];
      return {
        monitor_id: m.id,
        service: m.service,
        operation: m.operation ?? null,
        window: m.window,
        state,
        evaluated_at: st ? new Date(st.evaluatedAt).toISOString() : null,
        alerts_firing: [...(st?.firing ?? [])],
        objectives: (status?.objectives ?? []).map((o) => ({
          key: o.key,
          kind: o.kind,
          sli: o.sli,
          target: o.target,
          error_budget_remaining: o.error_budget_remaining ?? null,
          budget_exhausted_in_s: o.budget_exhausted_in_s ?? null,
        })),
      };
    });
    const burnRank = (s: string): number => (s === 'fast_burn' ? 0 : s === 'slow_burn' ? 1 : s === 'ok' ? 2 : 3);
    slo.sort((a, b) => burnRank(a.state) - burnRank(b.state) || a.service.localeCompare(b.service));

    const openRecs = new Map<string, number>();
    for (const r of recs) openRecs.set(r.service, (openRecs.get(r.service) ?? 0) + 1);

    const redBy = new Map(redRows.map((r) => [r.service, r]));
    const names = new Set<string>([...redRows.filter((r) => r.calls > 0 || r.prevCalls > 0).map((r) => r.service), ...anomaliesBy.keys(), ...monitors.map((m) => m.service)]);
    const healthRank = { critical: 0, degraded: 1, ok: 2 } as const;
    const services = [...names]
      .map((service) => {
        const r = redBy.get(service);
        const now = redOut(r?.calls ?? 0, r?.errors ?? 0, r?.q ?? [], seconds);
        const previous = redOut(r?.prevCalls ?? 0, r?.prevErrors ?? 0, r?.prevQ ?? [], seconds);
        const firing = slo.filter((s) => s.service === service).flatMap((s) => s.alerts_firing);
        const active = anomaliesBy.get(service) ?? [];
        const verdict = serviceHealth({
          calls: now.calls,
          errorRate: now.error_rate,
          activeAnomalies: active.map((a) => a.severity),
          sloFastBurns: firing.filter((f) => f.endsWith('|fast')).length,
          sloSlowBurns: firing.filter((f) => f.endsWith('|slow')).length,
        });
        return {
          service,
          health: verdict.health,
          reasons: verdict.reasons,
          now,
          previous,
          change: {
            rate_pct: changePct(now.rate_per_s, previous.rate_per_s),
            error_rate_pts: now.error_rate === null || previous.error_rate === null ? null : Math.round((now.error_rate - previous.error_rate) * 10_000) / 100,
            p95_pct: changePct(now.p95_ms, previous.p95_ms),
          },
          active_anomalies: active.length,
          slo_alerts_firing: firing.length,
          open_recommendations: openRecs.get(service) ?? 0,
        };
      })
      .sort((a, b) => healthRank[a.health] - healthRank[b.health] || b.now.calls - a.now.calls || a.service.localeCompare(b.service));

    const fleetCalls = services.reduce((s, x) => s + x.now.calls, 0);
    const fleetErrors = redRows.reduce((s, x) => s + x.errors, 0);

    const currentOf = (service: string, metric: string): number | null => {
      const s = services.find((x) => x.service === service)?.now;
      if (!s || s.calls === 0) return null;
      return metric === 'rate' ? s.rate_per_s : metric === 'error_rate' ? s.error_rate : metric === 'latency_p50' ? s.p50_ms : metric === 'latency_p95' ? s.p95_ms : metric === 'latency_p99' ? s.p99_ms : null;
    };
    const redForecasts = forecasts
      .map((f) => {
        const limit = sloLimit(monitors, f);
        const current = currentOf(f.service, f.metric);
        return {
          service: f.service,
          metric: f.metric,
          issued_at: new Date(f.issuedAtMs).toISOString(),
          model: f.model,
          until: new Date(f.lastT * 1000).toISOString(),
          current,
          end_value: r4(f.endValue),
          peak_value: r4(f.peakValue),
          peak_upper80: r4(f.peakUpper80),
          peak_upper80_at: new Date(f.peakUpper80T * 1000).toISOString(),
          change_pct: changePct(f.peakValue, current),
          limit: limit ? { value: limit.value, source: limit.source, breached_upper80: f.peakUpper80 >= limit.value, breached_value: f.peakValue >= limit.value } : null,
          backtest: { mase: f.backtestMase, smape: f.backtestSmape, coverage80: f.backtestCoverage80 },
        };
      })
      .sort((a, b) => {
        const la = a.limit?.breached_value ? 0 : a.limit?.breached_upper80 ? 1 : 2;
        const lb = b.limit?.breached_value ? 0 : b.limit?.breached_upper80 ? 1 : 2;
        return la - lb || Math.abs(b.change_pct ?? 0) - Math.abs(a.change_pct ?? 0);
      })
      .slice(0, 20);

    const count = (statuses: readonly string[], kind?: string): number => counts.filter((x) => statuses.includes(x.status) && (kind === undefined || x.kind === kind)).reduce((s, x) => s + Number(x.n), 0);
    const measuredStatuses = ['verified', 'partial', 'no-effect', 'regressed'];
    const measured = count(measuredStatuses);
    const verified = count(['verified']);

    return c.json({
      from: nanosToIso(range.from),
      to: nanosToIso(range.to),
      previous: { from: new Date((2 * fromS - toS) * 1000).toISOString(), to: new Date(fromS * 1000).toISOString() },
      fleet: {
        services: services.length,
        ok: services.filter((s) => s.health === 'ok').length,
        degraded: services.filter((s) => s.health === 'degraded').length,
        critical: services.filter((s) => s.health === 'critical').length,
        calls: fleetCalls,
        error_rate: fleetCalls === 0 ? null : r4(fleetErrors / fleetCalls),
      },
      services,
      bottlenecks: bottlenecks.ok
        ? {
            traces_analyzed: bottlenecks.r.tracesAnalyzed,
            traces_total: bottlenecks.r.tracesTotal,
            sampled: bottlenecks.r.sampled,
            latency_p50_ms: bottlenecks.r.latencyP50Ms,
            top: bottlenecks.r.bottlenecks.slice(0, 10).map((b) => ({
              service: b.service,
              operation: b.operation,
              critical_path_share: b.criticalPathShare,
              self_time_p50_ms: b.selfTimeP50Ms,
              est_saving_ms: b.estSavingMs,
              traces: b.traces,
              ...(b.pattern === undefined ? {} : { pattern: b.pattern }),
            })),
          }
        : { traces_analyzed: 0, traces_total: 0, sampled: false, latency_p50_ms: 0, top: [], error: bottlenecks.error },
      anomalies: anomalies.map(toStoredOut),
      slo,
      forecasts: {
        capacity: nearing.map((n) => ({
          service: n.service,
          computed_at: n.computedAt,
          current_rps: n.currentRps,
          saturation_rps: n.saturationRps,
          headroom_pct: n.headroomPct,
          time_to_saturation_s: n.timeToSaturationS,
          replicas_now: n.replicasNow,
          replicas_needed: n.replicasNeeded,
          confidence: n.confidence,
          method: n.method,
        })),
        red: redForecasts,
      },
      recommendations: recs.slice(0, 10).map(recommendationOut),
      track_record: {
        issued: count(['open', 'applied', 'dismissed', ...measuredStatuses]),
        measured,
        verified,
        success_rate: measured === 0 ? null : Math.round((verified / measured) * 1000) / 1000,
        by_kind: [...records.values()].map((r) => ({ kind: r.kind, measured: r.measured, verified: r.verified, success_rate: r.successRate === null ? null : Math.round(r.successRate * 1000) / 1000, median_improvement_pct: r.medianImprovementPct })),
      },
      duration_ms: Math.round(performance.now() - started),
    });
  });
  return app;
}
