/**
 * Queueing models fitted to (throughput, latency) pairs: how close a service
 * runs to the knee of its latency curve, read from its own telemetry.
 *
 * - M/G/c (Allen–Cunneen): c parallel workers, mean service time s, Poisson
 *   arrivals, service-time variability folded into one factor k = (1 + cs²)/2
 *   (k = 1 is M/M/c, k = 0.5 is M/D/c). Mean response time
 *   R(λ) = s + k · ErlangC(c, λs) · s / (c − λs).
 *   Fitted by least squares: c over integers, s by a bracketed 1-D search,
 *   k in closed form (R is linear in k for fixed c, s).
 * - Universal Scalability Law (Gunther): X(N) = λ₁N / (1 + σ(N−1) + κN(N−1)),
 *   with concurrency N = X·R from Little's law. Fitted by least squares: λ₁ in
 *   closed form for fixed (σ, κ), (σ, κ) by a coarse grid then a local refine.
 */

/** Erlang C: probability an arrival waits, c servers at offered load a = λs (Erlangs); 1 when a ≥ c. */
export function erlangC(c: number, a: number): number {
  if (!(c >= 1) || !(a >= 0)) throw new RangeError('erlangC needs c >= 1 and a >= 0');
  if (a >= c) return 1;
  if (a === 0) return 0;
  // Erlang B by its stable recurrence, then C from B.
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho + rho * b);
}

/** Mean wait in queue of M/M/c, in the unit of s; Infinity at or past saturation. */
export function mmcWait(c: number, s: number, lambda: number): number {
  const a = lambda * s;
  if (a >= c) return Infinity;
  return (erlangC(c, a) * s) / (c - a);
}

export interface QueueModel {
  /** Workers (parallel servers) of the fleet as seen by the traffic. */
  readonly c: number;
  /** Mean service time, in the unit of the latencies given. */
  readonly s: number;
  /** Variability factor (1 + cs²)/2: 1 for exponential service, 0.5 for deterministic. */
  readonly k: number;
}

/** Mean response time the M/G/c model predicts at arrival rate λ (per unit of s⁻¹). */
export function queueResponseTime(m: QueueModel, lambda: number): number {
  return m.s + m.k * mmcWait(m.c, m.s, lambda);
}

/** Arrival rate at which the model's mean response time reaches `target` (bisection; R is increasing in λ). */
export function queueRateAtResponseTime(m: QueueModel, target: number): number | undefined {
  if (!(target > m.s)) return undefined;
  let lo = 0;
  let hi = m.c / m.s;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (queueResponseTime(m, mid) < target) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface FitQuality {
  /** Coefficient of determination on the fitted variable (may be < 0 for a bad fit). */
  readonly r2: number;
  /** Root mean square error, in the fitted variable's unit. */
  readonly rmse: number;
  readonly n: number;
}

export interface QueueFit extends FitQuality {
  readonly model: QueueModel;
  /** Throughput at 100% utilization: c / s. */
  readonly capacity: number;
  /** Highest observed utilization the fit implies (max λ · s / c). */
  readonly maxObservedUtilization: number;
}

export interface RatePoint {
  /** Throughput (requests per unit time). */
  readonly x: number;
  /** Mean latency (unit time), or any y the fit is about. */
  readonly y: number;
}

function quality(ys: readonly number[], predicted: readonly number[]): FitQuality {
  const n = ys.length;
  const mean = ys.reduce((a, b) => a + b, 0) / n;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (ys[i]! - predicted[i]!) ** 2;
    sst += (ys[i]! - mean) ** 2;
  }
  return { r2: sst > 0 ? 1 - sse / sst : sse === 0 ? 1 : 0, rmse: Math.sqrt(sse / n), n };
}

interface Candidate {
  readonly s: number;
  readonly k: number;
  readonly sse: number;
}

