import type { ClickHouseClient } from '@clickhouse/client';
import { settled } from './start-ppo.ts';

export type QueryParams = Record<string, unknown>;

/**
 * Runs a SELECT with bound `{name:Type}` parameters and returns its rows
 * (JSONEachRow). 64-bit integers (UInt64 counts, bucket counts) come back as
 * decimal strings, exact and the same on chDB and a server, whose defaults differ.
 */
export async function queryRows<T>(client: ClickHouseClient, query: string, params: QueryParams = {}): Promise<T[]> {
  await settled();
  const rs = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return rs.json<T>();
}

/** The first column of the first row as a number (for `SELECT count() ...`). */
export async function queryCount(client: ClickHouseClient, query: string, params: QueryParams = {}): Promise<number> {
  const rows = await queryRows<Record<string, string | number>>(client, query, params);
  const first = rows[0];
  if (!first) return 0;
  const value = Object.values(first)[0];
  return Number(value ?? 0);
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `SELECT count() ...` until it returns at least `expected`, then
 * returns the count (so a caller can assert it is not more). Receivers
 * acknowledge only stored rows, so this normally returns on the first try;
 * the poll only guards against a slow insert under load.
 */
export async function waitForCount(
  client: ClickHouseClient,
  query: string,
  params: QueryParams,
  expected: number,
  { timeoutMs = 10_000, intervalMs = 25 }: WaitOptions = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = await queryCount(client, query, params);
  while (last < expected) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${expected} rows, have ${last}: ${query.trim()}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await queryCount(client, query, params);
  }
  return last;
}

/** Polls a SELECT until it returns at least `expected` rows, and returns them. */
export async function waitForRows<T>(
  client: ClickHouseClient,
  query: string,
  params: QueryParams,
  expected: number,
  { timeoutMs = 10_000, intervalMs = 25 }: WaitOptions = {},
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let rows = await queryRows<T>(client, query, params);
  while (rows.length < expected) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${expected} rows, have ${rows.length}: ${query.trim()}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
    rows = await queryRows<T>(client, query, params);
  }
  return rows;
}
