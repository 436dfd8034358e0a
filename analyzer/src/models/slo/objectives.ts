/** SLO objectives and periods as the monitors store them. */

export interface LatencyObjective {
  readonly kind: 'latency';
  /** The percentile the objective is written for (99 = "p99 under threshold"); reported, the budget follows `target`. */
  readonly percentile: number;
  readonly thresholdMs: number;
  /** Share of requests that must be at or under the threshold (0.99 for a p99 objective). */
  readonly target: number;
}

export interface ErrorRateObjective {
  readonly kind: 'error_rate';
  /** The highest acceptable error ratio, e.g. 0.01: the error budget itself. */
  readonly target: number;
}

export interface AvailabilityObjective {
  readonly kind: 'availability';
  /** Share of requests that must succeed, e.g. 0.999. */
  readonly target: number;
}

export type SloObjective = LatencyObjective | ErrorRateObjective | AvailabilityObjective;

/**
 * The SLI target as a share of good events. `error_rate` and `availability`
 * measure the same request-based SLI (a request is bad when its span has
 * status Error); they differ in how the target is written: error_rate 0.01
 * is availability 0.99.
 */
export function successTarget(o: SloObjective): number {
  return o.kind === 'error_rate' ? 1 - o.target : o.target;
}

/** A stable name for an objective, used to key alert state: "latency:p99<=300ms@0.99". */
export function objectiveKey(o: SloObjective): string {
  switch (o.kind) {
    case 'latency':
      return `latency:p${o.percentile}<=${o.thresholdMs}ms@${o.target}`;
    case 'error_rate':
      return `error_rate<=${o.target}`;
    case 'availability':
      return `availability>=${o.target}`;
  }
}

/** "30d", "7d", "12h", "4w" → seconds; undefined when not a duration. */
export function parseSloWindow(text: string): number | undefined {
  const m = /^(\d+)(h|d|w)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { h: 3_600, d: 86_400, w: 604_800 }[m[2] as 'h' | 'd' | 'w'];
  return n > 0 ? n * unit : undefined;
}
