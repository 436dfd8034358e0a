/**
 * The other findings → recommendation drafts: capacity plans (scale-out /
 * scale-in), right-sizing (raise-cpu / lower-memory), burning SLO objectives
 * (restore-slo, pointed at the operation to fix), and anomalies as evidence
 * and a priority boost for what is already recommended. Pure, like
 * from-findings.ts: the queries hand over reduced figures.
 */
import type { RightSizingResult } from '../capacity/right-sizing.ts';
import { BASE_CONFIDENCE } from './from-findings.ts';
import type { RecommendationDraft, RecommendationEvidence } from './types.ts';

const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** The latest capacity plan of a service, as ppo_capacity keeps it. */
export interface CapacityPlanSummary {
  readonly service: string;
  readonly currentRps: number;
  readonly saturationRps: number;
  readonly headroomPct: number;
  readonly timeToSaturationS: number | null;
  readonly timeToSaturationUpper80S: number | null;
  readonly replicasNow: number;
  readonly replicasNeeded: number;
  readonly cpuUtilization: number | null;
  /** The plan's own confidence, 0..1 (fit quality × data sufficiency). */
  readonly confidence: number;
  readonly method: string;
  readonly horizonS: number;
}

const duration = (s: number): string => (s >= 86_400 ? `${round(s / 86_400, 1)} d` : s >= 3600 ? `${round(s / 3600, 1)} h` : `${Math.max(1, Math.round(s / 60))} min`);

/**
 * scale-out when the plan needs more replicas than run now; the urgency
 * (impact) is how soon demand crosses saturation within the horizon (1 when
 * it already has). scale-in when fewer would carry the peak upper-80 %
 * demand of the whole horizon and nothing saturates; its impact is the share
 * of replicas saved, halved: saving cost is worth less than avoiding an outage.
 * The detector confidence is the kind's base scaled by the plan's confidence.
 */
export function draftsFromCapacityPlans(plans: readonly CapacityPlanSummary[]): RecommendationDraft[] {
  const out: RecommendationDraft[] = [];
  for (const p of plans) {
    if (p.replicasNow < 1 || p.saturationRps <= 0) continue;
    const perReplica = p.saturationRps / p.replicasNow;
    const evidence = [
      {
        detail: `${p.method}: ${round(p.currentRps, 2)} rps now, saturation at ${round(p.saturationRps, 2)} rps (${round(perReplica, 2)} per replica), headroom ${round(p.headroomPct, 1)}%${p.cpuUtilization === null ? '' : `, CPU ${round(p.cpuUtilization * 100, 1)}%`}, plan confidence ${round(p.confidence, 2)}`,
      },
    ];
    if (p.replicasNeeded > p.replicasNow) {
      const tts = p.timeToSaturationS ?? p.timeToSaturationUpper80S;
      const urgency = tts === null ? 0.2 : clamp01(1 - tts / Math.max(1, p.horizonS));
      const expectedHeadroom = (1 - p.currentRps / (perReplica * p.replicasNeeded)) * 100;
      out.push({
        service: p.service,
        kind: 'scale-out',
        findingKey: 'replicas',
        source: 'capacity',
        title: `Scale ${p.service} out from ${p.replicasNow} to ${p.replicasNeeded} replicas`,
        detail:
          tts === null
            ? `Forecast demand over the next ${duration(p.horizonS)} needs ${p.replicasNeeded} replicas of ${round(perReplica, 2)} rps each.`
            : tts === 0
              ? `${p.service} is already past its saturation throughput (${round(p.saturationRps, 2)} rps); ${p.replicasNeeded} replicas carry the forecast peak.`
              : `Forecast demand reaches the saturation throughput of ${round(p.saturationRps, 2)} rps in ${duration(tts)}${p.timeToSaturationS === null ? ' (upper 80% bound)' : ''}; ${p.replicasNeeded} replicas carry the forecast peak of the next ${duration(p.horizonS)}.`,
        expectedImprovement: { metric: 'headroom_pct', current: round(p.headroomPct, 2), expected: round(expectedHeadroom, 2) },
        priorConfidence: round(BASE_CONFIDENCE['scale-out'] * (0.5 + 0.5 * clamp01(p.confidence))),
        impact: round(Math.max(urgency, 0.05), 4),
        evidence,
      });
    } else if (p.replicasNeeded < p.replicasNow && p.replicasNow > 1 && p.timeToSaturationS === null && p.timeToSaturationUpper80S === null) {
      const target = Math.max(1, p.replicasNeeded);
      out.push({
        service: p.service,
        kind: 'scale-in',
        findingKey: 'replicas',
        source: 'capacity',
        title: `Scale ${p.service} in from ${p.replicasNow} to ${target} replicas`,
        detail: `${target} replica${target > 1 ? 's' : ''} of ${round(perReplica, 2)} rps each carry the peak upper-80% demand forecast for the next ${duration(p.horizonS)}; ${p.replicasNow - target} can go without reaching saturation.`,
        expectedImprovement: { metric: 'replicas', current: p.replicasNow, expected: target },
        priorConfidence: round(BASE_CONFIDENCE['scale-in'] * (0.5 + 0.5 * clamp01(p.confidence))),
        impact: round(((p.replicasNow - target) / p.replicasNow) * 0.5, 4),
        evidence,
      });
    }
  }
  return out;
}

