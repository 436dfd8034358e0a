import { send } from './system-server.ts';
import { ENTRY_POINTS, findOperation, type SystemName } from './topology.ts';

/**
 * The load generator: user traffic to the fleet's entry points, following a
 * compressed day (a trough at "night", a peak in the "afternoon", a smaller
 * morning shoulder) with random bursts on top, so baselines have a seasonal
 * shape and forecasters something to forecast.
 */

export interface LoadOptions {
  /** Mean requests/s at the daily peak. */
  peakRps: number;
  /** Length of one compressed day, ms. */
  dayMs: number;
  /** Mean time between bursts, ms (exponential); 0 = no bursts. */
  burstEveryMs: number;
  burstMs: number;
  /** Rate multiplier during a burst. */
  burstFactor: number;
  /** Requests in flight at most; beyond that the generator sheds (a real client would time out). */
  maxInFlight: number;
  /** Where in the day the run starts (0 = midnight, 0.375 = 09:00), so a short run does not sit in the night trough. */
  startPhase: number;
}

export const DEFAULT_LOAD: LoadOptions = {
  peakRps: 12,
  dayMs: 10 * 60_000,
  burstEveryMs: 3 * 60_000,
  burstMs: 20_000,
  burstFactor: 2.5,
  maxInFlight: 64,
  startPhase: 9 / 24,
};

/**
 * Share of the peak rate at a point of the compressed day, in [0.15, 1]:
 * phase 0 is midnight; the trough is around 04:00, the peak around 15:00.
 */
export function diurnalFactor(elapsedMs: number, dayMs: number): number {
  const phase = (((elapsedMs / dayMs) % 1) + 1) % 1;
  // A shifted cosine (trough at 03:30, peak at 15:30) plus a morning shoulder.
  const main = 0.5 - 0.5 * Math.cos(2 * Math.PI * (phase - 3.5 / 24));
  const shoulder = 0.15 * Math.exp(-(((phase - 10 / 24) * 24) ** 2) / 2);
  return Math.min(1, 0.15 + 0.85 * main + shoulder * (1 - main));
}

/** Poisson-distributed count with mean `lambda` (Knuth for small means, normal approximation above). */
export function poisson(lambda: number, random: () => number = Math.random): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) {
    const z = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
  }
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= random();
  } while (p > l);
  return k - 1;
}

/** Burst windows drawn as a Poisson process: `active(t)` says whether t falls in one. */
export class BurstSchedule {
  #nextStart: number;
  #end = -Infinity;
  readonly #opts: Pick<LoadOptions, 'burstEveryMs' | 'burstMs'>;
  readonly #random: () => number;

  constructor(opts: Pick<LoadOptions, 'burstEveryMs' | 'burstMs'>, random: () => number = Math.random) {
    this.#opts = opts;
    this.#random = random;
    this.#nextStart = this.#gap();
  }

  #gap(): number {
    return this.#opts.burstEveryMs > 0 ? -Math.log(Math.max(this.#random(), 1e-12)) * this.#opts.burstEveryMs : Infinity;
  }

  /** Call with non-decreasing times. */
  active(elapsedMs: number): boolean {
    while (elapsedMs >= this.#nextStart) {
      this.#end = this.#nextStart + this.#opts.burstMs;
      this.#nextStart = this.#end + this.#gap();
    }
    return elapsedMs < this.#end;
  }
}

/** Picks an entry point with probability proportional to its weight. */
export function pickEntry<T extends { weight: number }>(entries: readonly T[], random: () => number = Math.random): T {
  const total = entries.reduce((a, e) => a + e.weight, 0);
  let r = random() * total;
  for (const e of entries) {
    r -= e.weight;
    if (r < 0) return e;
  }
  return entries[entries.length - 1]!;
}

export interface LoadStats {
  sent: number;
  ok: number;
  failed: number;
  shed: number;
  inFlight: number;
  currentRps: number;
  bursting: boolean;
}

export class LoadGenerator {
  readonly #opts: LoadOptions;
  readonly #urlOf: (s: SystemName) => string | undefined;
  readonly #entries: typeof ENTRY_POINTS;
  readonly #bursts: BurstSchedule;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #inFlight = 0;
  readonly #pending = new Set<Promise<void>>();
  readonly stats: LoadStats = { sent: 0, ok: 0, failed: 0, shed: 0, inFlight: 0, currentRps: 0, bursting: false };

  constructor(opts: LoadOptions, urlOf: (s: SystemName) => string | undefined, systems: ReadonlySet<SystemName>) {
    this.#opts = opts;
    this.#urlOf = urlOf;
    this.#entries = ENTRY_POINTS.filter((e) => systems.has(e.system));
    this.#bursts = new BurstSchedule(opts);
  }

  start(): void {
    if (this.#timer || this.#entries.length === 0) return;
    this.#startedAt = Date.now();
    // One request to every entry point first: every system shows up in PPO at once, whatever the rate.
    for (const e of this.#entries) this.#fire(e);
    const tickMs = 100;
    this.#timer = setInterval(() => {
      const elapsed = Date.now() - this.#startedAt;
      const bursting = this.#bursts.active(elapsed);
      const rps = this.#opts.peakRps * diurnalFactor(elapsed + this.#opts.startPhase * this.#opts.dayMs, this.#opts.dayMs) * (bursting ? this.#opts.burstFactor : 1);
      this.stats.currentRps = rps;
      this.stats.bursting = bursting;
      const n = poisson((rps * tickMs) / 1000);
      for (let i = 0; i < n; i++) this.#fire();
    }, tickMs);
  }

  #fire(entry = pickEntry(this.#entries)): void {
    if (this.#inFlight >= this.#opts.maxInFlight) {
      this.stats.shed++;
      return;
    }
    const base = this.#urlOf(entry.system);
    const op = findOperation(entry.system, entry.operation);
    if (!base || !op) return;
    this.#inFlight++;
    this.stats.sent++;
    const p = send(new URL(`${base}${op.route}`), op.method, { 'user-agent': 'ppo-demo-loadgen/1.0' }, 30_000)
      .then(
        (r) => void (r.status < 400 ? this.stats.ok++ : this.stats.failed++),
        () => void this.stats.failed++,
      )
      .finally(() => {
        this.#inFlight--;
        this.stats.inFlight = this.#inFlight;
        this.#pending.delete(p);
      });
    this.#pending.add(p);
    this.stats.inFlight = this.#inFlight;
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#pending]);
  }
}
