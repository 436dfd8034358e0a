/**
 * Measured forecast accuracy: what PPO predicted (stored forecasts) against
 * what then happened (the RED rollups), per metric. The figures mirror the
 * backtest's so they compare one to one: a MASE-like scaled error (mean
 * absolute error over the mean absolute one-step change of the actual series,
 * i.e. relative to the naive "last value" forecast's typical error), sMAPE
 * (0..2) and the share of actual values inside the 80 % interval.
 */

export interface ForecastOutcomePoint {
  readonly service: string;
  readonly metric: string;
  /** When the forecast was issued (unix ms); points of one issue form one forecast. */
  readonly issuedAtMs: number;
  /** The forecast time, unix s. */
  readonly t: number;
  readonly value: number;
  readonly lower80: number;
  readonly upper80: number;
  readonly actual: number;
}

export interface MetricAccuracy {
  readonly metric: string;
  /** Stored forecasts (issues) with at least one point now in the past. */
  readonly forecasts: number;
  readonly points: number;
  readonly series: number;
  /** null when the actual series never changed (no naive error to scale by). */
  readonly mase: number | null;
  readonly smape: number;
  /** 1 − sMAPE/2, the accuracy figure of the eval. */
  readonly accuracy: number;
  readonly coverage80: number;
}

const round = (v: number, d = 4): number => Math.round(v * 10 ** d) / 10 ** d;

/**
 * The naive scale of a series: mean |y_t − y_{t−1}| over its actual values in
 * time order (one value per time; forecasts of several issues for the same t
 * share one actual).
 */
function naiveScale(points: readonly ForecastOutcomePoint[]): number | null {
  const byT = new Map<number, number>();
  for (const p of points) byT.set(p.t, p.actual);
  const ts = [...byT.keys()].sort((a, b) => a - b);
  let sum = 0;
  let n = 0;
  for (let i = 1; i < ts.length; i++) {
    sum += Math.abs((byT.get(ts[i] as number) as number) - (byT.get(ts[i - 1] as number) as number));
    n++;
  }
  return n === 0 || sum === 0 ? null : sum / n;
}

/**
 * Per metric, pooled over services: each series' absolute errors are scaled
 * by its own naive scale (so a busy service does not dominate), then averaged
 * over every point. sMAPE of a point whose forecast and actual are both 0 is 0.
 */
export function forecastAccuracy(points: readonly ForecastOutcomePoint[]): MetricAccuracy[] {
  const byMetric = new Map<string, ForecastOutcomePoint[]>();
  for (const p of points) {
    if (!Number.isFinite(p.value) || !Number.isFinite(p.actual)) continue;
    const list = byMetric.get(p.metric);
    if (list) list.push(p);
    else byMetric.set(p.metric, [p]);
  }
  const out: MetricAccuracy[] = [];
  for (const [metric, list] of [...byMetric].sort(([a], [b]) => a.localeCompare(b))) {
    const bySeries = new Map<string, ForecastOutcomePoint[]>();
    for (const p of list) {
      const l = bySeries.get(p.service);
      if (l) l.push(p);
      else bySeries.set(p.service, [p]);
    }
    let scaledSum = 0;
    let scaledN = 0;
    let smapeSum = 0;
    let covered = 0;
    for (const series of bySeries.values()) {
      const scale = naiveScale(series);
      for (const p of series) {
        const err = Math.abs(p.value - p.actual);
        if (scale !== null) {
          scaledSum += err / scale;
          scaledN++;
        }
        const denom = Math.abs(p.value) + Math.abs(p.actual);
        smapeSum += denom === 0 ? 0 : (2 * err) / denom;
        if (p.actual >= p.lower80 && p.actual <= p.upper80) covered++;
      }
    }
    const smape = smapeSum / list.length;
    out.push({
      metric,
      forecasts: new Set(list.map((p) => `${p.service}\0${p.issuedAtMs}`)).size,
      points: list.length,
      series: bySeries.size,
      mase: scaledN === 0 ? null : round(scaledSum / scaledN),
      smape: round(smape),
      accuracy: round(1 - smape / 2),
      coverage80: round(covered / list.length),
    });
  }
  return out;
}