/**
 * raise-cpu from a CPU limit increase (p95 usage near the limit: throttling),
 * lower-memory from a memory limit decrease (peak far below it). Replica
 * changes are the capacity plan's (scale-out / scale-in); the other
 * directions have no kind of their own yet and stay in optimize-resources.
 */
export function draftsFromRightSizing(results: readonly RightSizingResult[]): RecommendationDraft[] {
  const out: RecommendationDraft[] = [];
  for (const r of results) {
    for (const c of r.changes) {
      if (c.resource === 'cpu_limit' && c.direction === 'increase' && r.cpu.p95CoresPerReplica !== null && r.cpu.p95Utilization !== null) {
        const after = r.cpu.p95CoresPerReplica / c.recommended;
        const latency = c.latencyMs;
        out.push({
          service: r.service,
          kind: 'raise-cpu',
          findingKey: 'cpu_limit',
          source: 'right-sizing',
          title: `Raise the CPU limit of ${r.service} from ${round(c.current, 2)} to ${round(c.recommended, 2)} cores per replica`,
          detail: `${c.reason}.${latency ? ` Mean latency should go from ${round(latency.before, 1)} to ${round(latency.after, 1)} ms.` : ''} Costs ${round(c.costDelta.cpuCores, 2)} cores over ${r.replicas} replicas.`,
          expectedImprovement: latency
            ? { metric: 'latency_mean_ms', current: round(latency.before, 2), expected: round(latency.after, 2) }
            : { metric: 'cpu_utilization_p95', current: round(r.cpu.p95Utilization, 4), expected: round(after, 4) },
          // Throttling is the clearer call the further past the limit p95 is.
          priorConfidence: round(BASE_CONFIDENCE['raise-cpu'] * (0.6 + 0.4 * clamp01((r.cpu.p95Utilization - 0.85) / 0.15))),
          impact: round(clamp01(latency ? (latency.before - latency.after) / latency.before : (r.cpu.p95Utilization - after) / r.cpu.p95Utilization), 4),
          evidence: [{ detail: `p95 CPU ${round(r.cpu.p95CoresPerReplica, 3)} cores per replica of a ${round(c.current, 2)}-core limit (${round(r.cpu.p95Utilization * 100, 1)}%)` }],
        });
      }
      if (c.resource === 'memory_limit' && c.direction === 'decrease' && r.memory.maxBytesPerReplica !== null) {
        const saved = (c.current - c.recommended) / c.current;
        out.push({
          service: r.service,
          kind: 'lower-memory',
          findingKey: 'memory_limit',
          source: 'right-sizing',
          title: `Lower the memory limit of ${r.service} from ${mib(c.current)} to ${mib(c.recommended)} per replica`,
          detail: `${c.reason}. Frees ${mib(-c.costDelta.memoryBytes)} over ${r.replicas} replicas.`,
          expectedImprovement: { metric: 'memory_limit_bytes', current: Math.round(c.current), expected: Math.round(c.recommended) },
          priorConfidence: round(BASE_CONFIDENCE['lower-memory'] * (0.6 + 0.4 * clamp01(saved * 2))),
          // A cost saving, not a latency gain: weighted down against fixes users feel.
          impact: round(clamp01(saved) * 0.3, 4),
          evidence: [{ detail: `peak working set ${mib(r.memory.maxBytesPerReplica)} per replica of a ${mib(c.current)} limit` }],
        });
      }
    }
  }
  return out;
}

const mib = (b: number): string => `${Math.round(b / (1024 * 1024))} MiB`;

