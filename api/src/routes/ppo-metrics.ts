import { Hono } from 'hono';
import { z } from 'zod';
import {
  calibrateConfidence,
  fetchAnomalyCounts,
  fetchForecastOutcomes,
  fetchSloAlertCounts,
  forecastAccuracy,
  kindTrackRecords,
  listDeployments,
  recommendationCounts,
  RECOMMENDATION_KINDS,
} from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';

const MEASURED = ['verified', 'partial', 'no-effect', 'regressed'] as const;

const kindFigures = z.object({
  kind: z.string(),
  issued: z.number().int(),
  applied: z.number().int().describe('marked applied, or measured after a deploy'),
  measured: z.number().int(),
  verified: z.number().int(),
  partial: z.number().int(),
  no_effect: z.number().int(),
  regressed: z.number().int(),
  success_rate: z.number().nullable().describe('verified / measured; null before the first measurement'),
  median_improvement_pct: z.number().nullable(),
  confidence_multiplier: z.number().describe('calibrated confidence of a 0.7-prior recommendation of this kind / 0.7: how the track record moves new confidences'),
});

/**
 * Sections are independent objects so later findings (forecast accuracy,
 * anomaly counts, SLO burns) add a section without touching these.
 */
const ppoMetricsResponse = z.object({
  recommendations: z.object({
    issued: z.number().int(),
    open: z.number().int(),
    applied: z.number().int(),
    dismissed: z.number().int(),
    measured: z.number().int(),
    verified: z.number().int(),
    success_rate: z.number().nullable().describe('verified / measured over every kind'),
    by_kind: z.array(kindFigures),
  }),
  deployments: z.object({ detected: z.number().int(), measured: z.number().int(), regressed: z.number().int(), pending: z.number().int() }),
  detections: z.object({
    by_source: z.record(z.string(), z.number().int()).describe('recommendations issued per finding source'),
    last_runs: z.array(z.object({ job: z.string(), started_at: z.string(), duration_ms: z.number(), ok: z.boolean(), findings: z.number().int() })).describe('the latest run of each analysis job in this process'),
  }),
  forecast_accuracy: z
    .object({
      since: z.string().describe('forecasts issued since (RFC 3339): the last 7 days'),
      by_metric: z.array(
        z.object({
          metric: z.string(),
          forecasts: z.number().int().describe('stored forecasts with at least one point now in the past'),
          series: z.number().int(),
          points: z.number().int().describe('forecast points compared with what happened'),
          mase: z.number().nullable().describe('mean absolute error / mean absolute one-step change of the actual series (< 1: better than the typical naive error)'),
          smape: z.number().describe('0..2'),
          accuracy: z.number().describe('1 − sMAPE/2'),
          coverage80: z.number().describe('share of actual values inside the 80 % interval (ideal 0.8)'),
        }),
      ),
    })
    .describe('stored RED forecasts (ppo_forecasts) against the RED rollups for forecast times now in the past'),
  anomalies: z
    .object({
      total: z.number().int(),
      active: z.number().int(),
      by_severity: z.record(z.string(), z.number().int()),
      by_status: z.record(z.string(), z.number().int()),
      by_kind: z.record(z.string(), z.number().int()),
    })
    .describe('anomalies detected and stored (ppo_anomalies, within the retention)'),
  slo_alerts: z
    .object({ fired: z.number().int(), resolved: z.number().int(), by_severity: z.record(z.string(), z.number().int()).describe('alerts fired per severity (fast | slow)') })
    .describe('SLO burn-rate alert transitions recorded (ppo_slo_alerts)'),
});

export const ppoMetricsRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/metrics',
    tag: 'optimization',
    summary: "PPO's own optimization figures: recommendations issued/applied/verified, success rate per kind, deploys measured, detection counts",
    response: { description: 'figures', schema: ppoMetricsResponse },
  },
];

