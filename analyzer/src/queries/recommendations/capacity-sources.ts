/**
 * Recommendation sources for what the capacity planner, right-sizing and SLO
 * monitors found (issue #8 item 5): each reads reduced figures and hands
 * them to the pure draft builders in models/recommendations/from-capacity.ts.
 */
import { isCapacityGap, planCapacity } from '../../models/capacity/plan-capacity.ts';
import { rightSize, type RightSizingResult } from '../../models/capacity/right-sizing.ts';
import {
  draftsFromCapacityPlans,
  draftsFromRightSizing,
  draftsFromSloBurns,
  type CapacityPlanSummary,
  type SloBurnFinding,
} from '../../models/recommendations/from-capacity.ts';
import { analyzeBottlenecks } from '../analyze-bottlenecks.ts';
import { capacityInputFrom, loadServiceResources } from '../capacity-inputs.ts';
import { listMetrics } from '../metric-series.ts';
import { fetchServiceRedTotals } from '../red-series.ts';
import { listSloMonitors, loadSloStatuses } from '../slo-store.ts';
import { errorOriginSource } from './error-origin-source.ts';
import { fetchOperationStats } from './operation-stats.ts';
import type { RecommendationScope, RecommendationSource } from './source.ts';
import { selectRows } from './sql-util.ts';

/** The scope as whole rollup minutes (unix s). */
function minutes(scope: RecommendationScope): { fromS: number; toS: number } {
  const fromS = Math.floor(Number(scope.from / 1_000_000_000n) / 60) * 60;
  const toS = Math.max(fromS + 60, Math.ceil(Number(scope.to / 1_000_000_000n) / 60) * 60);
  return { fromS, toS };
}

/**
 * scale-out / scale-in from the latest stored capacity plan of each service
 * (ppo_capacity, written by the capacity job that runs before the
 * recommendations each round; plans older than `maxAgeS` are stale).
 */
export function capacitySource(opts: { maxAgeS?: number } = {}): RecommendationSource {
  return {
    name: 'capacity',
    kinds: ['scale-out', 'scale-in'],
    async collect(ctx, scope) {
      const svc = scope.service === undefined ? '' : 'AND ServiceName = {service:String}';
      const plans = await selectRows<CapacityPlanSummary>(
        ctx.client,
        `SELECT ServiceName AS service,
                argMax(CurrentRps, ComputedAt) AS currentRps, argMax(SaturationRps, ComputedAt) AS saturationRps,
                argMax(HeadroomPct, ComputedAt) AS headroomPct, argMax(TimeToSaturationS, ComputedAt) AS timeToSaturationS,
                argMax(TimeToSaturationUpper80S, ComputedAt) AS timeToSaturationUpper80S,
                argMax(ReplicasNow, ComputedAt) AS replicasNow, argMax(ReplicasNeeded, ComputedAt) AS replicasNeeded,
                argMax(CpuUtilization, ComputedAt) AS cpuUtilization, argMax(Confidence, ComputedAt) AS confidence,
                argMax(Method, ComputedAt) AS method, argMax(HorizonS, ComputedAt) AS horizonS
         FROM ppo_capacity
         WHERE ComputedAt >= now64(3) - toIntervalSecond({maxAge:UInt32}) ${svc}
         GROUP BY ServiceName ORDER BY ServiceName`,
        { maxAge: opts.maxAgeS ?? 86_400, ...(scope.service === undefined ? {} : { service: scope.service }) },
        ctx.signal,
      );
      return draftsFromCapacityPlans(plans);
    },
  };
}

/**
 * raise-cpu / lower-memory: right-sizes every service with traffic and
 * resource metrics in the window, with the same loaders and model as
 * `POST /optimize-resources` (so both say the same thing).
 */
export function rightSizingSource(): RecommendationSource {
  return {
    name: 'right-sizing',
    kinds: ['raise-cpu', 'lower-memory'],
    async collect(ctx, scope) {
      const { fromS, toS } = minutes(scope);
      const [totals, metrics] = await Promise.all([fetchServiceRedTotals(ctx.client, fromS, toS), listMetrics(ctx.client, { fromS, toS })]);
      const withMetrics = new Set(metrics.map((m) => m.service));
      const services = totals.filter((t) => t.calls > 0 && withMetrics.has(t.service) && (scope.service === undefined || t.service === scope.service)).map((t) => t.service);
      const results: RightSizingResult[] = [];
      for (const service of services) {
        if (ctx.signal?.aborted) break;
        const res = await loadServiceResources(ctx.client, { service, fromS, toS, stepS: 60 }, metrics);
        if (res.cpu.cores === undefined && res.cpu.utilization === undefined && res.memory.bytes === undefined) continue;
        const plan = planCapacity(capacityInputFrom(res), { nowS: toS, horizonS: 86_400 });
        const recent = res.latencyMs.filter((v): v is number => v !== null).slice(-5);
        results.push(
          rightSize({
            service,
            replicas: res.replicas,
            cpu: { ...(res.cpu.cores ? { cores: res.cpu.cores.values } : {}), ...(res.cpu.utilization ? { utilization: res.cpu.utilization.values } : {}), limitCores: res.cpu.limitCores, requestCores: res.cpu.requestCores },
            memory: { ...(res.memory.bytes ? { bytes: res.memory.bytes.values } : {}), limitBytes: res.memory.limitBytes, requestBytes: res.memory.requestBytes },
            latencyMs: recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : null,
            ...(isCapacityGap(plan) ? {} : { plan }),
          }),
        );
      }
      return draftsFromRightSizing(results);
    },
  };
}

