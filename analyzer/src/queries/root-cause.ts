import type { ClickHouseClient } from '@clickhouse/client';
import { resourceFamily } from '../models/root-cause/metric-families.ts';
import { DEFAULT_RANK_OPTIONS, rankRootCauses, type RankOptions } from '../models/root-cause/rank.ts';
import type { RootCauseRanking } from '../models/root-cause/types.ts';
import { listMetrics } from './metric-series.ts';
import { fetchFlows } from './root-cause-flows.ts';
import { fetchLogStats } from './root-cause-logs.ts';
import { fetchMetricStats } from './root-cause-metrics.ts';
import { countTelemetry, fetchSpanStats, spanRetentionDays } from './root-cause-spans.ts';
import type { RcaPeriods } from './root-cause-window.ts';

export interface RootCauseRequest {
  readonly fromNs: bigint;
  readonly toNs: bigint;
  readonly baselineFromNs?: bigint | undefined;
  readonly baselineToNs?: bigint | undefined;
  /** Clock for the retention check (unix ns); now by default. */
  readonly nowNs?: bigint | undefined;
}

export interface RootCauseResult extends RootCauseRanking {
  readonly periods: RcaPeriods;
  readonly telemetry: { spans: number; points: number; logs: number };
  readonly baselineTelemetry: { spans: number; points: number; logs: number };
  /** 1: every span was analyzed; N: whole traces with cityHash64(TraceId) % N = 0. */
  readonly sampleModulus: number;
}

/** Spans per period analyzed in full; above it, traces are sampled. */
export const MAX_SPANS_PER_PERIOD = 150_000;

/** Why a well-formed request cannot be analyzed (the API answers 422). */
export class RootCauseUnavailable extends Error {
  constructor(
    readonly reason: 'retention' | 'no-data' | 'no-baseline',
    message: string,
  ) {
    super(message);
    this.name = 'RootCauseUnavailable';
  }
}

const DAY_NS = 86_400_000_000_000n;
/** Without an explicit baseline: the period before `from`, as long as the window but at least this long (short windows make noisy baselines). */
export const MIN_BASELINE_NS = 30n * 60_000_000_000n;

/** The default baseline: right before the window, max(window, 30 min) long, never before the retention horizon. */
export function defaultBaseline(fromNs: bigint, toNs: bigint, horizonNs: bigint | undefined): { baselineFromNs: bigint; baselineToNs: bigint } {
  const len = toNs - fromNs > MIN_BASELINE_NS ? toNs - fromNs : MIN_BASELINE_NS;
  let start = fromNs - len;
  if (horizonNs !== undefined && start < horizonNs) start = horizonNs;
  return { baselineFromNs: start, baselineToNs: fromNs };
}

/**
 * Root-cause ranking of a window against a baseline: ClickHouse reduces
 * spans, resource metrics and logs to per-(service, instance, ...) period
 * statistics; the pure model turns them into evidence and ranks them.
 */
export async function analyzeRootCause(client: ClickHouseClient, req: RootCauseRequest, opts: RankOptions = DEFAULT_RANK_OPTIONS): Promise<RootCauseResult> {
  const now = req.nowNs ?? BigInt(Date.now()) * 1_000_000n;
  const retentionDays = await spanRetentionDays(client);
  const horizon = retentionDays > 0 ? now - BigInt(retentionDays) * DAY_NS : undefined;
  if (horizon !== undefined && req.fromNs < horizon) {
    throw new RootCauseUnavailable(
      'retention',
      `the window starts before the retention horizon (PPO keeps ${retentionDays} day(s) of telemetry, so nothing before ${new Date(Number(horizon / 1_000_000n)).toISOString()} is stored)`,
    );
  }
  const base =
    req.baselineFromNs !== undefined && req.baselineToNs !== undefined
      ? { baselineFromNs: req.baselineFromNs, baselineToNs: req.baselineToNs }
      : defaultBaseline(req.fromNs, req.toNs, horizon);
  const periods: RcaPeriods = { fromNs: req.fromNs, toNs: req.toNs, ...base };
  const telemetry = await countTelemetry(client, periods.fromNs, periods.toNs);
  if (telemetry.spans + telemetry.points + telemetry.logs === 0) {
    throw new RootCauseUnavailable('no-data', 'no spans, metric points or log records are stored in the window');
  }
  const baselineTelemetry = await countTelemetry(client, periods.baselineFromNs, periods.baselineToNs);
  if (baselineTelemetry.spans + baselineTelemetry.points + baselineTelemetry.logs === 0) {
    throw new RootCauseUnavailable('no-baseline', 'no telemetry is stored in the baseline period, so there is nothing to compare the window with');
  }
  // Beyond this many spans in a period, a deterministic sample of whole traces is analyzed (the answer
  // stays interactive on busy fleets; medians and proportions need far fewer samples than that).
  const sampleModulus = Math.max(1, Math.ceil(Math.max(telemetry.spans, baselineTelemetry.spans) / MAX_SPANS_PER_PERIOD));
  // The trace sample for flow shapes is read alongside the span statistics (its own queries, no dependency).
  const [spans, flows] = await Promise.all([fetchSpanStats(client, periods, sampleModulus), fetchFlows(client, periods)]);
  const listed = await listMetrics(client, { fromS: Number(periods.baselineFromNs / 1_000_000_000n), toS: Number((periods.toNs + 999_999_999n) / 1_000_000_000n) });
  const names = [...new Set(listed.filter((m) => m.kind !== 'histogram' && resourceFamily(m.metric) !== undefined).map((m) => m.metric))];
  const metrics = await fetchMetricStats(client, periods, names);
  const logs = await fetchLogStats(client, periods);
  const ranking = rankRootCauses(
    {
      spans,
      metrics,
      logVolumes: logs.volumes,
      logTemplates: logs.templates,
      flows,
      windowS: Number(periods.toNs - periods.fromNs) / 1e9,
      baselineS: Number(periods.baselineToNs - periods.baselineFromNs) / 1e9,
    },
    opts,
  );
  return { ...ranking, periods, telemetry, baselineTelemetry, sampleModulus };
}
