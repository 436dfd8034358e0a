import type { ClickHouseClient } from '@clickhouse/client';
import type { Trace } from '../model/trace.ts';
import { BottleneckRanker, type Bottleneck, type PatternSummary } from '../models/bottlenecks/rank-bottlenecks.ts';
import { detectPatterns } from '../models/patterns/detect-patterns.ts';
import type { PatternFinding } from '../models/patterns/types.ts';
import { countEntryTraces, streamEntryTraces, type AttributeSelection } from './load-traces.ts';

/**
 * Aggregated bottlenecks of a window: ClickHouse picks the traces (and the
 * deterministic sample), groups their spans and ships only the columns the
 * models read; the pure models rank in one streaming pass.
 *
 * Entry point: with `service` and/or `operation`, the traces whose root span
 * matches them; with neither, every trace with a root in the window, taken
 * together as one population (so `est_saving_ms` is the drop of the p50 over
 * all of them, and heavy entry points weigh by their traffic). Traces are
 * chosen by their root's start in [from, to).
 */

export interface AnalyzeBottlenecksRequest {
  readonly from: bigint;
  readonly to: bigint;
  readonly service?: string | undefined;
  readonly operation?: string | undefined;
}

export interface AnalyzeBottlenecksOptions {
  /** Above this many traces, a deterministic ~1/N sample is analyzed. */
  readonly maxTraces?: number;
  readonly speedupFactor?: number;
  readonly limit?: number;
  /** Default: the anti-pattern detectors; `null` turns them off. */
  readonly detectPatterns?: ((trace: Trace) => readonly PatternFinding[]) | null;
}

export interface AnalyzeBottlenecksResult {
  readonly from: bigint;
  readonly to: bigint;
  readonly entryPoint: { readonly service: string | null; readonly operation: string | null } | null;
  readonly tracesTotal: number;
  readonly tracesAnalyzed: number;
  readonly sampled: boolean;
  /** 1 when every trace was analyzed. */
  readonly sampleModulus: number;
  readonly latencyP50Ms: number;
  readonly bottlenecks: readonly Bottleneck[];
  readonly patterns: readonly PatternSummary[];
}

export const DEFAULT_MAX_TRACES = 20_000;

/**
 * Attributes the pattern detectors read (database statements, peers, RPC and
 * HTTP call identity, messaging), by namespace so a detector reading a new
 * key of a known namespace keeps working; everything else stays in ClickHouse.
 */
export const PATTERN_ATTRIBUTE_PREFIXES: AttributeSelection = {
  prefixes: ['db.', 'rpc.', 'http.', 'url.', 'server.', 'net.peer.', 'peer.', 'messaging.'],
};

export async function analyzeBottlenecks(
  client: ClickHouseClient,
  req: AnalyzeBottlenecksRequest,
  opts: AnalyzeBottlenecksOptions = {},
): Promise<AnalyzeBottlenecksResult> {
  const maxTraces = opts.maxTraces ?? DEFAULT_MAX_TRACES;
  const detect = opts.detectPatterns === undefined ? detectPatterns : opts.detectPatterns;
  const entryPoint =
    req.service === undefined && req.operation === undefined ? null : { service: req.service ?? null, operation: req.operation ?? null };

  const count = await countEntryTraces(client, req);
  const ranker = new BottleneckRanker({
    ...(opts.speedupFactor === undefined ? {} : { speedupFactor: opts.speedupFactor }),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    ...(detect === null ? {} : { detectPatterns: detect }),
  });
  const sampleModulus = Math.max(1, Math.ceil(count.traces / maxTraces));
  if (count.maxRootEndNs !== undefined) {
    await streamEntryTraces(
      client,
      req,
      {
        sampleModulus,
        maxRootEndNs: count.maxRootEndNs,
        ...(detect === null ? {} : { attributes: PATTERN_ATTRIBUTE_PREFIXES }),
      },
      (trace) => ranker.add(trace),
    );
  }
  const report = ranker.finish();
  return {
    from: req.from,
    to: req.to,
    entryPoint,
    tracesTotal: count.traces,
    tracesAnalyzed: report.tracesAnalyzed,
    sampled: sampleModulus > 1,
    sampleModulus,
    latencyP50Ms: report.latencyP50Ms,
    bottlenecks: report.bottlenecks,
    patterns: report.patterns,
  };
}
