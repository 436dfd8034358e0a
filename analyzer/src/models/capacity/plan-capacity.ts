/**
 * Capacity planning for one service from its own telemetry: how much more
 * traffic it takes before it saturates, when the demand trend gets there, and
 * how many replicas that demand needs.
 *
 * Saturation throughput is the lowest of the limits the data supports:
 * - a resource ceiling (utilization law U = U₀ + D·λ, fitted by least squares
 *   on (throughput, CPU or memory utilization) pairs; λ where U reaches the
 *   ceiling, 80% by default);
 * - a queueing ceiling (M/G/c fitted to (throughput, mean latency) pairs;
 *   λ = ceiling · c/s) when no utilization metric exists;
 * - a latency SLO breach (the fitted M/G/c response time reaches the SLO);
 * - the USL peak throughput when the data shows retrograde scaling near it.
 */
import { linearTrendForecast, type DemandForecaster } from './demand-forecast.ts';
import { fitQueue, fitUsl, queueRateAtResponseTime, type QueueFit, type UslFit } from './queueing.ts';

export interface CapacitySample {
  /** Bucket start, unix seconds. */
  readonly t: number;
  /** Requests per second over the bucket (entry spans). */
  readonly rps: number;
  /** Mean latency over the bucket, ms; null/absent when unknown. */
  readonly latencyMs?: number | null;
  /** Fleet CPU utilization, fraction of capacity (0..1); null/absent when unknown. */
  readonly cpu?: number | null;
  /** Fleet memory utilization, fraction of the limit (0..1). */
  readonly memory?: number | null;
}

export interface CapacityInput {
  readonly service: string;
  /** Bucket width, seconds. */
  readonly stepS: number;
  /** Oldest first, one per bucket (gaps allowed). */
  readonly samples: readonly CapacitySample[];
  /** Replicas serving now (distinct service.instance.id / k8s.pod.name); 1 when unknown. */
  readonly replicas: number;
  /** Where the CPU utilization came from (metric name), for the report. */
  readonly cpuSource?: string | undefined;
  readonly memorySource?: string | undefined;
}

export interface CapacityOptions {
  /** Utilization treated as the ceiling (default 0.8). */
  readonly utilizationCeiling?: number;
  /** Mean latency SLO, ms; a breach of it is a limit too. */
  readonly latencySloMs?: number | undefined;
  /** How far ahead to forecast demand, seconds (default 7 days). */
  readonly horizonS?: number;
  /** Demand forecaster (default: robust linear trend). */
  readonly forecaster?: DemandForecaster;
  /** "Now", unix s; default the end of the last sample's bucket. */
  readonly nowS?: number;
  /** Fewest usable samples to plan from (default 10). */
  readonly minSamples?: number;
}

export type LimitKind = 'cpu' | 'memory' | 'queueing' | 'latency-slo' | 'usl-peak';

export interface CapacityLimit {
  readonly kind: LimitKind;
  readonly saturationRps: number;
  /** Fit quality of the model the limit comes from. */
  readonly r2: number;
}

export interface LinearFit {
  readonly intercept: number;
  readonly slope: number;
  readonly r2: number;
  readonly n: number;
}

export interface CapacityPlan {
  readonly service: string;
  readonly currentRps: number;
  readonly saturationRps: number;
  /** (saturation − current) / saturation · 100; negative when past saturation. */
  readonly headroomPct: number;
  /** Seconds until forecast demand reaches saturation; 0 when already there, null when not within the horizon. */
  readonly timeToSaturationS: number | null;
  /** Same, when the upper 80% demand bound reaches it (the pessimistic case). */
  readonly timeToSaturationUpper80S: number | null;
  readonly replicasNow: number;
  readonly replicasNeeded: number;
  readonly utilization: { readonly cpu: number | null; readonly memory: number | null; readonly cpuSource: string | null; readonly memorySource: string | null };
  readonly confidence: number;
  /** The binding limit and the model behind it, e.g. `cpu-utilization-law`. */
  readonly method: string;
  readonly limits: readonly CapacityLimit[];
  readonly fits: {
    readonly cpu?: LinearFit;
    readonly memory?: LinearFit;
    /** M/G/c of one replica (its share of the traffic); capacity × replicas is the fleet's. */
    readonly queue?: QueueFit;
    readonly usl?: UslFit;
  };
  readonly demand: {
    readonly horizonS: number;
    /** Forecast demand at the horizon and its upper 80% bound, rps. */
    readonly atHorizon: number;
    readonly upper80AtHorizon: number;
    readonly peakUpper80: number;
  };
  readonly maxObservedRps: number;
}

