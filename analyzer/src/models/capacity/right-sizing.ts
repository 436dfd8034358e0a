/**
 * Right-sizing: resource usage against what is reserved for it (limits,
 * requests, replicas), with the change that fits the usage and its expected
 * effect on cost (resource units) and latency.
 *
 * - CPU is compressible: a limit sized so the p95 usage runs at the target
 *   utilization (70% by default) leaves headroom for bursts; p95 above 85% of
 *   the limit means throttling, below 35% means paying for idle cores.
 * - Memory is not (an overrun is an OOM kill): the limit follows the peak
 *   with 20% headroom; a peak above 90% of the limit is a risk, below 40% is waste.
 * - Replicas follow the capacity plan (`replicasNeeded` for the forecast
 *   demand), so right-sizing and capacity planning never disagree.
 * Latency effects: for replicas, the capacity plan's fitted M/G/c per
 * replica at the new share of traffic; for CPU limits, the queueing
 * stretch 1/(1 − ρ) at the old and new utilization (an M/M/1 bound: services
 * with many workers change less).
 */
import type { CapacityPlan } from './plan-capacity.ts';
import { queueResponseTime } from './queueing.ts';

export interface RightSizingInput {
  readonly service: string;
  readonly replicas: number;
  readonly cpu?: {
    /** Fleet cores in use per bucket. */
    readonly cores?: readonly (number | null)[];
    /** Fleet utilization per bucket (0..1), when cores are unknown. */
    readonly utilization?: readonly (number | null)[];
    /** Fleet totals (sum over replicas), cores. */
    readonly limitCores?: number | undefined;
    readonly requestCores?: number | undefined;
  };
  readonly memory?: {
    readonly bytes?: readonly (number | null)[];
    readonly limitBytes?: number | undefined;
    readonly requestBytes?: number | undefined;
  };
  /** Recent mean latency, ms. */
  readonly latencyMs?: number | null;
  /** The service's capacity plan, for replica counts and the latency model. */
  readonly plan?: CapacityPlan;
}

export interface RightSizingOptions {
  readonly targetCpuUtilization?: number;
  readonly lowCpuUtilization?: number;
  readonly highCpuUtilization?: number;
  readonly memoryHeadroom?: number;
  readonly lowMemoryUtilization?: number;
  readonly highMemoryUtilization?: number;
  /** Fewest buckets with usage to size from (default 10). */
  readonly minSamples?: number;
}

export type ResourceKind = 'cpu_limit' | 'cpu_request' | 'memory_limit' | 'memory_request' | 'replicas';

export interface ResourceChange {
  readonly resource: ResourceKind;
  readonly direction: 'increase' | 'decrease';
  /** Per replica for limits/requests (cores, bytes); the count for replicas. */
  readonly current: number;
  readonly recommended: number;
  readonly unit: 'cores' | 'bytes' | 'replicas';
  readonly reason: string;
  /** Fleet-wide change of reserved resources (negative saves). */
  readonly costDelta: { readonly cpuCores: number; readonly memoryBytes: number };
  /** Expected mean latency before and after, ms, when it can be estimated. */
  readonly latencyMs?: { readonly before: number; readonly after: number };
}

export interface RightSizingResult {
  readonly service: string;
  readonly status: 'over-provisioned' | 'under-provisioned' | 'mixed' | 'right-sized';
  readonly replicas: number;
  readonly cpu: { readonly p95CoresPerReplica: number | null; readonly p95Utilization: number | null; readonly limitCoresPerReplica: number | null; readonly requestCoresPerReplica: number | null };
  readonly memory: { readonly maxBytesPerReplica: number | null; readonly peakUtilization: number | null; readonly limitBytesPerReplica: number | null; readonly requestBytesPerReplica: number | null };
  readonly changes: readonly ResourceChange[];
  /** Reserved-capacity change if every limit and replica change is applied (requests are reported per change, not added: they sit inside the limits). */
  readonly costDelta: { readonly cpuCores: number; readonly memoryBytes: number };
}

const MILLICORE = 0.001;
const MIB = 1024 * 1024;

/** Linear-interpolated quantile of the finite values; null when there are fewer than `min`. */
export function quantile(values: readonly (number | null | undefined)[], q: number, min = 1): number | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length < min || xs.length === 0) return null;
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

/** Rounds up to a whole step (50 millicores, 16 MiB): what people write in manifests. */
const roundUp = (x: number, step: number): number => Math.ceil(x / step - 1e-9) * step;

