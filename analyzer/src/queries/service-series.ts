import type { ClickHouseClient } from '@clickhouse/client';
import { fetchMetricSeries } from './metric-series.ts';
import { fetchRedSeries, type RedBucketRow } from './red-series.ts';

/** RED metrics a forecast can be asked for by name, from the per-minute rollups. */
export const RED_METRICS = ['rate', 'error_rate', 'latency_p50', 'latency_p95', 'latency_p99'] as const;
export type RedMetric = (typeof RED_METRICS)[number];

export const isRedMetric = (m: string): m is RedMetric => (RED_METRICS as readonly string[]).includes(m);

export const RED_UNITS: Readonly<Record<RedMetric, string>> = {
  rate: '1/s',
  error_rate: '1',
  latency_p50: 'ms',
  latency_p95: 'ms',
  latency_p99: 'ms',
};

/** One RED metric's values from rollup buckets (see fetchServiceSeries for what each bucket gives). */
export function redValues(rows: readonly RedBucketRow[], metric: RedMetric, stepS: number): (number | null)[] {
  const qi = metric === 'latency_p50' ? 0 : metric === 'latency_p95' ? 1 : 2;
  return rows.map((r): number | null => {
    if (metric === 'rate') return r.calls / stepS;
    if (r.calls === 0) return null;
    if (metric === 'error_rate') return r.errors / r.calls;
    const ns = r.q[qi];
    return ns === undefined ? null : ns / 1e6;
  });
}

export interface ServiceSeriesQuery {
  readonly service: string;
  /** A RED metric name or any stored OTLP metric name. */
  readonly metric: string;
  /** OTLP data point attributes that must match (stored metrics only). */
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  /** Unix seconds, inclusive, a multiple of stepS. */
  readonly fromS: number;
  /** Unix seconds, exclusive. */
  readonly toS: number;
  readonly stepS: number;
}

export interface ServiceSeries {
  /** Bucket starts, unix seconds, every step present. */
  readonly t: number[];
  /** The bucket width used, seconds (RED metrics: whole minutes, the rollups' resolution). */
  readonly stepS: number;
  /** null: nothing to measure in the bucket (no calls for a ratio or a latency, no metric points). */
  readonly values: (number | null)[];
  readonly unit: string;
  /** Whether the service reported anything in the window (RED: any call); a rate of all zeros is otherwise indistinguishable from no service. */
  readonly observed: boolean;
}

/**
 * A service's series as the models (forecast, anomaly detection) take it. RED values per bucket:
 * `rate` calls per second (0 in a bucket without calls: no traffic is a real
 * 0), `error_rate` errors / calls, `latency_pNN` ms (both null without calls —
 * there is nothing to measure, which the forecaster treats as a gap). Any other
 * metric name is read from the OTLP metric tables; undefined when the service
 * has no such metric in the window.
 */
export async function fetchServiceSeries(client: ClickHouseClient, q: ServiceSeriesQuery): Promise<ServiceSeries | undefined> {
  if (isRedMetric(q.metric)) {
    // The rollups are per minute: whole-minute window and step.
    const stepS = Math.max(60, Math.round(q.stepS / 60) * 60);
    const fromS = Math.floor(q.fromS / 60) * 60;
    const toS = Math.ceil(q.toS / 60) * 60;
    const rows = await fetchRedSeries(client, { service: q.service, fromS, toS, stepS });
    return { t: rows.map((r) => r.t), stepS, values: redValues(rows, q.metric, stepS), unit: RED_UNITS[q.metric], observed: rows.some((r) => r.calls > 0) };
  }
  const s = await fetchMetricSeries(client, { metric: q.metric, service: q.service, attributes: q.attributes, fromS: q.fromS, toS: q.toS, stepS: q.stepS });
  if (s === undefined) return undefined;
  return { t: s.points.map((p) => p.t), stepS: q.stepS, values: s.points.map((p) => p.value), unit: s.semantics === 'rate' ? `${s.unit}/s` : s.unit, observed: true };
}