/** Best k (clamped to [0.25, 2]: cs² in [−0.5, 3]) and SSE for fixed c, s. */
function fitK(points: readonly RatePoint[], c: number, s: number): Candidate {
  let num = 0;
  let den = 0;
  const waits = points.map((p) => mmcWait(c, s, p.x));
  for (let i = 0; i < points.length; i++) {
    const w = waits[i]!;
    if (!Number.isFinite(w)) return { s, k: 1, sse: Infinity };
    num += w * (points[i]!.y - s);
    den += w * w;
  }
  const k = den > 0 ? Math.min(2, Math.max(0.25, num / den)) : 1;
  let sse = 0;
  for (let i = 0; i < points.length; i++) sse += (points[i]!.y - s - k * waits[i]!) ** 2;
  return { s, k, sse };
}

/** Best s for fixed c: grid over the feasible range (λ_max · s < c, s < max y), then golden-section refine. */
function fitS(points: readonly RatePoint[], c: number, maxX: number, maxY: number): Candidate {
  const hi = Math.min(maxY, (c / maxX) * 0.999);
  const lo = hi * 1e-3;
  const steps = 40;
  let best: Candidate = { s: hi, k: 1, sse: Infinity };
  let bestI = 0;
  for (let i = 0; i <= steps; i++) {
    const s = lo + ((hi - lo) * i) / steps;
    const cand = fitK(points, c, s);
    if (cand.sse < best.sse) {
      best = cand;
      bestI = i;
    }
  }
  let a = lo + ((hi - lo) * Math.max(0, bestI - 1)) / steps;
  let b = lo + ((hi - lo) * Math.min(steps, bestI + 1)) / steps;
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 40; it++) {
    const m1 = b - phi * (b - a);
    const m2 = a + phi * (b - a);
    if (fitK(points, c, m1).sse < fitK(points, c, m2).sse) b = m2;
    else a = m1;
  }
  const refined = fitK(points, c, (a + b) / 2);
  return refined.sse < best.sse ? refined : best;
}

export interface QueueFitOptions {
  /** Largest worker count tried (default 256). */
  readonly maxWorkers?: number;
  /** Known worker count (e.g. replicas × threads); the fit then only finds s and k. */
  readonly workers?: number;
}

/**
 * Least-squares M/G/c fit to (throughput, mean latency) pairs. Undefined with
 * fewer than 4 usable points or no throughput spread (the curve is not
 * identified from one load level).
 */
export function fitQueue(points: readonly RatePoint[], opts: QueueFitOptions = {}): QueueFit | undefined {
  const usable = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.x > 0 && p.y > 0);
  if (usable.length < 4) return undefined;
  const xs = usable.map((p) => p.x);
  const maxX = Math.max(...xs);
  const minX = Math.min(...xs);
  if (!(maxX > minX * 1.05)) return undefined;
  const maxY = Math.max(...usable.map((p) => p.y));
  const maxC = opts.maxWorkers ?? 256;
  const cs = opts.workers !== undefined ? [Math.max(1, Math.round(opts.workers))] : workerCandidates(maxC);
  let best: { c: number; cand: Candidate } | undefined;
  let sinceBest = 0;
  for (const c of cs) {
    const cand = fitS(usable, c, maxX, maxY);
    // Ties (flat latency: every large c fits) go to the smaller c, the
    // conservative capacity, unless the larger one is clearly better.
    if (!best || cand.sse < best.cand.sse * (1 - 1e-3)) {
      best = { c, cand };
      sinceBest = 0;
    } else if (++sinceBest >= 12) {
      // The error over c is flat-to-rising past the best fit (more workers
      // only flatten the curve further); 12 misses in a row end the search.
      break;
    }
  }
  if (!best || !Number.isFinite(best.cand.sse)) return undefined;
  const model: QueueModel = { c: best.c, s: best.cand.s, k: best.cand.k };
  const q = quality(
    usable.map((p) => p.y),
    usable.map((p) => queueResponseTime(model, p.x)),
  );
  return { ...q, model, capacity: model.c / model.s, maxObservedUtilization: (maxX * model.s) / model.c };
}

/** 1..32 every integer, then roughly 10% apart: the likelihood surface is flat in c at that scale. */
function workerCandidates(max: number): number[] {
  const out: number[] = [];
  for (let c = 1; c <= Math.min(32, max); c++) out.push(c);
  for (let c = 35; c <= max; c = Math.ceil(c * 1.1)) out.push(c);
  return out;
}

