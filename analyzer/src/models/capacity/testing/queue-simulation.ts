/**
 * Discrete-event simulation of a service with known capacity, for the
 * capacity model's tests and `npm run eval:capacity`: `replicas` FCFS queues
 * with `workers` parallel servers each, random (Poisson) load balancing,
 * non-homogeneous Poisson arrivals λ(t) by thinning, exponential (M/M/c) or
 * constant (M/D/c) service times. Reports per bucket what telemetry would:
 * throughput, CPU utilization (busy worker-time / capacity, plus a baseline
 * and measurement noise), and mean latency of the requests that arrived in it.
 */

export interface QueueSimulation {
  readonly workers: number;
  readonly replicas?: number;
  /** Mean service time, seconds. */
  readonly serviceS: number;
  readonly service: 'exponential' | 'deterministic';
  /** Arrival rate (per second, whole fleet) at time t (seconds from 0). */
  readonly arrivalRate: (t: number) => number;
  /** Upper bound of arrivalRate over the run (for thinning). */
  readonly maxArrivalRate: number;
  readonly durationS: number;
  readonly bucketS: number;
  /** Idle CPU (runtime, GC) as a fraction of capacity; default 0.03. */
  readonly cpuBaseline?: number;
  /** Std-dev of additive CPU measurement noise; default 0.01. */
  readonly cpuNoise?: number;
  readonly seed: number;
  /** Called per request (arrival and response time in seconds, replica index), e.g. to emit a span. */
  readonly onRequest?: (arrivalS: number, latencyS: number, replica: number) => void;
}

export interface SimulatedBucket {
  readonly t: number;
  readonly rps: number;
  readonly cpu: number;
  readonly latencyMs: number | null;
}

/** mulberry32: small, seeded, good enough for simulation. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function simulateQueue(sim: QueueSimulation): SimulatedBucket[] {
  const rand = seededRandom(sim.seed);
  const replicas = sim.replicas ?? 1;
  const buckets = Math.ceil(sim.durationS / sim.bucketS);
  const arrivals = new Float64Array(buckets);
  const busy = new Float64Array(buckets);
  const latencySum = new Float64Array(buckets);
  // Free-at time of every worker, per replica. FCFS with c servers: each
  // arrival takes the earliest-free worker of its replica.
  const free: Float64Array[] = Array.from({ length: replicas }, () => new Float64Array(sim.workers));

  const addBusy = (start: number, end: number): void => {
    let a = start;
    while (a < end) {
      const b = Math.floor(a / sim.bucketS);
      if (b >= buckets) return;
      const bucketEnd = (b + 1) * sim.bucketS;
      const until = Math.min(end, bucketEnd);
      busy[b]! += until - a;
      a = until;
    }
  };

  let t = 0;
  for (;;) {
    t += -Math.log(1 - rand()) / sim.maxArrivalRate;
    if (t >= sim.durationS) break;
    if (rand() * sim.maxArrivalRate > sim.arrivalRate(t)) continue;
    const replicaIndex = Math.floor(rand() * replicas);
    const replica = free[replicaIndex]!;
    let w = 0;
    for (let i = 1; i < replica.length; i++) if (replica[i]! < replica[w]!) w = i;
    const start = Math.max(t, replica[w]!);
    const service = sim.service === 'exponential' ? -Math.log(1 - rand()) * sim.serviceS : sim.serviceS;
    const end = start + service;
    replica[w] = end;
    const b = Math.floor(t / sim.bucketS);
    arrivals[b]! += 1;
    latencySum[b]! += end - t;
    addBusy(start, end);
    sim.onRequest?.(t, end - t, replicaIndex);
  }

  const baseline = sim.cpuBaseline ?? 0.03;
  const noise = sim.cpuNoise ?? 0.01;
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const capacity = sim.workers * replicas * sim.bucketS;
  return Array.from({ length: buckets }, (_, b) => ({
    t: b * sim.bucketS,
    rps: arrivals[b]! / sim.bucketS,
    cpu: Math.min(1, Math.max(0, baseline + busy[b]! / capacity + noise * gauss())),
    latencyMs: arrivals[b]! > 0 ? (latencySum[b]! / arrivals[b]!) * 1000 : null,
  }));
}
