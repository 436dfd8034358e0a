/**
 * ppo_deployments: the changes the learning loop measures (new
 * service.version values seen in spans, or explicit deploy events).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { VersionFirstSeen } from '../../models/outcomes/plan-windows.ts';
import { nsToIso9, selectRows, writeStamp } from './sql-util.ts';

export type DeploymentStatus = 'pending' | 'measured' | 'insufficient';

export interface Deployment {
  readonly service: string;
  readonly version: string;
  /** Data time, unix ns. */
  readonly at: bigint;
  readonly source: 'service.version' | 'api';
  readonly status: DeploymentStatus;
  /** After measurement: 'regressed' or 'ok'. */
  readonly verdict: string;
  readonly detail: string;
  readonly createdAt: string;
  readonly measuredAt?: string;
}

export async function saveDeployment(client: ClickHouseClient, d: Deployment): Promise<void> {
  await client.insert({
    table: 'ppo_deployments',
    values: [
      {
        ServiceName: d.service,
        DeployVersion: d.version,
        At: nsToIso9(d.at),
        Source: d.source,
        Status: d.status,
        Verdict: d.verdict,
        Detail: d.detail,
        CreatedAt: d.createdAt,
        MeasuredAt: d.measuredAt ?? null,
        Version: writeStamp().toString(),
      },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}

export async function listDeployments(client: ClickHouseClient, f: { status?: DeploymentStatus; service?: string } = {}): Promise<Deployment[]> {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.status) {
    where.push('Status = {status:String}');
    params['status'] = f.status;
  }
  if (f.service !== undefined) {
    where.push('ServiceName = {service:String}');
    params['service'] = f.service;
  }
  const rows = await selectRows<{ s: string; v: string; at: string; src: string; st: string; verdict: string; detail: string; created: string; measured: string | null }>(
    client,
    `SELECT ServiceName AS s, DeployVersion AS v, toString(toUnixTimestamp64Nano(At)) AS at, Source AS src, Status AS st, Verdict AS verdict, Detail AS detail,
            formatDateTime(CreatedAt, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS created,
            if(MeasuredAt IS NULL, NULL, formatDateTime(assumeNotNull(MeasuredAt), '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC')) AS measured
     FROM ppo_deployments FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY At`,
    params,
  );
  return rows.map((r) => ({
    service: r.s,
    version: r.v,
    at: BigInt(r.at),
    source: r.src === 'api' ? 'api' : 'service.version',
    status: r.st as DeploymentStatus,
    verdict: r.verdict,
    detail: r.detail,
    createdAt: r.created.replace(/(\.\d{3})\d*Z$/, '$1Z'),
    ...(r.measured === null ? {} : { measuredAt: r.measured.replace(/(\.\d{3})\d*Z$/, '$1Z') }),
  }));
}

/**
 * The first span of every service.version per service within the lookback
 * (data time, ending at the latest span). ClickHouse groups; JS gets one row
 * per (service, version).
 */
export async function fetchVersionsFirstSeen(client: ClickHouseClient, lookbackStart: bigint): Promise<VersionFirstSeen[]> {
  const rows = await selectRows<{ s: string; v: string; first: string }>(
    client,
    `SELECT ServiceName AS s, ResourceAttributes['service.version'] AS v, toString(toUnixTimestamp64Nano(min(Timestamp))) AS first
     FROM otel_traces
     WHERE Timestamp >= fromUnixTimestamp64Nano({lo:Int64}) AND ResourceAttributes['service.version'] != ''
     GROUP BY s, v`,
    { lo: lookbackStart.toString() },
  );
  return rows.map((r) => ({ service: r.s, version: r.v, firstSeen: BigInt(r.first) }));
}

/** First and latest span timestamps of a service (unix ns). */
export async function serviceDataSpan(client: ClickHouseClient, service: string): Promise<{ start: bigint; end: bigint } | undefined> {
  const [r] = await selectRows<{ n: number; lo: string; hi: string }>(
    client,
    `SELECT count() AS n, toString(toUnixTimestamp64Nano(min(Timestamp))) AS lo, toString(toUnixTimestamp64Nano(max(Timestamp))) AS hi
     FROM otel_traces WHERE ServiceName = {service:String}`,
    { service },
  );
  if (!r || r.n === 0) return undefined;
  return { start: BigInt(r.lo), end: BigInt(r.hi) };
}