/** Queueing stretch of the mean latency when utilization moves from ρ₀ to ρ₁ (M/M/1). */
function stretchLatency(latencyMs: number, rho0: number, rho1: number): number {
  const clamp = (r: number): number => Math.min(0.98, Math.max(0, r));
  return (latencyMs * (1 - clamp(rho0))) / (1 - clamp(rho1));
}

export function rightSize(input: RightSizingInput, opts: RightSizingOptions = {}): RightSizingResult {
  const target = opts.targetCpuUtilization ?? 0.7;
  const lowCpu = opts.lowCpuUtilization ?? 0.35;
  const highCpu = opts.highCpuUtilization ?? 0.85;
  const memHeadroom = opts.memoryHeadroom ?? 1.2;
  const lowMem = opts.lowMemoryUtilization ?? 0.4;
  const highMem = opts.highMemoryUtilization ?? 0.9;
  const minSamples = opts.minSamples ?? 10;
  const replicas = Math.max(1, Math.round(input.replicas));
  const latency = input.latencyMs ?? null;
  const changes: ResourceChange[] = [];

  // CPU per replica.
  const limitPer = input.cpu?.limitCores !== undefined && input.cpu.limitCores > 0 ? input.cpu.limitCores / replicas : null;
  const requestPer = input.cpu?.requestCores !== undefined && input.cpu.requestCores > 0 ? input.cpu.requestCores / replicas : null;
  const p95Fleet = quantile(input.cpu?.cores ?? [], 0.95, minSamples);
  const p95Cores = p95Fleet === null ? null : p95Fleet / replicas;
  const p95Util = p95Cores !== null && limitPer !== null ? p95Cores / limitPer : quantile(input.cpu?.utilization ?? [], 0.95, minSamples);
  if (p95Cores !== null && limitPer !== null && p95Util !== null && (p95Util > highCpu || p95Util < lowCpu)) {
    const recommended = Math.max(0.1, roundUp(p95Cores / target, 50 * MILLICORE));
    if (Math.abs(recommended - limitPer) >= 50 * MILLICORE) {
      const up = recommended > limitPer;
      const newUtil = p95Cores / recommended;
      changes.push({
        resource: 'cpu_limit',
        direction: up ? 'increase' : 'decrease',
        current: limitPer,
        recommended,
        unit: 'cores',
        reason: up
          ? `p95 CPU is ${(p95Util * 100).toFixed(0)}% of the limit (throttling above ${(highCpu * 100).toFixed(0)}%); a limit of ${recommended.toFixed(2)} cores puts p95 at ${(newUtil * 100).toFixed(0)}%`
          : `p95 CPU is only ${(p95Util * 100).toFixed(0)}% of the limit; ${recommended.toFixed(2)} cores keeps p95 at ${(newUtil * 100).toFixed(0)}%`,
        costDelta: { cpuCores: (recommended - limitPer) * replicas, memoryBytes: 0 },
        ...(latency === null ? {} : { latencyMs: { before: latency, after: stretchLatency(latency, Math.min(p95Util, 1), newUtil) } }),
      });
    }
  }
  if (p95Cores !== null && requestPer !== null) {
    // Requests are what the scheduler reserves: the typical (p95) usage, not the burst ceiling.
    const recommended = Math.max(0.05, roundUp(p95Cores, 50 * MILLICORE));
    if (recommended < requestPer * 0.6 || recommended > requestPer * 1.2) {
      const up = recommended > requestPer;
      changes.push({
        resource: 'cpu_request',
        direction: up ? 'increase' : 'decrease',
        current: requestPer,
        recommended,
        unit: 'cores',
        reason: `p95 CPU is ${p95Cores.toFixed(3)} cores per replica against a request of ${requestPer.toFixed(3)}`,
        costDelta: { cpuCores: (recommended - requestPer) * replicas, memoryBytes: 0 },
      });
    }
  }

  // Memory per replica: sized on the peak.
  const memLimitPer = input.memory?.limitBytes !== undefined && input.memory.limitBytes > 0 ? input.memory.limitBytes / replicas : null;
  const memRequestPer = input.memory?.requestBytes !== undefined && input.memory.requestBytes > 0 ? input.memory.requestBytes / replicas : null;
  const maxFleet = quantile(input.memory?.bytes ?? [], 1, minSamples);
  const maxBytes = maxFleet === null ? null : maxFleet / replicas;
  const peakMemUtil = maxBytes !== null && memLimitPer !== null ? maxBytes / memLimitPer : null;
  if (maxBytes !== null && memLimitPer !== null && peakMemUtil !== null && (peakMemUtil > highMem || peakMemUtil < lowMem)) {
    const recommended = roundUp(maxBytes * memHeadroom, 16 * MIB);
    if (Math.abs(recommended - memLimitPer) >= 16 * MIB) {
      const up = recommended > memLimitPer;
      changes.push({
        resource: 'memory_limit',
        direction: up ? 'increase' : 'decrease',
        current: memLimitPer,
        recommended,
        unit: 'bytes',
        reason: up
          ? `peak memory is ${(peakMemUtil * 100).toFixed(0)}% of the limit (OOM-kill risk above ${(highMem * 100).toFixed(0)}%)`
          : `peak memory is only ${(peakMemUtil * 100).toFixed(0)}% of the limit; the peak + ${((memHeadroom - 1) * 100).toFixed(0)}% is enough`,
        costDelta: { cpuCores: 0, memoryBytes: (recommended - memLimitPer) * replicas },
      });
    }
  }
  if (maxBytes !== null && memRequestPer !== null) {
    const p95Mem = quantile(input.memory?.bytes ?? [], 0.95, minSamples)! / replicas;
    const recommended = roundUp(p95Mem, 16 * MIB);
    if (recommended < memRequestPer * 0.6 || recommended > memRequestPer * 1.2) {
      changes.push({
        resource: 'memory_request',
        direction: recommended > memRequestPer ? 'increase' : 'decrease',
        current: memRequestPer,
        recommended,
        unit: 'bytes',
        reason: `p95 memory is ${(p95Mem / MIB).toFixed(0)} MiB per replica against a request of ${(memRequestPer / MIB).toFixed(0)} MiB`,
        costDelta: { cpuCores: 0, memoryBytes: (recommended - memRequestPer) * replicas },
      });
    }
  }

  // Replicas from the capacity plan.
  const plan = input.plan;
  if (plan && plan.replicasNeeded !== replicas) {
    const up = plan.replicasNeeded > replicas;
    const perReplicaCores = limitPer ?? requestPer ?? p95Cores ?? 0;
    const perReplicaBytes = memLimitPer ?? memRequestPer ?? maxBytes ?? 0;
    const delta = plan.replicasNeeded - replicas;
    let latencyMs: ResourceChange['latencyMs'];
    const q = plan.fits.queue;
    if (q && q.r2 >= 0.5 && latency !== null) {
      const before = queueResponseTime(q.model, plan.currentRps / replicas) * 1000;
      const after = queueResponseTime(q.model, plan.currentRps / plan.replicasNeeded) * 1000;
      if (Number.isFinite(before) && Number.isFinite(after)) latencyMs = { before: latency, after: latency * (after / before) };
    } else if (latency !== null && plan.utilization.cpu !== null) {
      latencyMs = { before: latency, after: stretchLatency(latency, plan.utilization.cpu, (plan.utilization.cpu * replicas) / plan.replicasNeeded) };
    }
    changes.push({
      resource: 'replicas',
      direction: up ? 'increase' : 'decrease',
      current: replicas,
      recommended: plan.replicasNeeded,
      unit: 'replicas',
      reason: up
        ? `forecast demand (upper 80% bound ${plan.demand.peakUpper80.toFixed(1)} rps over the horizon) exceeds what ${replicas} replicas take at the ceiling (${plan.saturationRps.toFixed(1)} rps, ${plan.method})`
        : `${plan.replicasNeeded} replicas take the forecast demand (upper 80% bound ${plan.demand.peakUpper80.toFixed(1)} rps) below the ceiling; ${replicas} run now`,
      costDelta: { cpuCores: delta * perReplicaCores, memoryBytes: delta * perReplicaBytes },
      ...(latencyMs === undefined ? {} : { latencyMs }),
    });
  }

  const ups = changes.some((c) => c.direction === 'increase');
  const downs = changes.some((c) => c.direction === 'decrease');
  const status: RightSizingResult['status'] = ups && downs ? 'mixed' : ups ? 'under-provisioned' : downs ? 'over-provisioned' : 'right-sized';

  return {
    service: input.service,
    status,
    replicas,
    cpu: { p95CoresPerReplica: p95Cores, p95Utilization: p95Util, limitCoresPerReplica: limitPer, requestCoresPerReplica: requestPer },
    memory: { maxBytesPerReplica: maxBytes, peakUtilization: peakMemUtil, limitBytesPerReplica: memLimitPer, requestBytesPerReplica: memRequestPer },
    changes,
    costDelta: {
      cpuCores: changes.filter((c) => c.resource !== 'cpu_request').reduce((a, c) => a + c.costDelta.cpuCores, 0),
      memoryBytes: changes.filter((c) => c.resource !== 'memory_request').reduce((a, c) => a + c.costDelta.memoryBytes, 0),
    },
  };
}
