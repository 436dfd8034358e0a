/**
 * What the learning loop compares: one operation's spans in a window — a
 * bounded, deterministic sample of durations (cityHash64 of the span id, so
 * re-measuring gives the same answer) for Mann-Whitney U, and the full call
 * and error counts for the proportions test.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ErrorCounts } from '../../models/outcomes/judge-outcome.ts';
import { selectRows, WINDOW } from './sql-util.ts';

export interface WindowSampleQuery {
  readonly service: string;
  readonly operation: string;
  readonly from: bigint;
  readonly to: bigint;
  /** Only spans of this service.version (the after window of a detected deploy). */
  readonly version?: string;
  readonly maxSamples: number;
}

export interface WindowSample {
  readonly durationsMs: number[];
  readonly counts: ErrorCounts;
}

export async function fetchWindowSample(client: ClickHouseClient, q: WindowSampleQuery, signal?: AbortSignal): Promise<WindowSample> {
  const version = q.version === undefined ? '' : `AND ResourceAttributes['service.version'] = {version:String}`;
  const where = `ServiceName = {service:String} AND SpanName = {operation:String} AND ${WINDOW} ${version}`;
  const params = { service: q.service, operation: q.operation, from: q.from.toString(), to: q.to.toString(), n: q.maxSamples, ...(q.version === undefined ? {} : { version: q.version }) };
  const [counts] = await selectRows<{ calls: number; errors: number }>(
    client,
    `SELECT count() AS calls, countIf(StatusCode = 'Error') AS errors FROM otel_traces WHERE ${where}`,
    params,
    signal,
  );
  const samples = await selectRows<{ d: number }>(
    client,
    `SELECT Duration / 1e6 AS d FROM otel_traces WHERE ${where} ORDER BY cityHash64(SpanId) LIMIT {n:UInt32}`,
    params,
    signal,
  );
  return { durationsMs: samples.map((s) => s.d), counts: { calls: counts?.calls ?? 0, errors: counts?.errors ?? 0 } };
}

/** The service's entry operations (server/consumer spans and roots) with at least `minCalls` spans in the window, busiest first. */
export async function entryOperations(client: ClickHouseClient, service: string, from: bigint, to: bigint, minCalls: number, limit: number, signal?: AbortSignal): Promise<string[]> {
  const rows = await selectRows<{ o: string }>(
    client,
    `SELECT SpanName AS o FROM otel_traces
     WHERE ServiceName = {service:String} AND ${WINDOW} AND (SpanKind IN ('Server', 'Consumer') OR ParentSpanId = '')
     GROUP BY o HAVING count() >= {minCalls:UInt32} ORDER BY count() DESC LIMIT {limit:UInt32}`,
    { service, from: from.toString(), to: to.toString(), minCalls, limit },
    signal,
  );
  return rows.map((r) => r.o);
}
