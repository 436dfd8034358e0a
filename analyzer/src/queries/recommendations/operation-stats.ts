import type { ClickHouseClient } from '@clickhouse/client';
import { opKey, type OperationStats } from '../../models/recommendations/from-findings.ts';
import { selectRows, WINDOW } from './sql-util.ts';

/** p50 duration, calls and errors of the given (service, operation) pairs in [from, to). */
export async function fetchOperationStats(
  client: ClickHouseClient,
  pairs: readonly (readonly [string, string])[],
  from: bigint,
  to: bigint,
  signal?: AbortSignal,
): Promise<Map<string, OperationStats>> {
  const out = new Map<string, OperationStats>();
  if (pairs.length === 0) return out;
  const services = [...new Set(pairs.map((p) => p[0]))];
  const ops = [...new Set(pairs.map((p) => p[1]))];
  const rows = await selectRows<{ s: string; o: string; p50: number; calls: number; errors: number }>(
    client,
    `SELECT ServiceName AS s, SpanName AS o, quantile(0.5)(Duration) / 1e6 AS p50, count() AS calls, countIf(StatusCode = 'Error') AS errors
     FROM otel_traces
     WHERE ${WINDOW} AND ServiceName IN {services:Array(String)} AND SpanName IN {ops:Array(String)}
     GROUP BY s, o`,
    { from: from.toString(), to: to.toString(), services, ops },
    signal,
  );
  const wanted = new Set(pairs.map(([s, o]) => opKey(s, o)));
  for (const r of rows) {
    const k = opKey(r.s, r.o);
    if (wanted.has(k)) out.set(k, { p50Ms: r.p50, calls: r.calls, errors: r.errors });
  }
  return out;
}