/** A burning SLO objective with the operation most likely behind it. */
export interface SloBurnFinding {
  readonly monitorId: string;
  readonly service: string;
  readonly objectiveKey: string;
  readonly objectiveKind: 'latency' | 'error_rate' | 'availability';
  readonly severity: 'fast' | 'slow';
  /** Burn rate of the pair's short window (how fast the budget goes now). */
  readonly burnRate: number | null;
  readonly budgetRemaining: number | null;
  /** The operation to fix: the service's top bottleneck (latency) or top error origin (errors). */
  readonly target?: {
    /** Where the operation runs (a downstream service may be the bottleneck); the monitored service when absent. */
    readonly service?: string;
    readonly operation: string;
    /** latency: the operation's p50 ms and what the what-if saving leaves; errors: its error rate. */
    readonly current: number;
    readonly expected: number;
    readonly why: string;
    readonly evidence: readonly RecommendationEvidence[];
  };
}

/**
 * restore-slo: the objective is burning; fix the operation that costs the
 * most. A fast burn (the page) ranks above everything (impact 1); a slow
 * burn at 0.5. The id is per objective and operation, so the same burn
 * found again updates the same record.
 */
export function draftsFromSloBurns(findings: readonly SloBurnFinding[]): RecommendationDraft[] {
  const out: RecommendationDraft[] = [];
  for (const f of findings) {
    const t = f.target;
    if (!t) continue;
    const latency = f.objectiveKind === 'latency';
    out.push({
      service: t.service ?? f.service,
      operation: t.operation,
      kind: 'restore-slo',
      findingKey: `${f.monitorId}|${f.objectiveKey}`,
      source: 'slo',
      title: `Restore the SLO ${f.objectiveKey} of ${f.service}: ${latency ? 'speed up' : 'fix the errors of'} ${t.service !== undefined && t.service !== f.service ? `${t.service} ` : ''}${t.operation}`,
      detail: `The ${f.severity} burn-rate alert of ${f.objectiveKey} is firing${f.burnRate === null ? '' : ` (burn rate ${round(f.burnRate, 2)})`}${f.budgetRemaining === null ? '' : `, ${round(f.budgetRemaining * 100, 1)}% of the error budget left`}. ${t.why}`,
      expectedImprovement: latency ? { metric: 'latency_p50_ms', current: round(t.current), expected: round(t.expected) } : { metric: 'error_rate', current: round(t.current, 6), expected: round(t.expected, 6) },
      priorConfidence: round(BASE_CONFIDENCE['restore-slo'] * (f.severity === 'fast' ? 1 : 0.85)),
      impact: f.severity === 'fast' ? 1 : 0.5,
      evidence: [{ detail: `SLO monitor ${f.monitorId}, objective ${f.objectiveKey}, ${f.severity} burn firing` }, ...t.evidence.slice(0, 4)],
    });
  }
  return out;
}

/** An anomaly overlapping the analysed window. */
export interface AnomalyEvidence {
  readonly service: string;
  readonly metric: string;
  readonly kind: string;
  readonly severity: 'minor' | 'major' | 'critical';
  readonly score: number;
  readonly startMs: number;
  readonly actual: number;
  readonly expected: number;
}

const SEVERITY_BOOST = { minor: 0.1, major: 0.25, critical: 0.5 } as const;

/**
 * Anomalies do not say what to fix; they say where it hurts now. Every draft
 * of a service with anomalies gets them as evidence and its impact raised by
 * the worst one's severity (×1.1 / ×1.25 / ×1.5, capped at 1), so fixes for a
 * service that is misbehaving right now rank first. Confidence is untouched:
 * an anomaly makes a fix more urgent, not more likely to work.
 */
export function boostWithAnomalies(drafts: readonly RecommendationDraft[], anomalies: readonly AnomalyEvidence[]): RecommendationDraft[] {
  if (anomalies.length === 0) return [...drafts];
  const by = new Map<string, AnomalyEvidence[]>();
  for (const a of anomalies) by.set(a.service, [...(by.get(a.service) ?? []), a]);
  return drafts.map((d) => {
    const list = by.get(d.service);
    if (!list || list.length === 0) return d;
    const worst = list.reduce((m, a) => Math.max(m, SEVERITY_BOOST[a.severity]), 0);
    const top = [...list].sort((a, b) => b.score - a.score).slice(0, 3);
    return {
      ...d,
      impact: round(Math.min(1, d.impact * (1 + worst)), 4),
      evidence: [
        ...d.evidence,
        ...top.map((a) => ({ detail: `${a.severity} ${a.kind.replace('_', ' ')} anomaly on ${d.service} ${a.metric} since ${new Date(a.startMs).toISOString()}: ${round(a.actual, 3)} vs ${round(a.expected, 3)} expected (score ${round(a.score, 1)})` })),
      ],
    };
  });
}
