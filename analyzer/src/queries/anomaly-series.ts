import type { ClickHouseClient } from '@clickhouse/client';
import { fetchMetricSeries } from './metric-series.ts';
import { fetchRedSeries } from './red-series.ts';

/**
 * A service's series as the anomaly detector takes it: a RED signal from the
 * per-minute rollups or any stored OTLP metric, one value per step (null
 * where nothing was observed).
 */

export const RED_METRICS = ['rate', 'error_rate', 'latency_p50', 'latency_p95', 'latency_p99'] as const;
export type RedMetric = (typeof RED_METRICS)[number];

export const isRedMetric = (m: string): m is RedMetric => (RED_METRICS as readonly string[]).includes(m);

export interface ServiceSeriesQuery {
  readonly service: string;
  /** A RED metric name or an OTLP metric name. */
  readonly metric: string;
  /** OTLP metrics only: data point attributes that must match. */
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  /** Unix seconds; aligned down to the step. */
  readonly fromS: number;
  /** Unix seconds, exclusive. */
  readonly toS: number;
  readonly stepS: number;
}

export interface ServiceSeries {
  /** Unix ms per point (bucket start). */
  readonly times: number[];
  readonly values: (number | null)[];
  readonly unit: string;
}

const QUANTILE_INDEX: Record<'latency_p50' | 'latency_p95' | 'latency_p99', number> = { latency_p50: 0, latency_p95: 1, latency_p99: 2 };

/** The series, or undefined when the metric has no data for the service in the window. */
export async function fetchServiceSeries(client: ClickHouseClient, q: ServiceSeriesQuery): Promise<ServiceSeries | undefined> {
  // RED comes from per-minute rollups: whole minutes only.
  const redStepS = Math.max(60, Math.round(q.stepS / 60) * 60);
  if (isRedMetric(q.metric)) {
    // The rollups are per minute: the window is whole minutes.
    const fromS = Math.floor(q.fromS / 60) * 60;
    const toS = Math.ceil(q.toS / 60) * 60;
    const stepS = redStepS;
    const rows = await fetchRedSeries(client, { service: q.service, fromS, toS, stepS });
    if (!rows.some((r) => r.calls > 0)) return undefined;
    const metric = q.metric;
    const value = (r: (typeof rows)[number]): number | null => {
      if (metric === 'rate') return r.calls / stepS;
      if (metric === 'error_rate') return r.calls > 0 ? r.errors / r.calls : null;
      const ns = r.q[QUANTILE_INDEX[metric]];
      return r.calls > 0 && ns !== undefined ? ns / 1e6 : null;
    };
    return {
      times: rows.map((r) => r.t * 1000),
      values: rows.map(value),
      unit: metric === 'rate' ? 'req/s' : metric === 'error_rate' ? '1' : 'ms',
    };
  }
  const s = await fetchMetricSeries(client, { metric: q.metric, service: q.service, attributes: q.attributes, fromS: q.fromS, toS: q.toS, stepS: q.stepS });
  if (!s) return undefined;
  return { times: s.points.map((p) => p.t * 1000), values: s.points.map((p) => p.value), unit: s.semantics === 'rate' ? `${s.unit}/s` : s.unit };
}