interface StatusObjective {
  key?: string;
  kind?: string;
  error_budget_remaining?: number;
  burn_rates?: { severity?: string; short?: { burn_rate?: number }; firing?: boolean }[];
}

/**
 * restore-slo: for each SLO objective whose fast or slow burn alert fires
 * (ppo_slo_status, kept by the SLO job), the operation to fix in the window:
 * the service's top bottleneck by what-if saving for a latency objective,
 * its top error origin for an error-rate or availability objective.
 */
export function sloBurnSource(opts: { maxTraces?: number } = {}): RecommendationSource {
  return {
    name: 'slo-burns',
    kinds: ['restore-slo'],
    async collect(ctx, scope) {
      const [monitors, statuses] = await Promise.all([listSloMonitors(ctx.client), loadSloStatuses(ctx.client)]);
      const findings: SloBurnFinding[] = [];
      for (const m of monitors) {
        const st = statuses.get(m.id);
        if (!st || st.firing.length === 0) continue;
        const objectives = ((st.status as { objectives?: StatusObjective[] }).objectives ?? []).filter((o) => o.key !== undefined);
        for (const fire of st.firing) {
          const [key, sev] = [fire.slice(0, fire.lastIndexOf('|')), fire.slice(fire.lastIndexOf('|') + 1)];
          const obj = objectives.find((o) => o.key === key);
          const kind = obj?.kind === 'latency' || obj?.kind === 'error_rate' || obj?.kind === 'availability' ? obj.kind : undefined;
          if (kind === undefined || (sev !== 'fast' && sev !== 'slow')) continue;
          // A fast and a slow alert of one objective are one finding: the fast one speaks for it.
          if (sev === 'slow' && st.firing.includes(`${key}|fast`)) continue;
          const burn = (obj?.burn_rates ?? []).filter((b) => b.severity === sev && b.firing).map((b) => b.short?.burn_rate ?? 0);
          const target = kind === 'latency' ? await latencyTarget(ctx, scope, m.service, opts.maxTraces ?? 500) : await errorTarget(ctx, scope, m.service);
          findings.push({
            monitorId: m.id,
            service: m.service,
            objectiveKey: key,
            objectiveKind: kind,
            severity: sev,
            burnRate: burn.length > 0 ? Math.max(...burn) : null,
            budgetRemaining: obj?.error_budget_remaining ?? null,
            ...(target === undefined ? {} : { target }),
          });
        }
      }
      const drafts = draftsFromSloBurns(findings);
      return scope.service === undefined ? drafts : drafts.filter((d) => d.service === scope.service);
    },
  };
}

type Ctx = Parameters<RecommendationSource['collect']>[0];

async function latencyTarget(ctx: Ctx, scope: RecommendationScope, service: string, maxTraces: number): Promise<SloBurnFinding['target']> {
  const r = await analyzeBottlenecks(ctx.client, { from: scope.from, to: scope.to, service }, { maxTraces, limit: 3 });
  const top = r.bottlenecks[0];
  if (!top || top.estSavingMs <= 0) return undefined;
  const stats = (await fetchOperationStats(ctx.client, [[top.service, top.operation]], scope.from, scope.to, ctx.signal)).get(`${top.service}\0${top.operation}`);
  const current = stats?.p50Ms ?? top.selfTimeP50Ms;
  return {
    service: top.service,
    operation: top.operation,
    current,
    // The what-if the ranking replayed: the operation's self time halved.
    expected: Math.max(0, current - top.selfTimeP50Ms / 2),
    why: `${top.service} ${top.operation} holds ${Math.round(top.criticalPathShare * 100)}% of ${service}'s critical path; halving its self time (p50 ${top.selfTimeP50Ms} ms) saves ${top.estSavingMs} ms of the end-to-end p50.${top.pattern ? ` Pattern: ${top.pattern}.` : ''}`,
    evidence: top.evidence.slice(0, 3).map((e) => ({ traceId: e.traceId, spanIds: [...e.spanIds], detail: e.detail })),
  };
}

async function errorTarget(ctx: Ctx, scope: RecommendationScope, service: string): Promise<SloBurnFinding['target']> {
  // Any originating error counts here: the SLO already says the errors matter.
  const drafts = await errorOriginSource({ minErrors: 1, minRate: 0 }).collect(ctx, { from: scope.from, to: scope.to, service });
  const top = [...drafts].sort((a, b) => b.impact - a.impact)[0];
  if (!top || top.operation === undefined) return undefined;
  return {
    service: top.service,
    operation: top.operation,
    current: top.expectedImprovement.current,
    expected: 0,
    why: top.detail,
    evidence: top.evidence.slice(0, 3),
  };
}
