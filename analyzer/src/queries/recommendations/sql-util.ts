import type { ClickHouseClient } from '@clickhouse/client';

/** Rows of a parameterized SELECT as JSON objects (64-bit integers as numbers unless cast to String). */
export async function selectRows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T[]> {
  const rs = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    ...(signal ? { abort_signal: signal } : {}),
  });
  return rs.json<T>();
}

/** `Timestamp` in [from, to), bound as {from:Int64}/{to:Int64} unix ns. */
export const WINDOW = 'Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})';

/** unix ns → 'YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ' (DateTime64(9) input with best_effort parsing). */
export function nsToIso9(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  return `${new Date(Number(s) * 1000).toISOString().slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

let lastStamp = 0n;
/** Version of a ReplacingMergeTree write: strictly increasing within the process, µs since the epoch. */
export function writeStamp(): bigint {
  const now = BigInt(Date.now()) * 1000n;
  lastStamp = now > lastStamp ? now : lastStamp + 1n;
  return lastStamp;
}

/** Latest span timestamp (unix ns) of a service, or of every service; undefined when there is none. */
export async function latestDataTime(client: ClickHouseClient, service?: string): Promise<bigint | undefined> {
  const where = service === undefined ? '' : 'WHERE ServiceName = {service:String}';
  const [row] = await selectRows<{ n: number; t: string }>(
    client,
    `SELECT count() AS n, toString(toUnixTimestamp64Nano(max(Timestamp))) AS t FROM otel_traces ${where}`,
    service === undefined ? {} : { service },
  );
  if (!row || row.n === 0) return undefined;
  return BigInt(row.t);
}
