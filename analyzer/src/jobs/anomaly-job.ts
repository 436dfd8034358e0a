import { createHash } from 'node:crypto';
import { detectAnomalies, minimumPoints, type Anomaly } from '../models/anomaly/detect-anomalies.ts';
import { listMetrics } from '../queries/metric-series.ts';
import { fetchServiceRedTotals } from '../queries/red-series.ts';
import { fetchServiceSeries } from '../queries/service-series.ts';
import { listAnomalies, storedAnomalyJson, writeAnomalies, type StoredAnomaly } from '../queries/anomaly-store.ts';
import type { Job, JobContext, JobResult } from './job.ts';

/**
 * Every round: anomaly detection over each service's RED series (request
 * rate, error rate, p95 latency) and its resource metrics, over the last
 * `lookbackMs` at `stepS`; anomalies go to `ppo_anomalies` and new ones to the
 * live stream.
 *
 * Idempotent across rounds: the window slides, so the same incident is seen
 * again (its end or score may have moved, or its start by a step as the
 * warm-up slides). A detection that overlaps a stored anomaly of the same
 * series (within `matchGapMs`) takes that anomaly's id and first-detected
 * time and is written as a new version of it; only anomalies with no stored
 * match are new, and only those are published. The first round of a job
 * (after a start) sees the whole lookback at once: it publishes only new
 * anomalies still active or ended within `firstRoundRecentSteps` steps, and
 * stores the older ones silently, so a restart does not replay 12 hours of
 * incidents as news.
 */

export interface AnomalyJobOptions {
  /** How far back each round looks. Default 12 h (the detector warms up on the first hours). */
  readonly lookbackMs?: number;
  /** Series step, seconds (whole minutes for RED). Default 60. */
  readonly stepS?: number;
  /** Detections this close to a stored anomaly of the same series are that anomaly. Default 30 min. */
  readonly matchGapMs?: number;
  /**
   * On the job's first round (a fresh start sees the whole lookback at once),
   * a new anomaly is published only when it is still active or ended at most
   * this many steps before the window's end; older ones are stored silently
   * (they are history, not news). Default 5.
   */
  readonly firstRoundRecentSteps?: number;
}

/** RED signals watched per service. */
export const WATCHED_RED_METRICS = ['rate', 'error_rate', 'latency_p95'] as const;

/**
 * Resource metrics worth watching, by OpenTelemetry semantic-convention name
 * segments (old and new conventions): process/system/container/k8s CPU and
 * memory, runtime heap, GC and event-loop metrics, e.g. process.cpu.utilization,
 * system.memory.usage, container.cpu.usage, k8s.pod.memory.working_set,
 * jvm.memory.used, jvm.gc.duration, v8js.memory.heap.used,
 * nodejs.eventloop.delay.p99, process.runtime.go.gc.pause_ns.
 */
const RESOURCE_METRIC = /(?:^|[._])(cpu|memory|heap|gc|eventloop|event_loop)(?:[._]|$)/i;

export const isResourceMetric = (name: string): boolean => RESOURCE_METRIC.test(name);

const anomalyId = (service: string, metric: string, start: number): string =>
  createHash('sha1').update(`${service}\u0000${metric}\u0000${start}`).digest('hex').slice(0, 20);

