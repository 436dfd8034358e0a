/**
 * SLO monitors and their state in ClickHouse (clickhouse-migrations/sql/0012,
 * 0015): monitor records, per-window counts from the latency histogram
 * rollups, the last evaluated status, and the alert log. Values are bound as
 * query parameters; the only SQL composed here is the per-window column list,
 * built from indexes, never from input.
 */
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { WindowData } from '../models/slo/evaluate-slo.ts';
import { bucketOfStart } from '../models/slo/latency-buckets.ts';
import type { SloObjective } from '../models/slo/objectives.ts';

export interface SloMonitorSpec {
  readonly service: string;
  /** SpanName; the service's entry spans when absent. */
  readonly operation?: string | undefined;
  readonly objectives: readonly SloObjective[];
  /** e.g. "30d". */
  readonly window: string;
}

export interface SloMonitor extends SloMonitorSpec {
  readonly id: string;
  /** Unix ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Stable id of the monitor of (service, operation): the first 16 hex digits of a SHA-256. */
export function sloMonitorId(service: string, operation: string | undefined): string {
  return createHash('sha256')
    .update(`${service}\u0000${operation ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}

interface MonitorRow {
  id: string;
  service: string;
  operation: string;
  objectives: string;
  window: string;
  created: number;
  updated: number;
}

const MONITOR_COLUMNS = `
  MonitorId AS id, ServiceName AS service, Operation AS operation, Objectives AS objectives, Window AS window,
  toUnixTimestamp64Milli(CreatedAt) AS created, toUnixTimestamp64Milli(UpdatedAt) AS updated`;

const toMonitor = (r: MonitorRow): SloMonitor => ({
  id: r.id,
  service: r.service,
  ...(r.operation === '' ? {} : { operation: r.operation }),
  objectives: JSON.parse(r.objectives) as SloObjective[],
  window: r.window,
  createdAt: Number(r.created),
  updatedAt: Number(r.updated),
});

const JSON_NUMBERS = { output_format_json_quote_64bit_integers: 0 } as const;

/** Every monitor, by service then operation. */
export async function listSloMonitors(client: ClickHouseClient, filter: { service?: string | undefined } = {}): Promise<SloMonitor[]> {
  const rs = await client.query({
    query: `SELECT ${MONITOR_COLUMNS} FROM ppo_slo_monitors FINAL
            WHERE Deleted = 0 AND ({service:String} = '' OR ServiceName = {service:String})
            ORDER BY ServiceName, Operation`,
    query_params: { service: filter.service ?? '' },
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  return (await rs.json<MonitorRow>()).map(toMonitor);
}

export async function getSloMonitor(client: ClickHouseClient, id: string): Promise<SloMonitor | undefined> {
  const rs = await client.query({
    query: `SELECT ${MONITOR_COLUMNS} FROM ppo_slo_monitors FINAL WHERE MonitorId = {id:String} AND Deleted = 0`,
    query_params: { id },
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  const row = (await rs.json<MonitorRow>())[0];
  return row ? toMonitor(row) : undefined;
}

/**
 * Creates the monitor of (service, operation) or replaces its objectives and
 * window, keeping its creation time. Returns what is stored.
 */
export async function upsertSloMonitor(client: ClickHouseClient, spec: SloMonitorSpec, nowMs: number): Promise<{ monitor: SloMonitor; created: boolean }> {
  const id = sloMonitorId(spec.service, spec.operation);
  const existing = await getSloMonitor(client, id);
  // Version must grow even for two writes within one ms.
  const version = Math.max(nowMs, (existing?.updatedAt ?? 0) + 1);
  const monitor: SloMonitor = {
    id,
    service: spec.service,
    ...(spec.operation === undefined ? {} : { operation: spec.operation }),
    objectives: spec.objectives,
    window: spec.window,
    createdAt: existing?.createdAt ?? nowMs,
    updatedAt: version,
  };
  await client.command({
    query: `INSERT INTO ppo_slo_monitors (MonitorId, ServiceName, Operation, Objectives, Window, CreatedAt, UpdatedAt, Deleted, Version)
            SELECT {id:String}, {service:String}, {operation:String}, {objectives:String}, {window:String},
                   fromUnixTimestamp64Milli({created:Int64}), fromUnixTimestamp64Milli({updated:Int64}), 0, {version:UInt64}`,
    query_params: {
      id,
      service: spec.service,
      operation: spec.operation ?? '',
      objectives: JSON.stringify(spec.objectives),
      window: spec.window,
      created: monitor.createdAt,
      updated: monitor.updatedAt,
      version,
    },
  });
  return { monitor, created: existing === undefined };
}

/** Marks a monitor deleted (a newer version with Deleted = 1); false when there is none. */
export async function deleteSloMonitor(client: ClickHouseClient, id: string, nowMs: number): Promise<boolean> {
  const existing = await getSloMonitor(client, id);
  if (!existing) return false;
  await client.command({
    query: `INSERT INTO ppo_slo_monitors (MonitorId, ServiceName, Operation, Objectives, Window, CreatedAt, UpdatedAt, Deleted, Version)
            SELECT {id:String}, {service:String}, {operation:String}, '[]', {window:String},
                   fromUnixTimestamp64Milli({created:Int64}), fromUnixTimestamp64Milli({updated:Int64}), 1, {version:UInt64}`,
    query_params: {
      id,
      service: existing.service,
      operation: existing.operation ?? '',
      window: existing.window,
      created: existing.createdAt,
      updated: nowMs,
      version: Math.max(nowMs, existing.updatedAt + 1),
    },
  });
  return true;
}

/**
 * Calls, errors and latency bucket counts of each trailing window ending at
 * `nowMs` (whole minutes: a window of w seconds is the last w/60 minutes
 * including the current, partial one). One pass over the histogram rollup,
 * one sumIf per window.
 */
export async function fetchSloWindows(
  client: ClickHouseClient,
  target: { service: string; operation?: string | undefined },
  windowsS: readonly number[],
  nowMs: number,
): Promise<Map<number, WindowData>> {
  const endS = Math.floor(nowMs / 60_000) * 60 + 60;
  const starts = windowsS.map((w) => endS - Math.ceil(w / 60) * 60);
  const counts = starts.map((_, i) => `sumIf(Count, Minute >= toDateTime({s${i}:Int64})) AS c${i}, sumIf(Errors, Minute >= toDateTime({s${i}:Int64})) AS e${i}`).join(',\n  ');
  const table = target.operation === undefined ? 'ppo_slo_hist_1m_service' : 'ppo_slo_hist_1m_operation';
  const filter = target.operation === undefined ? 'ServiceName = {service:String}' : 'ServiceName = {service:String} AND SpanName = {operation:String}';
  const params: Record<string, string | number> = { service: target.service, operation: target.operation ?? '', from: Math.min(...starts), end: endS };
  starts.forEach((s, i) => (params[`s${i}`] = s));
  const rs = await client.query({
    query: `SELECT toString(BucketStartNs) AS start,
  ${counts}
FROM ${table}
WHERE ${filter} AND Minute >= toDateTime({from:Int64}) AND Minute < toDateTime({end:Int64})
GROUP BY BucketStartNs`,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  const rows = await rs.json<Record<string, number | string>>();
  const out = new Map<number, WindowData>();
  windowsS.forEach((w, i) => {
    let calls = 0;
    let errors = 0;
    const buckets = new Map<number, number>();
    for (const r of rows) {
      const n = Number(r[`c${i}`] ?? 0);
      if (n === 0) continue;
      calls += n;
      errors += Number(r[`e${i}`] ?? 0);
      buckets.set(bucketOfStart(Number(r['start'])), n);
    }
    out.set(w, { calls, errors, buckets });
  });
  return out;
}

/** The last evaluated status of a monitor and the alerts firing then. */
export interface StoredSloStatus {
  readonly monitorId: string;
  readonly evaluatedAt: number;
  /** "<objective key>|<severity>". */
  readonly firing: readonly string[];
  readonly status: Readonly<Record<string, unknown>>;
}

export async function loadSloStatuses(client: ClickHouseClient): Promise<Map<string, StoredSloStatus>> {
  const rs = await client.query({
    query: `SELECT MonitorId AS id, toUnixTimestamp64Milli(EvaluatedAt) AS at, Firing AS firing, Status AS status FROM ppo_slo_status FINAL`,
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  const out = new Map<string, StoredSloStatus>();
  for (const r of await rs.json<{ id: string; at: number; firing: string[]; status: string }>()) {
    out.set(r.id, { monitorId: r.id, evaluatedAt: Number(r.at), firing: r.firing, status: JSON.parse(r.status) as Record<string, unknown> });
  }
  return out;
}

export async function saveSloStatus(client: ClickHouseClient, s: StoredSloStatus): Promise<void> {
  await client.command({
    query: `INSERT INTO ppo_slo_status (MonitorId, EvaluatedAt, Firing, Status, Version)
            SELECT {id:String}, fromUnixTimestamp64Milli({at:Int64}), {firing:Array(String)}, {status:String}, {version:UInt64}`,
    query_params: { id: s.monitorId, at: s.evaluatedAt, firing: [...s.firing], status: JSON.stringify(s.status), version: s.evaluatedAt },
  });
}

export interface SloAlertTransition {
  readonly at: number;
  readonly monitorId: string;
  readonly service: string;
  readonly operation?: string | undefined;
  readonly objectiveKey: string;
  readonly severity: 'fast' | 'slow';
  readonly state: 'firing' | 'resolved';
  readonly detail: Readonly<Record<string, unknown>>;
}

export async function recordSloAlert(client: ClickHouseClient, t: SloAlertTransition): Promise<void> {
  await client.command({
    query: `INSERT INTO ppo_slo_alerts (At, MonitorId, ServiceName, Operation, ObjectiveKey, Severity, State, Detail)
            SELECT fromUnixTimestamp64Milli({at:Int64}), {id:String}, {service:String}, {operation:String}, {key:String}, {severity:String}, {state:String}, {detail:String}`,
    query_params: {
      at: t.at,
      id: t.monitorId,
      service: t.service,
      operation: t.operation ?? '',
      key: t.objectiveKey,
      severity: t.severity,
      state: t.state,
      detail: JSON.stringify(t.detail),
    },
  });
}
