import type { ClickHouseClient } from '@clickhouse/client';
import { comovements, degradationSeries, planActions, propagationPaths, type Action, type Comovement } from '../models/root-cause/coordinate.ts';
import { DEFAULT_RANK_OPTIONS } from '../models/root-cause/rank.ts';
import { fetchRedSeries } from './red-series.ts';
import { analyzeRootCause, type RootCauseRequest, type RootCauseResult } from './root-cause.ts';

export interface CoordinationResult {
  readonly rootCause: RootCauseResult;
  /** Bucket width of the series the correlations ran on, seconds. */
  readonly stepS: number;
  readonly seriesFromS: number;
  readonly comovements: readonly Comovement[];
  /** Per service: the degradation series (robust SDs above its pre-window level), one value per bucket. */
  readonly degradation: ReadonlyMap<string, readonly number[]>;
  readonly paths: readonly string[][];
  readonly actions: readonly Action[];
}

/** Services whose RED series are compared: the strongest candidates with spans of their own. */
const MAX_SERIES = 12;
/** Buckets a follower may lag behind a leader. */
const MAX_LAG_BUCKETS = 3;

/**
 * Root-cause ranking of the window, then the services' per-bucket RED
 * series (rollups via fetchRedSeries: the window and as long a stretch
 * before it) turned into degradation series and cross-correlated with lags;
 * the propagation paths from the top root cause to the entry points; the
 * ordered actions.
 */
export async function coordinate(client: ClickHouseClient, req: RootCauseRequest): Promise<CoordinationResult> {
  const rootCause = await analyzeRootCause(client, req, DEFAULT_RANK_OPTIONS);
  const lenS = Math.max(60, Math.ceil(Number(req.toNs - req.fromNs) / 1e9));
  const fromS = Math.floor((Number(req.fromNs / 1_000_000_000n) - lenS) / 60) * 60;
  const toS = Math.ceil(Number((req.toNs + 999_999_999n) / 1_000_000_000n) / 60) * 60;
  // About 30 buckets, never finer than the rollups' minute.
  const stepS = Math.max(60, Math.ceil((toS - fromS) / 30 / 60) * 60);
  const referenceBuckets = Math.max(1, Math.floor((Number(req.fromNs / 1_000_000_000n) - fromS) / stepS));
  const top = rootCause.candidates[0];
  const paths = top ? propagationPaths(top.service, rootCause.edges) : [];
  const services = [
    ...new Set([...rootCause.candidates.filter((c) => !c.uninstrumented).map((c) => c.service).slice(0, MAX_SERIES), ...paths.map((p) => p[0]!)]),
  ];
  const degradation = new Map<string, number[]>();
  for (const service of services) {
    const rows = await fetchRedSeries(client, { service, fromS, toS, stepS });
    if (rows.every((r) => r.calls === 0)) continue;
    degradation.set(
      service,
      degradationSeries(
        rows.map((r) => (r.calls > 0 && r.q.length > 1 ? (r.q[1] ?? null) : null)),
        rows.map((r) => (r.calls > 0 ? r.errors / r.calls : null)),
        referenceBuckets,
      ),
    );
  }
  return {
    rootCause,
    stepS,
    seriesFromS: fromS,
    comovements: comovements(degradation, MAX_LAG_BUCKETS),
    degradation,
    paths,
    actions: planActions(rootCause.candidates, rootCause.edges),
  };
}
