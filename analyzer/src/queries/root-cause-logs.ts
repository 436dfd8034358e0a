import type { ClickHouseClient } from '@clickhouse/client';
import { INSTANCE_EXPR, JSON_NUMBERS, periodParams, type RcaPeriods } from './root-cause-window.ts';

/** Log volume and error-level volume per (service, instance, period). */
export interface LogVolumeRow {
  service: string;
  instance: string;
  inWindow: number;
  total: number;
  errors: number;
}

/** Error-level records per masked template. */
export interface LogTemplateRow {
  service: string;
  instance: string;
  template: string;
  inWindow: number;
  n: number;
}

const IN_PERIODS = `((Timestamp >= fromUnixTimestamp64Nano({bFrom:Int64}) AND Timestamp < fromUnixTimestamp64Nano({bTo:Int64}))
    OR (Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})))`;
export const IS_ERROR = `(SeverityNumber >= 17 OR upper(SeverityText) IN ('ERROR', 'FATAL', 'CRITICAL', 'EMERGENCY', 'ALERT'))`;

// A template is the body with its variables masked, in this order: UUIDs,
// quoted strings, hex ids (8+ hex digits), numbers; then whitespace runs.
// Masking in ClickHouse keeps the rows that reach JS to one per template.
export const TEMPLATE_EXPR = `left(trimBoth(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(
  Body,
  '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'),
  '"[^"]*"|''[^'']*''', '<str>'),
  '\\\\b(0x)?[0-9a-fA-F]{8,}\\\\b', '<hex>'),
  '[-+]?\\\\d+([.,]\\\\d+)*', '<n>'),
  '[=:]\\\\S*<(n|hex|uuid)>\\\\S*', '=<v>'),
  '\\\\s+', ' ')), 240)`;

export async function fetchLogStats(client: ClickHouseClient, p: RcaPeriods): Promise<{ volumes: LogVolumeRow[]; templates: LogTemplateRow[] }> {
  const params = periodParams(p);
  const vol = await client.query({
    query: `
SELECT ServiceName AS service, ${INSTANCE_EXPR} AS instance, toUInt8(Timestamp >= fromUnixTimestamp64Nano({from:Int64})) AS inWindow,
  count() AS total, countIf(${IS_ERROR}) AS errors
FROM otel_logs WHERE ${IN_PERIODS}
GROUP BY service, instance, inWindow`,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  const tpl = await client.query({
    query: `
SELECT ServiceName AS service, ${INSTANCE_EXPR} AS instance, ${TEMPLATE_EXPR} AS template,
  toUInt8(Timestamp >= fromUnixTimestamp64Nano({from:Int64})) AS inWindow, count() AS n
FROM otel_logs WHERE ${IN_PERIODS} AND ${IS_ERROR}
GROUP BY service, instance, template, inWindow
ORDER BY n DESC
LIMIT 5000`,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: JSON_NUMBERS,
  });
  return { volumes: await vol.json<LogVolumeRow>(), templates: await tpl.json<LogTemplateRow>() };
}
