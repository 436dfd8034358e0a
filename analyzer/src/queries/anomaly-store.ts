import type { ClickHouseClient } from '@clickhouse/client';
import type { AnomalyKind, AnomalySeverity } from '../models/anomaly/detect-anomalies.ts';

/** An anomaly as `ppo_anomalies` keeps it (clickhouse-migrations/sql/0009). Times are unix ms. */
export interface StoredAnomaly {
  readonly id: string;
  readonly service: string;
  readonly metric: string;
  readonly kind: AnomalyKind;
  readonly direction: 'up' | 'down';
  readonly severity: AnomalySeverity;
  readonly status: 'active' | 'resolved';
  readonly start: number;
  readonly end: number;
  readonly peakAt: number;
  readonly score: number;
  readonly actual: number;
  readonly expected: number;
  readonly detectedAt: number;
  readonly updatedAt: number;
}

export interface ListAnomaliesQuery {
  readonly service?: string | undefined;
  readonly metric?: string | undefined;
  /** Anomalies that overlap [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** true: active only; false: resolved only; absent: both. */
  readonly active?: boolean | undefined;
  readonly limit?: number | undefined;
}

const dt = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Writes anomalies (new ones and new versions of stored ones). `version` must
 * grow between writes of the same id: the job passes its run's time.
 */
export async function writeAnomalies(client: ClickHouseClient, rows: readonly StoredAnomaly[], version: number): Promise<void> {
  if (rows.length === 0) return;
  await client.insert({
    table: 'ppo_anomalies',
    format: 'JSONEachRow',
    values: rows.map((a) => ({
      AnomalyId: a.id,
      ServiceName: a.service,
      Metric: a.metric,
      Kind: a.kind,
      Direction: a.direction,
      Severity: a.severity,
      Status: a.status,
      Start: dt(a.start),
      End: dt(a.end),
      PeakAt: dt(a.peakAt),
      Score: Number.isFinite(a.score) ? a.score : Number.MAX_VALUE,
      Actual: Number.isFinite(a.actual) ? a.actual : 0,
      Expected: Number.isFinite(a.expected) ? a.expected : 0,
      DetectedAt: dt(a.detectedAt),
      UpdatedAt: dt(a.updatedAt),
      Version: version,
    })),
  });
}

interface Row {
  id: string;
  service: string;
  metric: string;
  kind: AnomalyKind;
  direction: 'up' | 'down';
  severity: AnomalySeverity;
  status: 'active' | 'resolved';
  start: number;
  end: number;
  peakAt: number;
  score: number;
  actual: number;
  expected: number;
  detectedAt: number;
  updatedAt: number;
}

/** Stored anomalies (latest version of each), newest start first. */
export async function listAnomalies(client: ClickHouseClient, q: ListAnomaliesQuery): Promise<StoredAnomaly[]> {
  const where = ['Start < fromUnixTimestamp64Milli({to:Int64})', 'End >= fromUnixTimestamp64Milli({from:Int64})'];
  if (q.service !== undefined) where.push('ServiceName = {service:String}');
  if (q.metric !== undefined) where.push('Metric = {metric:String}');
  if (q.active !== undefined) where.push(`Status = '${q.active ? 'active' : 'resolved'}'`);
  const rs = await client.query({
    query: `
SELECT AnomalyId AS id, ServiceName AS service, Metric AS metric, Kind AS kind, Direction AS direction,
       Severity AS severity, Status AS status,
       toUnixTimestamp64Milli(Start) AS start, toUnixTimestamp64Milli(End) AS end, toUnixTimestamp64Milli(PeakAt) AS peakAt,
       Score AS score, Actual AS actual, Expected AS expected,
       toUnixTimestamp64Milli(DetectedAt) AS detectedAt, toUnixTimestamp64Milli(UpdatedAt) AS updatedAt
FROM ppo_anomalies FINAL
WHERE ${where.join(' AND ')}
ORDER BY Start DESC, ServiceName, Metric
LIMIT {limit:UInt32}`,
    query_params: { from: q.fromMs, to: q.toMs, service: q.service ?? '', metric: q.metric ?? '', limit: q.limit ?? 1000 },
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<Row>();
}

/** A stored anomaly as the API returns it and the live stream carries it (times RFC 3339). */
export interface StoredAnomalyJson {
  id: string;
  service: string;
  metric: string;
  kind: StoredAnomaly['kind'];
  direction: StoredAnomaly['direction'];
  severity: StoredAnomaly['severity'];
  status: StoredAnomaly['status'];
  score: number;
  start: string;
  end: string;
  peak_at: string;
  actual: number;
  expected: number;
  detected_at: string;
  updated_at: string;
}

export function storedAnomalyJson(a: StoredAnomaly): StoredAnomalyJson {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    id: a.id,
    service: a.service,
    metric: a.metric,
    kind: a.kind,
    direction: a.direction,
    severity: a.severity,
    status: a.status,
    score: a.score,
    start: iso(a.start),
    end: iso(a.end),
    peak_at: iso(a.peakAt),
    actual: a.actual,
    expected: a.expected,
    detected_at: iso(a.detectedAt),
    updated_at: iso(a.updatedAt),
  };
}