export function anomalyJob(opts: AnomalyJobOptions = {}): Job {
  const lookbackMs = opts.lookbackMs ?? 12 * 3_600_000;
  const stepS = Math.max(60, Math.round((opts.stepS ?? 60) / 60) * 60);
  const stepMs = stepS * 1000;
  const matchGapMs = opts.matchGapMs ?? 30 * 60_000;
  const recentSteps = Math.max(0, opts.firstRoundRecentSteps ?? 5);
  let firstRound = true;

  return {
    name: 'anomalies',
    async run(ctx: JobContext): Promise<JobResult> {
      // The last complete bucket ends at the current whole step.
      const toS = Math.floor(ctx.now / stepMs) * stepS;
      const fromS = toS - Math.ceil(lookbackMs / stepMs) * stepS;
      const [totals, metrics] = await Promise.all([fetchServiceRedTotals(ctx.client, fromS, toS), listMetrics(ctx.client, { fromS, toS })]);

      const watch = new Map<string, string[]>();
      for (const t of totals) if (t.calls > 0) watch.set(t.service, [...WATCHED_RED_METRICS]);
      for (const m of metrics) {
        if (!isResourceMetric(m.metric)) continue;
        const list = watch.get(m.service) ?? [];
        if (!list.includes(m.metric)) list.push(m.metric);
        watch.set(m.service, list);
      }

      const stored = await listAnomalies(ctx.client, { fromMs: fromS * 1000 - lookbackMs, toMs: toS * 1000 + stepMs, limit: 100_000 });
      const storedBySeries = new Map<string, StoredAnomaly[]>();
      for (const a of stored) {
        const key = `${a.service}\u0000${a.metric}`;
        storedBySeries.set(key, [...(storedBySeries.get(key) ?? []), a]);
      }

      const writes: StoredAnomaly[] = [];
      const fresh: StoredAnomaly[] = [];
      const publish: StoredAnomaly[] = [];
      let seriesScanned = 0;
      let active = 0;
      const need = minimumPoints(stepMs);
      for (const [service, metricNames] of watch) {
        for (const metric of metricNames) {
          if (ctx.signal.aborted) break;
          const series = await fetchServiceSeries(ctx.client, { service, metric, fromS, toS, stepS });
          if (!series || !series.observed) continue;
          // Before a service's first data there is nothing to judge: a request rate
          // of 0 there means "not running yet", and its first traffic is no spike.
          const first = series.values.findIndex((v) => v !== null && (metric !== 'rate' || v > 0));
          const values = first < 0 ? [] : series.values.slice(first);
          if (values.filter((v) => v !== null).length < need) continue;
          seriesScanned++;
          const times = series.t.slice(first).map((t) => t * 1000);
          const found = detectAnomalies({ values, times, stepMs });
          const lastT = times[times.length - 1] ?? toS * 1000;
          const previous = storedBySeries.get(`${service}\u0000${metric}`) ?? [];
          const matched = new Set<string>();
          for (const a of found) {
            const status: StoredAnomaly['status'] = a.ongoing || a.end >= lastT - 2 * stepMs ? 'active' : 'resolved';
            if (status === 'active') active++;
            const prior = previous.find((p) => !matched.has(p.id) && a.start <= p.end + matchGapMs && a.end >= p.start - matchGapMs);
            const row = toStored(service, metric, a, status, ctx.now, prior);
            if (prior) {
              matched.add(prior.id);
              if (changed(prior, row)) writes.push(row);
            } else {
              writes.push(row);
              fresh.push(row);
              if (!firstRound || status === 'active' || a.end >= lastT - recentSteps * stepMs) publish.push(row);
            }
          }
          // Stored active anomalies of this series that were not seen again are over.
          for (const p of previous) {
            if (p.status === 'active' && !matched.has(p.id)) writes.push({ ...p, status: 'resolved', updatedAt: ctx.now });
          }
        }
      }
      await writeAnomalies(ctx.client, writes, ctx.now);
      // Only once the first round's writes are stored: a failed round stays "first".
      firstRound = false;
      for (const a of publish) ctx.events.publish('anomaly', anomalyEvent(a));
      if (fresh.length > 0) ctx.log.info({ job: 'anomalies', new: fresh.length, published: publish.length, active }, 'anomalies detected');
      return { findings: fresh.length, detail: { services: watch.size, series: seriesScanned, written: writes.length, published: publish.length, active } };
    },
  };

  function toStored(service: string, metric: string, a: Anomaly, status: StoredAnomaly['status'], now: number, prior: StoredAnomaly | undefined): StoredAnomaly {
    return {
      id: prior?.id ?? anomalyId(service, metric, a.start),
      service,
      metric,
      kind: prior?.kind === 'level_shift' ? 'level_shift' : a.kind,
      direction: a.direction,
      severity: a.severity,
      status,
      start: prior ? Math.min(prior.start, a.start) : a.start,
      end: prior ? Math.max(prior.end, a.end) : a.end,
      peakAt: a.peakAt,
      score: a.score,
      actual: a.actual,
      expected: a.expected,
      detectedAt: prior?.detectedAt ?? now,
      updatedAt: now,
    };
  }
}

function changed(prior: StoredAnomaly, next: StoredAnomaly): boolean {
  return prior.end !== next.end || prior.start !== next.start || prior.status !== next.status || prior.kind !== next.kind || prior.severity !== next.severity || Math.abs(prior.score - next.score) > 1e-6 * Math.max(1, Math.abs(prior.score));
}

/** The live-stream payload of an anomaly: what `GET /api/ppo/anomalies` returns for it. */
export function anomalyEvent(a: StoredAnomaly): Record<string, unknown> {
  return { ...storedAnomalyJson(a) };
}
