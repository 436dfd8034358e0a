/**
 * add-cache: the same read — a database SELECT with identical text (literals
 * included) or an HTTP GET of the identical URL — issued again and again
 * under one caller operation. Grouped in ClickHouse with the caller's name
 * joined from the parent span; JS gets one row per (caller, read).
 */
import { draftsFromRepeatedReads, type RepeatedReadRow } from '../../models/recommendations/from-findings.ts';
import { fetchOperationStats } from './operation-stats.ts';
import { selectRows, WINDOW } from './sql-util.ts';
import type { RecommendationSource } from './source.ts';

const READ_KEY = `multiIf(
  positionCaseInsensitive(trimLeft(SpanAttributes['db.query.text']), 'select') = 1, SpanAttributes['db.query.text'],
  positionCaseInsensitive(trimLeft(SpanAttributes['db.statement']), 'select') = 1, SpanAttributes['db.statement'],
  upper(if(SpanAttributes['http.request.method'] != '', SpanAttributes['http.request.method'], SpanAttributes['http.method'])) = 'GET',
    concat('GET ', if(SpanAttributes['url.full'] != '', SpanAttributes['url.full'], SpanAttributes['http.url'])),
  '')`;

export function repeatedReadSource(opts: { minPerTrace?: number; minCalls?: number } = {}): RecommendationSource {
  return {
    name: 'repeated-reads',
    kinds: ['add-cache'],
    async collect(ctx, scope) {
      const params: Record<string, unknown> = { from: scope.from.toString(), to: scope.to.toString(), minCalls: opts.minCalls ?? 10 };
      const svc = scope.service === undefined ? '' : 'AND ServiceName = {service:String}';
      if (scope.service !== undefined) params['service'] = scope.service;
      const rows = await selectRows<{ service: string; operation: string; target: string; calls: number; traces: number; avgMs: number; ex: [string, string][] }>(
        ctx.client,
        `WITH reads AS (
           SELECT TraceId, SpanId, ParentSpanId, ServiceName, Duration, ${READ_KEY} AS target
           FROM otel_traces
           WHERE ${WINDOW} AND SpanKind = 'Client' AND ParentSpanId != '' ${svc} AND target NOT IN ('', 'GET ')
         ),
         parents AS (
           SELECT TraceId, SpanId, SpanName FROM otel_traces
           WHERE ${WINDOW} AND TraceId IN (SELECT TraceId FROM reads)
         )
         SELECT r.ServiceName AS service, p.SpanName AS operation, r.target AS target, count() AS calls,
                uniqExact(r.TraceId) AS traces, avg(r.Duration) / 1e6 AS avgMs, groupArray(5)((r.TraceId, r.SpanId)) AS ex
         FROM reads AS r INNER JOIN parents AS p ON r.TraceId = p.TraceId AND r.ParentSpanId = p.SpanId
         GROUP BY service, operation, target
         HAVING calls >= {minCalls:UInt32} AND calls >= 2 * traces
         ORDER BY calls DESC LIMIT 50`,
        params,
        ctx.signal,
      );
      if (rows.length === 0) return [];
      const stats = await fetchOperationStats(ctx.client, rows.map((r) => [r.service, r.operation] as const), scope.from, scope.to, ctx.signal);
      const reads: RepeatedReadRow[] = rows.map((r) => ({ ...r, examples: r.ex.map(([traceId, spanId]) => ({ traceId, spanId })) }));
      return draftsFromRepeatedReads(reads, stats, opts);
    },
  };
}