export interface UslModel {
  /** Throughput at concurrency 1. */
  readonly lambda: number;
  /** Contention (serial fraction). */
  readonly sigma: number;
  /** Coherency (crosstalk) penalty. */
  readonly kappa: number;
}

export interface UslFit extends FitQuality {
  readonly model: UslModel;
  /** Concurrency at peak throughput; Infinity when κ = 0. */
  readonly peakConcurrency: number;
  /** Peak (κ > 0) or asymptotic (κ = 0, σ > 0) throughput; Infinity when neither limits it. */
  readonly peakThroughput: number;
}

export function uslThroughput(m: UslModel, n: number): number {
  return (m.lambda * n) / (1 + m.sigma * (n - 1) + m.kappa * n * (n - 1));
}

function uslSse(points: readonly RatePoint[], sigma: number, kappa: number): { lambda: number; sse: number } {
  let num = 0;
  let den = 0;
  for (const p of points) {
    const g = p.x / (1 + sigma * (p.x - 1) + kappa * p.x * (p.x - 1));
    num += g * p.y;
    den += g * g;
  }
  const lambda = den > 0 ? num / den : 0;
  let sse = 0;
  for (const p of points) sse += (p.y - (lambda * p.x) / (1 + sigma * (p.x - 1) + kappa * p.x * (p.x - 1))) ** 2;
  return { lambda, sse };
}

/**
 * Least-squares USL fit to (concurrency N, throughput X) pairs — here `x` is N
 * and `y` is X. Undefined with fewer than 4 points or no spread in N.
 */
export function fitUsl(points: readonly RatePoint[]): UslFit | undefined {
  const usable = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.x > 0 && p.y > 0);
  if (usable.length < 4) return undefined;
  const ns = usable.map((p) => p.x);
  if (!(Math.max(...ns) > Math.min(...ns) * 1.05)) return undefined;
  // Coarse grid: σ linear in [0, 1), κ logarithmic from 1e-6 to 1 (and 0).
  const sigmas = Array.from({ length: 41 }, (_, i) => i / 40.5);
  const kappas = [0, ...Array.from({ length: 31 }, (_, i) => 10 ** (-6 + (6 * i) / 30))];
  let best = { sigma: 0, kappa: 0, sse: Infinity };
  for (const sigma of sigmas) {
    for (const kappa of kappas) {
      const { sse } = uslSse(usable, sigma, kappa);
      if (sse < best.sse) best = { sigma, kappa, sse };
    }
  }
  // Local refine: shrinking coordinate steps (pattern search).
  let ds = 1 / 40.5;
  let dk = Math.max(best.kappa, 1e-6);
  for (let it = 0; it < 60; it++) {
    let improved = false;
    for (const [sg, kp] of [
      [best.sigma + ds, best.kappa],
      [best.sigma - ds, best.kappa],
      [best.sigma, best.kappa + dk],
      [best.sigma, Math.max(0, best.kappa - dk)],
    ] as const) {
      if (sg < 0 || sg >= 1) continue;
      const { sse } = uslSse(usable, sg, kp);
      if (sse < best.sse) {
        best = { sigma: sg, kappa: kp, sse };
        improved = true;
      }
    }
    if (!improved) {
      ds /= 2;
      dk /= 2;
    }
  }
  const { lambda } = uslSse(usable, best.sigma, best.kappa);
  const model: UslModel = { lambda, sigma: best.sigma, kappa: best.kappa };
  const q = quality(
    usable.map((p) => p.y),
    usable.map((p) => uslThroughput(model, p.x)),
  );
  let peakConcurrency = Infinity;
  let peakThroughput = Infinity;
  if (model.kappa > 0) {
    peakConcurrency = Math.sqrt((1 - model.sigma) / model.kappa);
    peakThroughput = uslThroughput(model, peakConcurrency);
  } else if (model.sigma > 0) {
    peakThroughput = model.lambda / model.sigma;
  }
  return { ...q, model, peakConcurrency, peakThroughput };
}