export function ppoMetricsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const client = deps.storage.client;
    const nowMs = Date.now();
    const accuracySinceMs = nowMs - 7 * 86_400_000;
    const [counts, records, deploys, bySource, outcomes, anomalyCounts, alertCounts] = await Promise.all([
      recommendationCounts(client),
      kindTrackRecords(client),
      listDeployments(client),
      client
        .query({ query: 'SELECT Source AS s, toUInt32(count()) AS n FROM ppo_recommendations FINAL GROUP BY s ORDER BY s', format: 'JSONEachRow' })
        .then((r) => r.json<{ s: string; n: number }>()),
      fetchForecastOutcomes(client, { sinceMs: accuracySinceMs, nowS: Math.floor(nowMs / 1000) }),
      fetchAnomalyCounts(client, { fromMs: 0, toMs: nowMs + 86_400_000 }),
      fetchSloAlertCounts(client, { fromMs: 0, toMs: nowMs + 86_400_000 }),
    ]);
    const tally = <T extends { n: number }>(rows: readonly T[], key: (r: T) => string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + Number(r.n);
      return out;
    };
    const firing = alertCounts.filter((a) => a.state === 'firing');
    const count = (kind: string | undefined, statuses: readonly string[]): number =>
      counts.filter((x) => (kind === undefined || x.kind === kind) && statuses.includes(x.status)).reduce((s, x) => s + Number(x.n), 0);
    const kinds = [...new Set([...RECOMMENDATION_KINDS.filter((k) => count(k, ['open', 'applied', 'dismissed', ...MEASURED]) > 0), ...records.keys()])];
    const byKind = kinds.map((kind) => {
      const r = records.get(kind);
      return {
        kind,
        issued: count(kind, ['open', 'applied', 'dismissed', ...MEASURED]),
        applied: count(kind, ['applied', ...MEASURED]),
        measured: count(kind, MEASURED),
        verified: count(kind, ['verified']),
        partial: count(kind, ['partial']),
        no_effect: count(kind, ['no-effect']),
        regressed: count(kind, ['regressed']),
        success_rate: r?.successRate ?? null,
        median_improvement_pct: r?.medianImprovementPct ?? null,
        confidence_multiplier: Math.round((calibrateConfidence(0.7, r) / 0.7) * 1000) / 1000,
      };
    });
    const measured = count(undefined, MEASURED);
    const verified = count(undefined, ['verified']);
    return c.json({
      recommendations: {
        issued: count(undefined, ['open', 'applied', 'dismissed', ...MEASURED]),
        open: count(undefined, ['open']),
        applied: count(undefined, ['applied', ...MEASURED]),
        dismissed: count(undefined, ['dismissed']),
        measured,
        verified,
        success_rate: measured === 0 ? null : Math.round((verified / measured) * 1000) / 1000,
        by_kind: byKind,
      },
      deployments: {
        detected: deploys.length,
        measured: deploys.filter((d) => d.status === 'measured').length,
        regressed: deploys.filter((d) => d.verdict === 'regressed').length,
        pending: deploys.filter((d) => d.status === 'pending').length,
      },
      detections: {
        by_source: Object.fromEntries(bySource.map((r) => [r.s, Number(r.n)])),
        last_runs: (deps.analysis?.lastRuns() ?? []).map((r) => ({ job: r.job, started_at: r.startedAt, duration_ms: r.durationMs, ok: r.ok, findings: r.findings })),
      },
      forecast_accuracy: { since: new Date(accuracySinceMs).toISOString(), by_metric: forecastAccuracy(outcomes) },
      anomalies: {
        total: anomalyCounts.reduce((s, r) => s + Number(r.n), 0),
        active: anomalyCounts.filter((r) => r.status === 'active').reduce((s, r) => s + Number(r.n), 0),
        by_severity: tally(anomalyCounts, (r) => r.severity),
        by_status: tally(anomalyCounts, (r) => r.status),
        by_kind: tally(anomalyCounts, (r) => r.kind),
      },
      slo_alerts: {
        fired: firing.reduce((s, r) => s + Number(r.n), 0),
        resolved: alertCounts.filter((a) => a.state === 'resolved').reduce((s, r) => s + Number(r.n), 0),
        by_severity: tally(firing, (r) => r.severity),
      },
    });
  });
  return app;
}