export interface CapacityGap {
  readonly service: string;
  /** What is missing, in words an operator can act on. */
  readonly missing: readonly string[];
}

export const DEFAULT_UTILIZATION_CEILING = 0.8;
export const DEFAULT_HORIZON_S = 7 * 86_400;

/** Ordinary least squares y = a + b·x with R². */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit | undefined {
  const n = xs.length;
  if (n < 3) return undefined;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return { intercept, slope, r2, n };
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function meanOfLast(values: readonly number[], k: number): number | null {
  const tail = values.slice(-k);
  return tail.length === 0 ? null : tail.reduce((a, b) => a + b, 0) / tail.length;
}

function medianOf(xs: number[]): number {
  xs.sort((a, b) => a - b);
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** At least 5 points beyond peak concurrency, and their median throughput below that of the points in [0.7·N*, N*]. */
function retrogradeSeen(pairs: readonly CapacitySample[], peakN: number): boolean {
  if (!Number.isFinite(peakN)) return false;
  const beyond: number[] = [];
  const before: number[] = [];
  for (const p of pairs) {
    const n = (p.rps * (p.latencyMs as number)) / 1000;
    if (n > peakN) beyond.push(p.rps);
    else if (n >= 0.7 * peakN) before.push(p.rps);
  }
  return beyond.length >= 5 && before.length >= 3 && medianOf(beyond) < medianOf(before);
}

/** A utilization-law fit worth planning on: load explains the resource (R² ≥ 0.5) and it grows with load. */
function resourceLimit(kind: 'cpu' | 'memory', fit: LinearFit | undefined, ceiling: number): CapacityLimit | undefined {
  if (!fit || !(fit.slope > 0) || fit.r2 < 0.5) return undefined;
  return { kind, saturationRps: Math.max(0, (ceiling - fit.intercept) / fit.slope), r2: fit.r2 };
}

/**
 * Plans one service, or says what data is missing. Pure and synchronous.
 */
export function planCapacity(input: CapacityInput, opts: CapacityOptions = {}): CapacityPlan | CapacityGap {
  const ceiling = opts.utilizationCeiling ?? DEFAULT_UTILIZATION_CEILING;
  const horizonS = opts.horizonS ?? DEFAULT_HORIZON_S;
  const forecaster = opts.forecaster ?? linearTrendForecast;
  const minSamples = opts.minSamples ?? 10;
  const stepS = input.stepS;
  const samples = input.samples.filter((s) => finite(s.rps) && s.rps > 0);
  const missing: string[] = [];
  if (samples.length < minSamples) {
    missing.push(`throughput: ${samples.length} buckets with traffic, at least ${minSamples} needed (spans of the service's entry operations)`);
    return { service: input.service, missing };
  }

  const rps = samples.map((s) => s.rps);
  const maxObservedRps = Math.max(...rps);
  const cpuPairs = samples.filter((s) => finite(s.cpu));
  const memPairs = samples.filter((s) => finite(s.memory));
  const latPairs = samples.filter((s) => finite(s.latencyMs) && s.latencyMs > 0);

  const cpuFit = cpuPairs.length >= minSamples ? linearFit(cpuPairs.map((s) => s.rps), cpuPairs.map((s) => s.cpu as number)) : undefined;
  const memFit = memPairs.length >= minSamples ? linearFit(memPairs.map((s) => s.rps), memPairs.map((s) => s.memory as number)) : undefined;
  // Replicas behind a load balancer are separate queues, each with its share
  // of the traffic (a pooled M/G/c over all their workers would wait less
  // than they do): the queue is fitted per replica and scaled back up.
  const replicasNow = Math.max(1, Math.round(input.replicas));
  const queue = latPairs.length >= minSamples ? fitQueue(latPairs.map((s) => ({ x: s.rps / replicasNow, y: (s.latencyMs as number) / 1000 }))) : undefined;
  const usl = latPairs.length >= minSamples ? fitUsl(latPairs.map((s) => ({ x: (s.rps * (s.latencyMs as number)) / 1000, y: s.rps }))) : undefined;

  const limits: CapacityLimit[] = [];
  const cpuLimit = resourceLimit('cpu', cpuFit, ceiling);
  if (cpuLimit) limits.push(cpuLimit);
  const memLimit = resourceLimit('memory', memFit, ceiling);
  if (memLimit) limits.push(memLimit);
  // The latency curve identifies c/s only once load has bent it: a fit that
  // never saw 30% utilization is extrapolating its knee.
  const queueTrusted = queue !== undefined && queue.r2 >= 0.5 && queue.maxObservedUtilization >= 0.3;
  if (queueTrusted && !cpuLimit) limits.push({ kind: 'queueing', saturationRps: ceiling * queue.capacity * replicasNow, r2: queue.r2 });
  if (queue !== undefined && queue.r2 >= 0.5 && opts.latencySloMs !== undefined) {
    const atSlo = queueRateAtResponseTime(queue.model, opts.latencySloMs / 1000);
    limits.push({ kind: 'latency-slo', saturationRps: (atSlo ?? 0) * replicasNow, r2: queue.r2 });
  }
  // Retrograde scaling (κ > 0) caps throughput whatever the utilization says.
  // On an open system below saturation the USL only bends to mimic the
  // queueing knee (throughput still rises with concurrency there), so its
  // peak counts as a limit only when the data show the retrograde region:
  // several points past the peak concurrency whose throughput is below that
  // of the points just before it.
  if (usl !== undefined && usl.r2 >= 0.9 && usl.model.kappa > 0 && retrogradeSeen(latPairs, usl.peakConcurrency)) {
    limits.push({ kind: 'usl-peak', saturationRps: usl.peakThroughput, r2: usl.r2 });
  }

  if (limits.length === 0) {
    if (cpuPairs.length < minSamples && memPairs.length < minSamples) missing.push('utilization: no CPU or memory utilization metric for the service (process.cpu.utilization, process.cpu.time with k8s.container.cpu_limit, container.cpu.usage, k8s.pod.cpu.usage, system.cpu.utilization, ...)');
    else missing.push('utilization: CPU/memory do not follow throughput (R² < 0.5 or no positive slope), so they give no ceiling');
    if (latPairs.length < minSamples) missing.push('latency: too few buckets with latency');
    else missing.push('latency: the latency curve has not bent with load yet (queueing fit below 30% implied utilization or R² < 0.5), so it gives no ceiling');
    return { service: input.service, missing };
  }
  limits.sort((a, b) => a.saturationRps - b.saturationRps);
  const binding = limits[0]!;
  const saturationRps = binding.saturationRps;

  const currentRps = meanOfLast(rps, 5) ?? 0;
  const headroomPct = saturationRps > 0 ? ((saturationRps - currentRps) / saturationRps) * 100 : -100;

  // Demand: the rps series with gaps as NaN, so the forecaster sees real time.
  const first = input.samples[0]!.t;
  const lastT = samples[samples.length - 1]!.t;
  const buckets = Math.round((lastT - first) / stepS) + 1;
  const series = new Array<number>(buckets).fill(NaN);
  for (const s of input.samples) {
    const i = Math.round((s.t - first) / stepS);
    if (i >= 0 && i < buckets && finite(s.rps)) series[i] = s.rps;
  }
  const horizonSteps = Math.max(1, Math.ceil(horizonS / stepS));
  const forecast = forecaster(series, stepS * 1000, horizonSteps);
  const nowS = opts.nowS ?? lastT + stepS;
  // A bucket's rate belongs to its middle: step h (1-based) is centred at lastT + (h + ½)·step.
  const crossing = (pick: (h: number) => number): number | null => {
    if (currentRps >= saturationRps) return 0;
    let prevV = currentRps;
    let prevT = lastT + stepS / 2;
    for (let h = 1; h <= forecast.length; h++) {
      const v = pick(h - 1);
      const t = lastT + (h + 0.5) * stepS;
      if (v >= saturationRps) {
        const frac = v > prevV ? (saturationRps - prevV) / (v - prevV) : 1;
        const at = prevT + Math.min(1, Math.max(0, frac)) * (t - prevT);
        const out = Math.max(0, at - nowS);
        return out <= horizonS ? out : null;
      }
      prevV = v;
      prevT = t;
    }
    return null;
  };
  const timeToSaturationS = crossing((i) => forecast[i]!.value);
  const timeToSaturationUpper80S = crossing((i) => forecast[i]!.upper80);
  const lastPoint = forecast[forecast.length - 1];
  const peakUpper80 = Math.max(currentRps, ...forecast.map((p) => p.upper80));

  // Replicas scale the ceiling linearly (each replica its own queue); the
  // USL limit, when present, already says that assumption fails.
  const perReplica = saturationRps / replicasNow;
  const replicasNeeded = perReplica > 0 ? Math.max(1, Math.ceil(peakUpper80 / perReplica - 1e-9)) : replicasNow;

  // Confidence: how well the binding model fits, how much data, and how far
  // the limit lies beyond the load actually seen.
  const dataFactor = Math.min(1, samples.length / 60);
  const stretch = saturationRps / maxObservedRps;
  const extrapolationFactor = stretch <= 1.5 ? 1 : 1 / (1 + 0.5 * (stretch - 1.5));
  const confidence = Math.max(0, Math.min(1, binding.r2)) * dataFactor * extrapolationFactor;

  const method =
    binding.kind === 'cpu' || binding.kind === 'memory'
      ? `${binding.kind}-utilization-law`
      : binding.kind === 'queueing'
        ? `queueing-m/g/${queue?.model.c ?? '?'}`
        : binding.kind === 'latency-slo'
          ? 'latency-slo-m/g/c'
          : 'usl-peak';

  return {
    service: input.service,
    currentRps,
    saturationRps,
    headroomPct,
    timeToSaturationS,
    timeToSaturationUpper80S,
    replicasNow,
    replicasNeeded,
    utilization: {
      cpu: meanOfLast(cpuPairs.map((s) => s.cpu as number), 5),
      memory: meanOfLast(memPairs.map((s) => s.memory as number), 5),
      cpuSource: input.cpuSource ?? null,
      memorySource: input.memorySource ?? null,
    },
    confidence,
    method: `${method}+${forecaster === linearTrendForecast ? 'theil-sen-trend' : ((forecaster as { label?: () => string }).label?.() ?? 'injected-forecast')}`,
    limits,
    fits: {
      ...(cpuFit ? { cpu: cpuFit } : {}),
      ...(memFit ? { memory: memFit } : {}),
      ...(queue ? { queue } : {}),
      ...(usl ? { usl } : {}),
    },
    demand: { horizonS, atHorizon: lastPoint?.value ?? currentRps, upper80AtHorizon: lastPoint?.upper80 ?? currentRps, peakUpper80 },
    maxObservedRps,
  };
}

export function isCapacityGap(r: CapacityPlan | CapacityGap): r is CapacityGap {
  return 'missing' in r;
}

/** Seconds as an ISO 8601 duration (`P1DT2H30M`, `PT45S`, `PT0S`), whole seconds. */
export function isoDuration(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const time = `${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  if (d === 0 && time === '') return 'PT0S';
  return `P${d ? `${d}D` : ''}${time ? `T${time}` : ''}`;
}
