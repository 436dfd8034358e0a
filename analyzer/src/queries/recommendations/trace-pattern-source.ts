/**
 * Recommendations from whole traces: N+1 and sequential-call patterns
 * (batch-n-plus-one, parallelize-calls) and database calls dominating the
 * critical path (fix-slow-query). Runs the bottleneck analysis over every
 * trace of the window (the fleet as one population) and keeps the findings
 * whose fix is made in the scoped service: an N+1 inside `orders` matters
 * whether or not `orders` is the entry point of its traces.
 */
import { analyzeBottlenecks } from '../analyze-bottlenecks.ts';
import { draftsFromPatterns, draftsFromSlowQueries, opKey } from '../../models/recommendations/from-findings.ts';
import { fetchOperationStats } from './operation-stats.ts';
import { selectRows, WINDOW } from './sql-util.ts';
import type { RecommendationSource } from './source.ts';

export interface TracePatternSourceOptions {
  /** Traces analyzed per run at most (a deterministic sample above). */
  readonly maxTraces?: number;
  readonly slowQueryMinShare?: number;
}

export function tracePatternSource(opts: TracePatternSourceOptions = {}): RecommendationSource {
  return {
    name: 'trace-patterns',
    kinds: ['batch-n-plus-one', 'parallelize-calls', 'fix-slow-query'],
    async collect(ctx, scope) {
      const r = await analyzeBottlenecks(ctx.client, { from: scope.from, to: scope.to }, { maxTraces: opts.maxTraces ?? 5_000, limit: 50 });
      const inScope = (service: string): boolean => scope.service === undefined || service === scope.service;
      const patterns = r.patterns.filter((p) => inScope(p.service));
      const bottlenecks = r.bottlenecks.filter((b) => inScope(b.service));
      const pairs = [...patterns.map((p) => [p.service, p.operation] as const), ...bottlenecks.map((b) => [b.service, b.operation] as const)];
      if (pairs.length === 0) return [];
      const stats = await fetchOperationStats(ctx.client, pairs, scope.from, scope.to, ctx.signal);
      const dbRows = bottlenecks.length === 0 ? [] : await selectRows<{ s: string; o: string }>(
        ctx.client,
        `SELECT DISTINCT ServiceName AS s, SpanName AS o FROM otel_traces
         WHERE ${WINDOW} AND ServiceName IN {services:Array(String)} AND SpanName IN {ops:Array(String)}
           AND (SpanAttributes['db.system'] != '' OR SpanAttributes['db.system.name'] != '')`,
        { from: scope.from.toString(), to: scope.to.toString(), services: [...new Set(bottlenecks.map((b) => b.service))], ops: [...new Set(bottlenecks.map((b) => b.operation))] },
        ctx.signal,
      );
      const db = new Set(dbRows.map((x) => opKey(x.s, x.o)));
      const findings = { tracesAnalyzed: r.tracesAnalyzed, sampleModulus: r.sampleModulus, latencyP50Ms: r.latencyP50Ms, bottlenecks, patterns };
      const slowQueries = draftsFromSlowQueries(findings, stats, db, opts.slowQueryMinShare === undefined ? {} : { slowQueryMinShare: opts.slowQueryMinShare });
      // One slow-query recommendation per finding: a service whose database call holds
      // the critical path gets that one; the pattern's (named by normalized statement,
      // not by span name, so the two cannot be matched exactly) only where there is none.
      const onPath = new Set(slowQueries.map((d) => d.service));
      const fromPatterns = draftsFromPatterns(findings, stats).filter((d) => d.kind !== 'fix-slow-query' || !onPath.has(d.service));
      return [...fromPatterns, ...slowQueries];
    },
  };
}
