import type { ClickHouseClient } from '@clickhouse/client';

export interface ServiceSummary {
  name: string;
  spans: number;
  errors: number;
  firstSeenNanos: string;
  lastSeenNanos: string;
}

const SERVICES_SQL = `
SELECT
  ServiceName AS name,
  count() AS spans,
  countIf(StatusCode = 'Error') AS errors,
  toString(toUnixTimestamp64Nano(min(Timestamp))) AS firstSeenNanos,
  toString(toUnixTimestamp64Nano(max(Timestamp))) AS lastSeenNanos
FROM otel_traces
WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64})
  AND Timestamp < fromUnixTimestamp64Nano({to:Int64})
GROUP BY ServiceName
ORDER BY name
`;

export async function fetchServices(client: ClickHouseClient, fromNanos: bigint, toNanos: bigint): Promise<ServiceSummary[]> {
  const rs = await client.query({
    query: SERVICES_SQL,
    query_params: { from: fromNanos.toString(), to: toNanos.toString() },
    format: 'JSONEachRow',
    // Counts as JSON numbers: a service will not see 2^53 spans in one window.
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<ServiceSummary>();
}
