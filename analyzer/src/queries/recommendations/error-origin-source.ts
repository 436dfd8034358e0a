/**
 * fix-error-source: where errors start. An erroring span none of whose
 * children errored is where the failure originated (its ancestors only pass
 * it on); grouped per service and operation, with the operation's total
 * spans for the rate. ClickHouse does the anti-join; JS gets one row per
 * originating operation.
 */
import { draftsFromErrorOrigins, type ErrorOriginRow } from '../../models/recommendations/from-findings.ts';
import { selectRows, WINDOW } from './sql-util.ts';
import type { RecommendationSource } from './source.ts';

export function errorOriginSource(opts: { minErrors?: number; minRate?: number } = {}): RecommendationSource {
  return {
    name: 'error-origins',
    kinds: ['fix-error-source'],
    async collect(ctx, scope) {
      const params: Record<string, unknown> = { from: scope.from.toString(), to: scope.to.toString() };
      const svc = scope.service === undefined ? '' : 'AND ServiceName = {service:String}';
      if (scope.service !== undefined) params['service'] = scope.service;
      const rows = await selectRows<{ service: string; operation: string; errors: number; traces: number; message: string; ex: [string, string][] }>(
        ctx.client,
        `WITH errs AS (
           SELECT TraceId, SpanId, ParentSpanId, ServiceName, SpanName, StatusMessage
           FROM otel_traces WHERE ${WINDOW} AND StatusCode = 'Error'
         )
         SELECT ServiceName AS service, SpanName AS operation, count() AS errors, uniqExact(TraceId) AS traces,
                arrayElement(topK(1)(StatusMessage), 1) AS message, groupArray(5)((TraceId, SpanId)) AS ex
         FROM errs
         WHERE (TraceId, SpanId) NOT IN (SELECT TraceId, ParentSpanId FROM errs WHERE ParentSpanId != '') ${svc}
         GROUP BY service, operation ORDER BY errors DESC LIMIT 50`,
        params,
        ctx.signal,
      );
      if (rows.length === 0) return [];
      const totals = await selectRows<{ s: string; o: string; calls: number }>(
        ctx.client,
        `SELECT ServiceName AS s, SpanName AS o, count() AS calls FROM otel_traces
         WHERE ${WINDOW} AND ServiceName IN {services:Array(String)} AND SpanName IN {ops:Array(String)} GROUP BY s, o`,
        { ...params, services: [...new Set(rows.map((r) => r.service))], ops: [...new Set(rows.map((r) => r.operation))] },
        ctx.signal,
      );
      const [traceTotal] = await selectRows<{ n: number }>(ctx.client, `SELECT uniq(TraceId) AS n FROM otel_traces WHERE ${WINDOW} AND ParentSpanId = ''`, params, ctx.signal);
      const calls = new Map(totals.map((t) => [`${t.s}\0${t.o}`, t.calls]));
      const origins: ErrorOriginRow[] = rows.map((r) => ({
        service: r.service,
        operation: r.operation,
        errors: r.errors,
        calls: calls.get(`${r.service}\0${r.operation}`) ?? r.errors,
        traces: r.traces,
        message: r.message,
        examples: r.ex.map(([traceId, spanId]) => ({ traceId, spanId })),
      }));
      return draftsFromErrorOrigins(origins, { ...opts, ...(traceTotal && traceTotal.n > 0 ? { totalTraces: traceTotal.n } : {}) });
    },
  };
}
