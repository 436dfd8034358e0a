import { fitGpdPwm, gpdQuantile } from './extreme-value.ts';
import { MAD_TO_SIGMA, medianInPlace, quantileInPlace, Ring, robustScale } from './robust-stats.ts';

/**
 * Online, seasonal-robust anomaly detection for one regular-ish series (RED,
 * resource metrics): spikes, dips and level shifts.
 *
 * The detector walks the series once, oldest first, and decides about point i
 * from points 0..i only (plus a confirmation delay of at most `minRun − 1`
 * points for a sustained excursion, or `shiftPoints − 1` before an excursion
 * is called a level shift; step 7 uses, at point i, statistics of points ≤ i
 * only). Running it over a prefix gives the same anomalies
 * the full run reports for that prefix, so the same code is honest as a live
 * detector and as a batch one. Per point:
 *
 * 1. Baseline. Two causal predictors over a *cleaned* history (points judged
 *    anomalous are replaced by their prediction, so an incident does not
 *    drag the baseline along with it):
 *    - local level: the median of the last `levelWindow` points;
 *    - seasonal: the median of the same phase on up to `maxSeasons` previous
 *      days (or weeks, a second candidate), plus the median deviation
 *      from that profile over the last day — seasonal naive with a robust,
 *      slow level correction, an STL-like split into profile + level.
 *    The seasonal predictor is used only while its recent absolute error
 *    (EWMA) is clearly lower than the local level's: a daily season is used
 *    when the data has one, never assumed.
 * 2. Robust scale of the predictor's recent residuals (1.4826·MAD over
 *    `scaleWindow` points, falling back to the mean absolute deviation), so
 *    z = residual / scale.
 * 3. Threshold: `zThreshold`, raised to `tailFactor ×` the 99th percentile
 *    of the |z| the series has shown over its last `tailWindow` points. Ops series
 *    have heavy tails; an excursion is an anomaly only when it is extreme for
 *    *this* series, not merely for a Gaussian.
 * 4. Excursions with hysteresis: an excursion starts at |z| ≥ threshold and
 *    lasts while |z| (against the scale from before it began) stays ≥
 *    `exitRatio ×` threshold on the same side. It
 *    becomes an anomaly once it has `minRun` points over the threshold, or one
 *    point over `spikeFactor ×` the threshold. If it lasts `shiftPoints` it is
 *    a level shift: the baseline is re-anchored on the new level (the values
 *    since the excursion began), so a deploy regression is reported once, not
 *    for as long as it persists.
 * 5. Change points below the per-point threshold: a two-sided CUSUM on the
 *    clipped z (drift `cusumDrift`, decision interval `cusumThreshold`) finds
 *    sustained shifts too small for step 4, e.g. latency +3σ after a deploy,
 *    and reports them as level shifts starting where the CUSUM left zero.
 *    z is first divided by √((1+ρ)/(1−ρ)), ρ the lag-1 autocorrelation of
 *    recent residuals: on autocorrelated series (temperatures, queues) sums
 *    of residuals wander that much more, and an unadjusted CUSUM would call
 *    every wander a shift.
 * 6. One detection per incident: anomalies closer than `mergeGap` points
 *    (3 h) are merged into one, and a return to the level from before an
 *    anomaly within `recoveryWindow` (a day) is that anomaly's end, not a
 *    new one (see `absorbRecoveries`).
 *    A spike that went at least half as far within ±`recurrenceTolerance` of
 *    the same time on 2 of the 3 previous days (a nightly job) is not
 *    reported. Nothing is reported during the first `warmupPoints` points.
 * 7. Rank gate and sustained deviations (see `rankCandidates`): per scale —
 *    z itself, the 1-h and 6-h sums of z, and the 1-h and 6-h two-sample
 *    shift tests (the window's median against the reference before it,
 *    `shiftStatistic`) — a statistic in units of its own bar; the largest is
 *    the point's calibrated score. A candidate is reported only when its
 *    score is rare for this series' *incidents*: over the level its past
 *    episode peaks (in that direction) reach about once in
 *    `returnPeriodDays` (a month), from a generalized-Pareto fit of their tail
 *    (`incidentLevels`, SPOT-style peaks over threshold); until 6 episodes
 *    are seen, when it sets a record of the last `rankWindow` points (a
 *    week). A sustained score over its bar that passes this gate is a
 *    level-shift candidate even when no single point was over the threshold.
 */

export type AnomalyKind = 'spike' | 'dip' | 'level_shift';
export type AnomalySeverity = 'minor' | 'major' | 'critical';

export interface Anomaly {
  /** First anomalous point, unix ms. */
  readonly start: number;
  /** Last anomalous point, unix ms (= start for a one-point spike). */
  readonly end: number;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly kind: AnomalyKind;
  readonly direction: 'up' | 'down';
  /** Peak |residual| in robust standard deviations (for a CUSUM shift: the mean shift). */
  readonly score: number;
  readonly severity: AnomalySeverity;
  /** The point where the score peaked, unix ms, with its value and the baseline there. */
  readonly peakAt: number;
  readonly actual: number;
  readonly expected: number;
  /** True when the excursion was still under way at the last point. */
  readonly ongoing: boolean;
}

export interface DetectAnomaliesInput {
  /** Values in time order; null (or a non-finite number) for a missing point. */
  readonly values: readonly (number | null)[];
  /** Unix ms per value, same length. */
  readonly times: readonly number[];
  /** The series' step, ms; the median gap between times when absent. */
  readonly stepMs?: number | undefined;
}

export interface DetectAnomaliesOptions {
  /** Points of the local-level median. Default: 2 h at the step, clamped to [12, 120]. */
  readonly levelWindow?: number;
  /** Points the residual scale is estimated over. Default: 1 day at the step, clamped to [60, 1440]. */
  readonly scaleWindow?: number;
  /** Points the tail percentile is taken over (every point, anomalous or not). Default: 7 days at the step, clamped to [200, 4032]. */
  readonly tailWindow?: number;
  /** No anomaly is reported before this point index. Default: 2 × levelWindow, at least 30. */
  readonly warmupPoints?: number;
  /** Minimum robust z for a point to count. Default 5. */
  readonly zThreshold?: number;
  /** The threshold is at least this × the series' own `tailQuantile` of |z|. Default 1.5. */
  readonly tailFactor?: number;
  /** Which quantile of past |z| sets the series' own tail. Default 0.99. */
  readonly tailQuantile?: number;
  /** An excursion continues while |z| ≥ this × threshold. Default 0.5. */
  readonly exitRatio?: number;
  /** Points over the threshold that confirm an excursion. Default 2. */
  readonly minRun?: number;
  /**
   * One point over this × threshold confirms on its own. Default 1.5: a lone
   * draw must clear the bar by the margin the bar keeps over the series'
   * tail (`tailFactor`). It was 3 while the rank gate was a 7-day record
   * (heavy tails make lone points cheap); the incident calibration of step 7
   * now judges how rare a lone point is against this series' past ones.
   */
  readonly spikeFactor?: number;
  /** An excursion this long (points) is a level shift. Default: 1 h at the step, clamped to [4, 60]. */
  readonly shiftPoints?: number;
  /**
   * Anomalies separated by at most this many points are one incident (one
   * detection: an incident that flaps, or a deploy and its rollback, pages
   * once). Default: 3 h at the step, at least levelWindow.
   */
  readonly mergeGap?: number;
  /** CUSUM drift k, in σ (detects shifts ≳ 2k). Default 1. */
  readonly cusumDrift?: number;
  /** CUSUM decision interval h, in σ. Default 15; Infinity disables the change-point detector. */
  readonly cusumThreshold?: number;
  /** z is clipped to ±this before entering the CUSUM (one outlier cannot trip it). Default 3. */
  readonly cusumClip?: number;
  /** Use a daily or weekly seasonal baseline when it predicts better. Default true (also gates the nightly-recurrence check). */
  readonly seasonal?: boolean;
  /** ± points around the same time of day a recurring spike may wander. Default: 1 h at the step, clamped to [1, 60]. */
  readonly recurrenceTolerance?: number;
  /** Previous days the seasonal profile takes the median over. Default 5. */
  readonly maxSeasons?: number;
  /**
   * Window lengths (points) of the sustained-deviation statistic: the mean z
   * over the last w points × √w (÷ the autocorrelation inflation). Default:
   * 1 h and 6 h at the step (each at least 3 points); [] disables it.
   */
  readonly sustainedScales?: readonly number[];
  /** A sustained statistic must reach this (in σ of its own mean) to count. Default 5. */
  readonly sustainedThreshold?: number;
  /**
   * History (points) an anomaly must be the most unusual excursion of, in its
   * direction and at some scale: a candidate is reported only when its
   * statistic beats every value of that statistic over this window before it.
   * Default: 7 days at the step, at least 4 × levelWindow; 0 disables the rank gate.
   */
  readonly rankWindow?: number;
  /**
   * An anomaly in the opposite direction within this many points of the end
   * of the previous one that brings the level back to where it was before
   * is that incident's recovery (it extends it). Default: 1 day at the step,
   * clamped to [24, 1440]; 0 disables it.
   */
  readonly recoveryWindow?: number;
  /**
   * Reference length (points) of the two-sample shift test: each sustained
   * scale's window is also compared with the this-many points before it.
   * Default: 1 day at the step, clamped to [24, 1440]; 0 disables the test.
   */
  readonly shiftReference?: number;
  /** A candidate must be among this many most unusual excursions of the rank window (in separate episodes). Default 1: a new record. */
  readonly rankTop?: number;
  /**
   * Severity calibration over the series' own incident history (peaks over
   * threshold, see `incidentLevels`): once the series has shown enough
   * episodes, a candidate is reported when its calibrated score exceeds the
   * level its past episode peaks reach about once in this many days (the
   * return level of a GPD fitted to their tail), instead of the 7-day record.
   * Days; 0 keeps the record rule throughout.
   */
  readonly returnPeriodDays?: number;
}

const HOUR_MS = 3_600_000;
/** Default return period of the incident-severity calibration (see `returnPeriodDays`). */
const RETURN_PERIOD_DAYS = 30;
/** An episode of the calibrated score starts at half of every bar (the excursions' exit ratio). */
const EPISODE_FLOOR = 0.5;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** One causal predictor: a seasonal profile (none for the local level) plus the median recent deviation from it. */
interface Predictor {
  readonly period: number;
  /** Recent cleaned values minus the profile at their time. */
  readonly dev: Ring;
  /** Recent residuals of normal points (for the scale). */
  readonly res: Ring;
  /** The profile at every index (seasonal predictors only). */
  readonly profileAt: Float64Array | undefined;
  /** EWMA of |residual|. */
  err: number;
  scale: number;
  /** √((1+ρ)/(1−ρ)) for the lag-1 autocorrelation ρ of recent residuals (1 for white noise). */
  inflation: number;
  /** scale and inflation need re-estimating before next use. */
  scaleStale: boolean;
  /** Median of `dev`, cached; re-taken every `correctionEvery` points. */
  correction: number;
  sinceCorrection: number;
  base: number;
  profile: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Median positive gap between consecutive times (ms); 60 s when it cannot be told. */
export function inferStepMs(times: readonly number[]): number {
  const n = Math.min(times.length - 1, 5000);
  if (n < 1) return 60_000;
  const gaps = new Float64Array(n);
  let m = 0;
  for (let i = 1; i <= n; i++) {
    const d = times[i]! - times[i - 1]!;
    if (d > 0) gaps[m++] = d;
  }
  return m === 0 ? 60_000 : medianInPlace(gaps, m);
}

/** The options as the detector applies them for a given step (the API documents these). */
export function resolveAnomalyOptions(stepMs: number, o: DetectAnomaliesOptions = {}): Required<DetectAnomaliesOptions> {
  const per = (ms: number): number => Math.round(ms / stepMs);
  const levelWindow = Math.max(3, Math.round(o.levelWindow ?? clamp(per(2 * HOUR_MS), 12, 120)));
  return {
    levelWindow,
    scaleWindow: Math.max(10, Math.round(o.scaleWindow ?? clamp(per(DAY_MS), 60, 1440))),
    tailWindow: Math.max(50, Math.round(o.tailWindow ?? clamp(per(7 * DAY_MS), 200, 4032))),
    warmupPoints: Math.max(0, Math.round(o.warmupPoints ?? Math.max(2 * levelWindow, 30))),
    zThreshold: o.zThreshold ?? 5,
    tailFactor: o.tailFactor ?? 1.5,
    tailQuantile: o.tailQuantile ?? 0.99,
    exitRatio: o.exitRatio ?? 0.5,
    minRun: Math.max(1, Math.round(o.minRun ?? 2)),
    spikeFactor: o.spikeFactor ?? 1.5,
    shiftPoints: Math.max(2, Math.round(o.shiftPoints ?? clamp(per(HOUR_MS), 4, 60))),
    mergeGap: Math.max(0, Math.round(o.mergeGap ?? Math.max(levelWindow, per(3 * HOUR_MS)))),
    cusumDrift: o.cusumDrift ?? 1,
    cusumThreshold: o.cusumThreshold ?? 15,
    cusumClip: o.cusumClip ?? 3,
    seasonal: o.seasonal ?? true,
    maxSeasons: Math.max(2, Math.round(o.maxSeasons ?? 5)),
    recurrenceTolerance: Math.max(0, Math.round(o.recurrenceTolerance ?? clamp(per(HOUR_MS), 1, 60))),
    sustainedScales: (o.sustainedScales ?? [per(HOUR_MS), per(6 * HOUR_MS)]).map((w) => Math.max(3, Math.round(w))).filter((w, k, all) => all.indexOf(w) === k),
    sustainedThreshold: o.sustainedThreshold ?? 5,
    rankTop: Math.max(1, Math.round(o.rankTop ?? 1)),
    recoveryWindow: Math.max(0, Math.round(o.recoveryWindow ?? clamp(per(DAY_MS), 24, 1440))),
    shiftReference: Math.max(0, Math.round(o.shiftReference ?? clamp(per(DAY_MS), 24, 1440))),
    rankWindow: Math.max(0, Math.round(o.rankWindow ?? Math.max(per(7 * DAY_MS), 4 * levelWindow))),
    returnPeriodDays: Math.max(0, o.returnPeriodDays ?? RETURN_PERIOD_DAYS),
  };
}

/** Fewest points a series needs for the detector to judge anything (warm-up + a confirmation). */
export function minimumPoints(stepMs: number, o: DetectAnomaliesOptions = {}): number {
  const r = resolveAnomalyOptions(stepMs, o);
  return r.warmupPoints + r.minRun;
}

function severityOf(score: number, threshold: number, kind: AnomalyKind): AnomalySeverity {
  const ratio = score / threshold;
  if (ratio >= 3) return 'critical';
  if (ratio >= 1.5 || kind === 'level_shift') return 'major';
  return 'minor';
}

interface Excursion {
  sign: 1 | -1;
  startIndex: number;
  lastIndex: number;
  points: number;
  hot: number;
  peakZ: number;
  peakIndex: number;
  peakExpected: number;
  confirmed: boolean;
  /** The same excursion happened around this time on previous days: a cron job, a nightly batch. */
  recurring: boolean;
  threshold: number;
  /** σ when the excursion began. */
  sigma: number;
}

interface Raw {
  startIndex: number;
  endIndex: number;
  kind: AnomalyKind;
  sign: 1 | -1;
  score: number;
  threshold: number;
  peakIndex: number;
  expected: number;
  ongoing: boolean;
}

/** Anomalies of one series, oldest first. Pure and synchronous. */
export function detectAnomalies(input: DetectAnomaliesInput, options: DetectAnomaliesOptions = {}): Anomaly[] {
  const { values, times } = input;
  if (values.length !== times.length) throw new RangeError(`values (${values.length}) and times (${times.length}) differ in length`);
  const n = values.length;
  if (n === 0) return [];
  const stepMs = input.stepMs !== undefined && input.stepMs > 0 ? input.stepMs : inferStepMs(times);
  const o = resolveAnomalyOptions(stepMs, options);
  // Predictor 0 is the local level; the others add a seasonal profile (a day,
  // a week) when the series is long enough to see it twice.
  const periods = [0];
  if (o.seasonal) {
    for (const ms of [DAY_MS, WEEK_MS]) {
      const p = Math.round(ms / stepMs);
      if (p >= 4 && n >= 2 * p + o.levelWindow) periods.push(p);
    }
  }
  const predictors: Predictor[] = periods.map((period) => ({
    period,
    // The local level follows the last levelWindow points; a seasonal
    // predictor's level correction is the median deviation from its profile
    // over a whole day, so a day that departs from the usual shape (a
    // holiday, an outage) stays a deviation instead of becoming the level.
    dev: new Ring(period === 0 ? o.levelWindow : Math.max(o.levelWindow, Math.min(Math.round(DAY_MS / stepMs), 1440))),
    res: new Ring(o.scaleWindow),
    profileAt: period === 0 ? undefined : new Float64Array(n).fill(Number.NaN),
    err: Number.NaN,
    scale: 0,
    inflation: 1,
    scaleStale: true,
    correction: 0,
    sinceCorrection: Infinity,
    base: Number.NaN,
    profile: Number.NaN,
  }));
  const level = predictors[0]!;

  // Cleaned history: raw values, with anomalous points replaced by their baseline.
  const clean = new Float64Array(n).fill(Number.NaN);
  const tail = new Ring(o.tailWindow);
  const scratch = new Float64Array(Math.max(o.scaleWindow, o.tailWindow, o.maxSeasons, ...predictors.map((p) => p.dev.capacity)) + 1);

  // Model selection: EWMA of each predictor's absolute error over about a day.
  const alpha = 1 / clamp(Math.round(DAY_MS / stepMs), o.levelWindow, 1440);

  // Scale and tail percentile change slowly: refresh them every few points.
  const scaleEvery = Math.max(1, Math.floor(o.scaleWindow / 48));
  let sinceScale = Infinity;
  const tailEvery = Math.max(1, Math.floor(o.tailWindow / 100));
  let sinceTail = Infinity;
  let tailQ = 0;
  // Smallest non-zero difference between values: the series' resolution, a floor for σ.
  let quantum = Infinity;
  let prevY = Number.NaN;

  let cusumUp = 0;
  let cusumDown = 0;
  let cusumUpStart = -1;
  let cusumDownStart = -1;
  let cusumUpSum = 0;
  let cusumDownSum = 0;

  let exc: Excursion | undefined;
  const raws: Raw[] = [];
  // Per point, for the multi-scale rank gate: z against the chosen baseline,
  // that predictor's autocorrelation inflation, and the baseline itself.
  const zs = new Float64Array(n).fill(Number.NaN);
  const inflAt = new Float64Array(n).fill(1);
  const baseAt = new Float64Array(n).fill(Number.NaN);
  const thresholdAt = new Float64Array(n).fill(Number.NaN);
  // Per point, for the two-sample shift test: the value minus the chosen
  // predictor's seasonal profile (the raw value for the local level) and which
  // predictor that was (a reference and a window are compared only when they
  // were deseasonalized the same way).
  const deseason = new Float64Array(n).fill(Number.NaN);
  const modelAt = new Int8Array(n).fill(-1);

  const seasonalProfile = (i: number, period: number): number => {
    let m = 0;
    for (let k = 1; k <= o.maxSeasons; k++) {
      const j = i - k * period;
      if (j < 0) break;
      const v = clean[j]!;
      if (!Number.isNaN(v)) scratch[m++] = v;
    }
    return m >= 2 ? medianInPlace(scratch, m) : Number.NaN;
  };

  const pushHistory = (j: number, v: number): void => {
    clean[j] = v;
    for (const p of predictors) {
      const prof = p.profileAt ? p.profileAt[j]! : 0;
      if (!Number.isNaN(prof)) p.dev.push(v - prof);
    }
  };

  /** Re-anchors the baseline on the raw values from `from` to `to` (a confirmed shift). */
  const rebaseline = (from: number, to: number): void => {
    for (const p of predictors) {
      p.dev.clear();
      p.sinceCorrection = Infinity;
    }
    for (let j = Math.max(from, to - o.levelWindow + 1); j <= to; j++) {
      const v = values[j];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      pushHistory(j, v);
    }
    cusumUp = cusumDown = cusumUpSum = cusumDownSum = 0;
    cusumUpStart = cusumDownStart = -1;
    sinceScale = Infinity;
  };

  const closeExcursion = (e: Excursion, ongoing: boolean, kind?: AnomalyKind): void => {
    if (!e.confirmed) return;
    raws.push({
      startIndex: e.startIndex,
      endIndex: e.lastIndex,
      kind: kind ?? (e.sign > 0 ? 'spike' : 'dip'),
      sign: e.sign,
      score: e.peakZ,
      threshold: e.threshold,
      peakIndex: e.peakIndex,
      expected: e.peakExpected,
      ongoing,
    });
  };

  /**
   * Whether the raw series went at least half as far, the same way, within
   * ±`recurrenceTolerance` of the same time on at least 2 of the 3 previous
   * days. Daily jobs (backups, batch reports, log rotation) wander by minutes,
   * so the exact-phase seasonal profile cannot absorb them; an operator does
   * not want to be paged for them every night.
   */
  const day = Math.round(DAY_MS / stepMs);
  const recursDaily = (i: number, expected: number): boolean => {
    if (!o.seasonal || day < 4 || i < 2 * day) return false;
    const v = values[i]!;
    const need = 0.5 * (v - expected);
    let days = 0;
    for (let k = 1; k <= 3; k++) {
      const c = i - k * day;
      if (c - o.recurrenceTolerance < 0) break;
      for (let j = c - o.recurrenceTolerance; j <= Math.min(i - 1, c + o.recurrenceTolerance); j++) {
        const w = values[j];
        if (w === null || w === undefined || !Number.isFinite(w)) continue;
        if (need > 0 ? w - expected >= need : w - expected <= need) {
          days++;
          break;
        }
      }
    }
    return days >= 2;
  };

  const halfWindow = Math.ceil(o.levelWindow / 2);
  const correctionEvery = Math.max(1, Math.floor(o.levelWindow / 12));
  for (let i = 0; i < n; i++) {
    const raw = values[i];
    if (raw === null || raw === undefined || !Number.isFinite(raw)) continue;
    const y = raw;
    // The resolution seen *before* this point (σ never drops below half of
    // it): the first change of a constant series stands out.
    const floor = Number.isFinite(quantum) ? quantum / 2 : 0;
    if (!Number.isNaN(prevY) && y !== prevY) quantum = Math.min(quantum, Math.abs(y - prevY));
    prevY = y;

    // 1. Baselines from the cleaned past.
    if (level.dev.size === 0) {
      pushHistory(i, y);
      continue;
    }
    let chosen = level;
    for (const p of predictors) {
      p.base = Number.NaN;
      p.profile = p.period === 0 ? 0 : i >= 2 * p.period ? seasonalProfile(i, p.period) : Number.NaN;
      if (p.profileAt) p.profileAt[i] = p.profile;
      if (Number.isNaN(p.profile) || p.dev.size < (p === level ? 1 : halfWindow)) continue;
      // The local level is re-taken every point; a seasonal predictor's level
      // correction moves slowly and is re-taken every few points (cost).
      if (p === level || ++p.sinceCorrection >= correctionEvery) {
        const m = p.dev.copyTo(scratch);
        p.correction = medianInPlace(scratch, m);
        p.sinceCorrection = 0;
      }
      p.base = p.profile + p.correction;
      // A seasonal predictor must earn its place: clearly smaller recent error.
      if (p !== level && !Number.isNaN(p.err) && p.err < 0.8 * level.err && p.err < chosen.err) chosen = p;
    }
    const b = chosen.base;
    if (!Number.isNaN(b)) {
      deseason[i] = y - chosen.profile;
      modelAt[i] = predictors.indexOf(chosen);
    }
    const ready = level.dev.size >= halfWindow;

    // 2. Robust scale of the chosen predictor's residuals.
    if (++sinceScale >= scaleEvery) {
      for (const p of predictors) p.scaleStale = true;
      sinceScale = 0;
    }
    if (chosen.scaleStale) {
      chosen.scale = robustScale(chosen.res, scratch);
      chosen.inflation = varianceInflation(chosen.res, scratch);
      chosen.scaleStale = false;
    }
    const sigma = Math.max(chosen.scale, floor);
    const r = y - b;
    const z = sigma > 0 ? r / sigma : r === 0 ? 0 : Math.sign(r) * Number.MAX_VALUE;
    const az = Math.abs(z);

    // 3. Threshold adapted to the series' own tail.
    if (++sinceTail >= tailEvery) {
      if (tail.size >= 100) {
        const m = tail.copyTo(scratch);
        tailQ = quantileInPlace(scratch, m, o.tailQuantile);
      }
      sinceTail = 0;
    }
    const threshold = Math.max(o.zThreshold, o.tailFactor * tailQ);
    const judging = ready && chosen.res.size >= Math.min(30, o.scaleWindow) && i >= o.warmupPoints;
    if (judging) {
      // Only judged points enter the multi-scale statistics: before the scale
      // is known, z is meaningless (and would set records nothing can beat).
      zs[i] = Math.max(-1e12, Math.min(1e12, z));
      inflAt[i] = chosen.inflation;
      baseAt[i] = b;
      thresholdAt[i] = threshold;
    }
    // Every point, anomalous or not, shapes the tail: excursions that recur are this series' normal.
    if (ready) tail.push(Math.min(az, 1e12));

    // 4. Excursions.
    let anomalous = false;
    if (exc) {
      // Judged against the scale from before the excursion: the excursion
      // itself must not move the yardstick it is measured with.
      const ze = exc.sigma > 0 ? r / exc.sigma : r === 0 ? 0 : Math.sign(r) * Number.MAX_VALUE;
      if (Math.sign(ze) === exc.sign && Math.abs(ze) >= o.exitRatio * exc.threshold) {
        exc.points++;
        exc.lastIndex = i;
        if (Math.abs(ze) >= exc.threshold) exc.hot++;
        if (Math.abs(ze) > exc.peakZ) {
          exc.peakZ = Math.abs(ze);
          exc.peakIndex = i;
          exc.peakExpected = b;
        }
        anomalous = true;
      } else {
        closeExcursion(exc, false);
        exc = undefined;
      }
    }
    if (!exc && judging && az >= threshold) {
      exc = { sign: z > 0 ? 1 : -1, startIndex: i, lastIndex: i, points: 1, hot: 1, peakZ: az, peakIndex: i, peakExpected: b, confirmed: false, recurring: false, threshold, sigma };
      anomalous = true;
    }
    if (exc && !exc.confirmed && !exc.recurring && (exc.hot >= o.minRun || exc.peakZ >= o.spikeFactor * exc.threshold)) {
      if (recursDaily(exc.peakIndex, exc.peakExpected)) exc.recurring = true;
      else exc.confirmed = true;
    }
    if (exc && exc.points >= o.shiftPoints) {
      // Sustained: a level shift. Report it once and follow the new level.
      exc.confirmed = true;
      closeExcursion(exc, false, 'level_shift');
      rebaseline(exc.startIndex, i);
      exc = undefined;
      continue;
    }

    // 5. CUSUM on the clipped z of points the excursion logic did not claim.
    if (!anomalous && judging && Number.isFinite(o.cusumThreshold)) {
      const zc = Math.max(-o.cusumClip, Math.min(o.cusumClip, z / chosen.inflation));
      if (cusumUp === 0) {
        cusumUpStart = i;
        cusumUpSum = 0;
      }
      if (cusumDown === 0) {
        cusumDownStart = i;
        cusumDownSum = 0;
      }
      cusumUp = Math.max(0, cusumUp + zc - o.cusumDrift);
      cusumDown = Math.max(0, cusumDown - zc - o.cusumDrift);
      cusumUpSum += r;
      cusumDownSum += r;
      const up = cusumUp > o.cusumThreshold;
      if (up || cusumDown > o.cusumThreshold) {
        const start = up ? cusumUpStart : cusumDownStart;
        const count = Math.max(1, i - start + 1);
        const meanShift = (up ? cusumUpSum : cusumDownSum) / count;
        raws.push({
          startIndex: start,
          endIndex: i,
          kind: 'level_shift',
          sign: up ? 1 : -1,
          score: sigma > 0 ? Math.abs(meanShift) / sigma : Number.MAX_VALUE,
          threshold,
          peakIndex: i,
          expected: b,
          ongoing: false,
        });
        rebaseline(start, i);
        continue;
      }
    }

    // History: anomalous points enter as their baseline, normal ones as they are.
    pushHistory(i, anomalous ? b : y);
    if (!anomalous) {
      for (const p of predictors) {
        if (Number.isNaN(p.base)) continue;
        const e = y - p.base;
        p.res.push(e);
        p.err = Number.isNaN(p.err) ? Math.abs(e) : p.err + alpha * (Math.abs(e) - p.err);
      }
    }
  }
  if (exc) closeExcursion(exc, true);

  const ranked = rankCandidates(raws, zs, inflAt, baseAt, thresholdAt, { deseason, modelAt }, o, Math.max(o.warmupPoints, firstJudged(zs)), day);
  return absorbRecoveries(mergeAnomalies(ranked, o.mergeGap), { deseason, modelAt }, o.levelWindow, o.recoveryWindow).map((a) => {
    const actual = values[a.peakIndex] ?? Number.NaN;
    return {
      start: times[a.startIndex]!,
      end: times[a.endIndex]!,
      startIndex: a.startIndex,
      endIndex: a.endIndex,
      kind: a.kind,
      direction: a.sign > 0 ? 'up' : 'down',
      score: a.score === Number.MAX_VALUE ? Number.MAX_VALUE : round3(a.score),
      severity: severityOf(a.score, a.threshold, a.kind),
      peakAt: times[a.peakIndex]!,
      actual,
      expected: a.expected,
      ongoing: a.ongoing,
    } satisfies Anomaly;
  });
}

/**
 * √((1+ρ)/(1−ρ)), ρ = lag-1 autocorrelation of the ring's values (clipped to
 * [0, 0.95]): how much wider sums of these residuals spread than for white
 * noise of the same σ (AR(1) long-run variance).
 */
function varianceInflation(ring: Ring, scratch: Float64Array): number {
  const n = ring.copyTo(scratch);
  if (n < 10) return 1;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scratch[i]!;
  mean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = scratch[i]! - mean;
    den += d * d;
    if (i > 0) num += d * (scratch[i - 1]! - mean);
  }
  const rho = den > 0 ? Math.min(0.95, Math.max(0, num / den)) : 0;
  return Math.sqrt((1 + rho) / (1 - rho));
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Where, in [from, to], a deviation in direction `sign` most likely began: the
 * point after the CUSUM of sign·z (drift k) last stood at zero, so a window that caught a sharp change late does not
 * report the noise before it.
 */
function changePoint(zs: Float64Array, from: number, to: number, sign: 1 | -1, drift: number, clip: number): number {
  let c = 0;
  let at = from;
  for (let j = from; j <= to; j++) {
    const z = zs[j]!;
    if (Number.isNaN(z)) continue;
    c = Math.max(0, c + sign * Math.max(-clip, Math.min(clip, z)) - drift);
    if (c === 0) at = j + 1;
  }
  return Math.min(at, to);
}

function firstJudged(zs: Float64Array): number {
  for (let i = 0; i < zs.length; i++) if (!Number.isNaN(zs[i]!)) return i;
  return zs.length;
}

/**
 * For every index i, the largest of `s[j]` over j ∈ [i − span, i − lag]
 * (−∞ when that range holds no value): the record a statistic at i must beat.
 * Monotonic deque, O(n).
 */
function maxBefore(s: Float64Array, lag: number, span: number): Float64Array {
  const n = s.length;
  const out = new Float64Array(n).fill(-Infinity);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    const add = i - lag;
    if (add >= 0 && !Number.isNaN(s[add]!)) {
      while (tail > head && s[dq[tail - 1]!]! <= s[add]!) tail--;
      dq[tail++] = add;
    }
    while (tail > head && dq[head]! < i - span) head++;
    if (tail > head) out[i] = s[dq[head]!]!;
  }
  return out;
}

/**
 * Step 7, the rank gate and the sustained-deviation detector.
 *
 * Per scale w a signed statistic S_w(i), each about N(0, 1) on this series'
 * own noise:
 * - w = 1: z itself;
 * - each of `sustainedScales`: Σ clip(z)/inflation over the last w points ÷
 *   √(w × mean square of clipped z before the window): large for a deviation
 *   small per point but long (a slow leak, a traffic drop of 2σ for hours);
 * - the same w against a frozen reference (`shiftStatistic`): the window's
 *   median against the day before it, for shifts the adaptive baseline of
 *   the sums has already followed.
 *
 * Each statistic is put in units of its own bar — the excursion threshold of
 * step 3 for z; `max(sustainedThreshold, tailFactor × its own tailQuantile of
 * |S_w| over the tail window)` for the others — and the per-point score in a
 * direction is the largest of these (C_up(i), C_down(i)). One calibrated
 * currency, so "the most unusual thing in a week" is one test, not one test
 * per scale (with 5 scales, 5 chances to set some record).
 *
 * - A candidate from steps 4–5 is reported only when, at some point of it, C
 *   in its direction beats every C of that direction over the previous
 *   `rankWindow` points (the last hours excluded: its own windows). "Extreme
 *   for a Gaussian" is not enough on ops series; the question an operator
 *   asks is "is this the most unusual thing this series has done in a
 *   week?". A recurring excursion of the same size answers no.
 * - Where C reaches 1 through a sustained scale (over that scale's own bar)
 *   *and* sets its record, that is a level-shift candidate of its own, once
 *   per crossing, even when no single point was over the threshold.
 *
 * Causal: every statistic, bar and record at i uses points up to i only.
 */
function rankCandidates(raws: Raw[], zs: Float64Array, inflAt: Float64Array, baseAt: Float64Array, thresholdAt: Float64Array, levels: Levels, o: Required<DetectAnomaliesOptions>, from: number, dayPoints: number): Raw[] {
  const n = zs.length;
  if (o.rankWindow <= 0 && o.sustainedScales.length === 0) return raws;
  interface Scale {
    readonly w: number;
    readonly s: Float64Array;
    readonly shift: ShiftStatistic | undefined;
  }
  const scales: Scale[] = [];
  // Clipped z has a variance of its own (below 1 for a Gaussian, above for
  // heavy tails): its mean square over the scaleWindow points before each
  // window normalizes the sums, so S_w is about N(0, 1) on this series' noise.
  const clipped = (j: number): number => Math.max(-o.cusumClip, Math.min(o.cusumClip, zs[j]!));
  for (const w of o.sustainedScales) {
    const s = new Float64Array(n).fill(Number.NaN);
    let sum = 0;
    let count = 0;
    let sq = 0;
    let sqCount = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isNaN(zs[i]!)) {
        sum += clipped(i) / inflAt[i]!;
        count++;
      }
      const out = i - w;
      if (out >= 0 && !Number.isNaN(zs[out]!)) {
        sum -= clipped(out) / inflAt[out]!;
        count--;
        // The point leaving the window joins the variance window.
        sq += clipped(out) ** 2;
        sqCount++;
      }
      const old = i - w - o.scaleWindow;
      if (old >= 0 && !Number.isNaN(zs[old]!)) {
        sq -= clipped(old) ** 2;
        sqCount--;
      }
      // At least half the window observed, and the variance from at least two
      // windows' worth of points before it (fewer say little about sums of w).
      if (count >= Math.ceil(w / 2) && sqCount >= Math.max(30, 2 * w) && !Number.isNaN(zs[i]!)) {
        const m2 = Math.max(sq / sqCount, 1e-6);
        s[i] = sum / Math.sqrt(count * m2);
      }
    }
    scales.push({ w, s, shift: undefined });
    if (o.shiftReference > 0) {
      const shift = shiftStatistic(levels, zs, w, o.shiftReference);
      scales.push({ w, s: shift.s, shift });
    }
  }

  // The calibrated score per point and direction, and which scale gave it.
  const cUp = new Float64Array(n).fill(Number.NaN);
  const cDown = new Float64Array(n).fill(Number.NaN);
  const byUp = new Int16Array(n).fill(-1);
  const byDown = new Int16Array(n).fill(-1);
  const offer = (i: number, u: number, k: number): void => {
    if (Number.isNaN(u)) return;
    if (Number.isNaN(cUp[i]!) || u > cUp[i]!) {
      cUp[i] = u;
      byUp[i] = k;
    }
    if (Number.isNaN(cDown[i]!) || -u > cDown[i]!) {
      cDown[i] = -u;
      byDown[i] = k;
    }
  };
  for (let i = 0; i < n; i++) if (!Number.isNaN(zs[i]!) && thresholdAt[i]! > 0) offer(i, zs[i]! / thresholdAt[i]!, -1);
  const tailEvery = Math.max(1, Math.floor(o.tailWindow / 100));
  const buf = new Float64Array(o.tailWindow);
  scales.forEach((sc, k) => {
    // Unusual needs a history to be unusual against: a day of this
    // statistic (at least 2 windows) before it counts.
    let first = 0;
    while (first < n && Number.isNaN(sc.s[first]!)) first++;
    const judgedFrom = Math.max(from, first + Math.max(dayPoints, 2 * sc.w));
    // As for single points (step 3): the bar is at least tailFactor × this
    // statistic's own tailQuantile over the tail window before it, so a
    // series whose hours wander (autocorrelation beyond lag 1, regimes) needs
    // a larger sustained deviation than white noise would.
    let bar = o.sustainedThreshold;
    for (let i = judgedFrom; i < n; i++) {
      if ((i - judgedFrom) % tailEvery === 0) {
        let m = 0;
        for (let j = Math.max(0, i - sc.w - o.tailWindow + 1); j <= i - sc.w; j++) {
          const u = sc.s[j]!;
          if (!Number.isNaN(u)) buf[m++] = Math.abs(u);
        }
        bar = Math.max(o.sustainedThreshold, m >= 100 ? o.tailFactor * quantileInPlace(buf, m, o.tailQuantile) : 0);
      }
      offer(i, sc.s[i]! / bar, k);
    }
  });

  // The record excludes the last hours (the longest window): a point's own
  // incident must not be the record it has to beat.
  const lag = Math.max(1, ...o.sustainedScales);
  const span = o.rankWindow;
  const recUp = span > 0 ? maxBefore(cUp, lag, span) : new Float64Array(n).fill(-Infinity);
  const recDown = span > 0 ? maxBefore(cDown, lag, span) : new Float64Array(n).fill(-Infinity);
  const top = Math.max(1, Math.round(o.rankTop));
  /**
   * Whether C(i), in direction `sign`, went this far fewer than `rankTop`
   * separate times (upcrossings) over the rank window before i. With
   * rankTop = 1 this is "a new record".
   */
  const potUp = incidentLevels(cUp, from, lag, o.mergeGap, dayPoints, o.returnPeriodDays);
  const potDown = incidentLevels(cDown, from, lag, o.mergeGap, dayPoints, o.returnPeriodDays);
  const beats = (i: number, sign: 1 | -1): boolean => {
    const c = sign > 0 ? cUp : cDown;
    const v = c[i]!;
    if (Number.isNaN(v)) return false;
    const pot = (sign > 0 ? potUp : potDown)[i]!;
    if (!Number.isNaN(pot)) return v > pot;
    if (v > (sign > 0 ? recUp[i]! : recDown[i]!)) return true;
    if (top === 1) return false;
    let crossings = 0;
    let above = false;
    for (let j = Math.max(0, i - span); j <= i - lag; j++) {
      const u = c[j]!;
      if (Number.isNaN(u)) continue;
      const now = u >= v;
      if (now && !above && ++crossings >= top) return false;
      above = now;
    }
    return true;
  };

  const out: Raw[] = [];
  // A candidate within the merge gap of one already kept is the same
  // incident flapping: it extends that one whatever its rank.
  let keptEnd = -Infinity;
  for (const r of [...raws].sort((a, b) => a.startIndex - b.startIndex)) {
    let unusual = o.rankWindow <= 0 || r.startIndex - keptEnd <= o.mergeGap;
    for (let i = r.startIndex; i <= r.endIndex && !unusual; i++) if (beats(i, r.sign)) unusual = true;
    if (!unusual) continue;
    out.push(r);
    keptEnd = Math.max(keptEnd, r.endIndex);
  }
  // Sustained candidates: one per crossing (while the statistic stays
  // unusual its window still covers the same event — an excursion's points
  // stay in a 6-hour window for 6 hours), so only the point where it became
  // unusual starts one.
  let was = 0;
  for (let i = from; i < n; i++) {
    const up = cUp[i]!;
    const down = cDown[i]!;
    if (Number.isNaN(up)) continue;
    const sign: 1 | -1 = up >= down ? 1 : -1;
    const k = sign > 0 ? byUp[i]! : byDown[i]!;
    const now = k >= 0 && Math.max(up, down) >= 1 && beats(i, sign) ? sign : 0;
    const rising = now !== 0 && now !== was;
    was = now;
    if (!rising) continue;
    const sc = scales[k]!;
    const lo = Math.max(from, i - sc.w + 1);
    out.push({
      startIndex: sc.shift ? sc.shift.start(lo, i, sign, o.cusumDrift, o.cusumClip) : changePoint(zs, lo, i, sign, o.cusumDrift, o.cusumClip),
      endIndex: i,
      kind: 'level_shift',
      sign,
      score: Math.abs(sc.s[i]!),
      threshold: o.sustainedThreshold,
      peakIndex: i,
      expected: baseAt[i]!,
      ongoing: i === n - 1,
    });
  }
  return out;
}

/** Fewest past episodes before their tail is fitted (below: the record rule). */
const MIN_EPISODES = 6;
/** Fewest excesses the GPD's shape is estimated from; below, the tail is taken as exponential (ξ = 0). */
const MIN_EXCESSES = 10;

/**
 * Per point, the level the calibrated score must exceed to be reported — the
 * `returnPeriodDays` return level of this series' past *incidents* (NaN where
 * the history is too short to tell; the caller then uses the record rule).
 *
 * An episode is a run of C ≥ EPISODE_FLOOR (half of every bar: the hysteresis
 * of step 4) in one direction, declustered like incidents (it ends after
 * `gap` points below the floor); its peak is one draw of "how unusual this
 * series' incidents get". The peaks above the 80th percentile (at least
 * MIN_EXCESSES of them, or the top half of a short history) are fitted with
 * a GPD (`fitGpdPwm`); from fewer than MIN_EXCESSES excesses a shape cannot
 * be told, and the tail is taken as exponential (ξ = 0, σ = the mean excess:
 * the GPD's neutral case). With λ episodes per day the return level solves
 * P(peak > z) = 1/(λ·days), and is never below the fitting threshold. This is
 * SPOT (Siffer et al. 2017) on incident peaks rather than on points: an
 * excursion is reported when it is rarer than anything this series does
 * about once in `days` days, extrapolated from the whole of its history
 * (tail shape included), instead of merely the largest of one past week.
 *
 * Causal: the level at i uses episodes that were closed `lag` points before i.
 */
function incidentLevels(c: Float64Array, from: number, lag: number, gap: number, dayPoints: number, days: number): Float64Array {
  const n = c.length;
  const out = new Float64Array(n).fill(Number.NaN);
  if (!(days > 0) || dayPoints < 1) return out;
  // Closed episodes: peak and the index at which the episode was known to be over.
  const peaks: number[] = [];
  const closedAt: number[] = [];
  let peak = Number.NaN;
  let lastAbove = -1;
  let first = -1;
  for (let i = from; i < n; i++) {
    const v = c[i]!;
    if (Number.isNaN(v)) continue;
    if (first < 0) first = i;
    if (v >= EPISODE_FLOOR) {
      peak = Number.isNaN(peak) ? v : Math.max(peak, v);
      lastAbove = i;
    } else if (!Number.isNaN(peak) && i - lastAbove >= gap) {
      peaks.push(peak);
      closedAt.push(i);
      peak = Number.NaN;
    }
  }
  if (first < 0) return out;
  const buf = new Float64Array(peaks.length);
  let used = 0;
  let level = Number.NaN;
  let fitAt = -1;
  const refitEvery = Math.max(1, Math.floor(dayPoints / 24));
  for (let i = first; i < n; i++) {
    let added = false;
    while (used < peaks.length && closedAt[used]! <= i - lag) {
      used++;
      added = true;
    }
    if (used < MIN_EPISODES) continue;
    if (added || i - fitAt >= refitEvery) {
      fitAt = i;
      for (let k = 0; k < used; k++) buf[k] = peaks[k]!;
      const sorted = buf.subarray(0, used).sort();
      const over = Math.max(Math.min(MIN_EXCESSES, Math.floor(used / 2)), Math.round(0.2 * used));
      const t = sorted[used - over - 1] ?? sorted[0]!;
      const ex = new Float64Array(over);
      let m = 0;
      for (let k = used - over; k < used; k++) if (sorted[k]! > t) ex[m++] = sorted[k]! - t;
      let fit = m >= MIN_EXCESSES ? fitGpdPwm(ex, m) : undefined;
      if (!fit && m >= 3) {
        let mean = 0;
        for (let k = 0; k < m; k++) mean += ex[k]!;
        fit = { shape: 0, scale: mean / m };
      }
      const observedDays = Math.max(1 / 24, (i - first + 1) / dayPoints);
      // One exceedance per `days` days: p = 1/(λ·days), λ = used/observedDays.
      const p = observedDays / (used * days);
      level = fit ? Math.max(t, gpdQuantile(fit, t, m, used, p)) : Number.NaN;
    }
    out[i] = level;
  }
  return out;
}

/** The deseasonalized values the two-sample shift test compares (see `shiftStatistic`). */
interface Levels {
  readonly deseason: Float64Array;
  readonly modelAt: Int8Array;
}

interface ShiftStatistic {
  /** The standardized shift at each point (NaN where not computed). */
  readonly s: Float64Array;
  /** Where, in [from, to], the shift in direction `sign` most likely began (CUSUM against the reference at `to`). */
  start(from: number, to: number, sign: 1 | -1, drift: number, clip: number): number;
}

/**
 * Prefix sums per model (count, Σx, Σx², Σ x_j·x_{j−1} over adjacent pairs of
 * the same model), so the lag-1 autocorrelation of any range is O(1).
 */
function lagPrefix(d: Float64Array, modelAt: Int8Array): { rho(model: number, from: number, to: number): number } {
  const n = d.length;
  let models = 0;
  for (let i = 0; i < n; i++) models = Math.max(models, modelAt[i]! + 1);
  const make = (): Float64Array[] => Array.from({ length: models }, () => new Float64Array(n + 1));
  const cnt = make();
  const sum = make();
  const sq = make();
  const lag = make();
  const lagCnt = make();
  for (let m = 0; m < models; m++) {
    const c = cnt[m]!;
    const s1 = sum[m]!;
    const s2 = sq[m]!;
    const l = lag[m]!;
    const lc = lagCnt[m]!;
    for (let i = 0; i < n; i++) {
      const here = modelAt[i] === m;
      const v = d[i]!;
      c[i + 1] = c[i]! + (here ? 1 : 0);
      s1[i + 1] = s1[i]! + (here ? v : 0);
      s2[i + 1] = s2[i]! + (here ? v * v : 0);
      const pair = here && i > 0 && modelAt[i - 1] === m;
      l[i + 1] = l[i]! + (pair ? v * d[i - 1]! : 0);
      lc[i + 1] = lc[i]! + (pair ? 1 : 0);
    }
  }
  return {
    rho(model: number, from: number, to: number): number {
      if (model < 0 || model >= models || to < from) return 0;
      const k = cnt[model]![to + 1]! - cnt[model]![from]!;
      // The first pair of the range would reach outside it.
      const pairs = lagCnt[model]![to + 1]! - lagCnt[model]![from + 1]!;
      if (k < 10 || pairs < 1) return 0;
      const mean = (sum[model]![to + 1]! - sum[model]![from]!) / k;
      const variance = (sq[model]![to + 1]! - sq[model]![from]!) / k - mean * mean;
      const cross = (lag[model]![to + 1]! - lag[model]![from + 1]!) / pairs;
      return variance > 0 ? Math.min(0.95, Math.max(0, (cross - mean * mean) / variance)) : 0;
    },
  };
}

/** Effective samples the shift test's reference must hold (a σ known within about ±13%). */
const MIN_EFFECTIVE = 30;

/**
 * Two-sample test for a level change at a fixed lag: the median of the last
 * `w` deseasonalized values against the median of the `ref` values before
 * them, in standard errors:
 *
 *   T = (med(window) − med(ref)) / (σ_ref · √(π/2) · √((1+ρ)/(1−ρ)) · √(1/n_w + 1/n_ref))
 *
 * σ_ref = 1.4826·MAD of the reference (its spread over a day, wander
 * included); √(π/2) the variance of a median relative to a mean for Gaussian
 * data; the AR(1) factor for the lag-1 autocorrelation ρ of the reference.
 * Both medians' errors are in the denominator, so T is about N(0, 1) on
 * stationary noise whatever w and ref (a reference with only the window's
 * error would fire on noise: its own error is not small at ref = a day).
 *
 * Unlike the sums of z (against a baseline that follows a new level within
 * about an hour), this keeps seeing a shift of a fraction of σ for as long as
 * the reference predates it: a CPU that settles 2σ lower for good, a request
 * rate that halves gradually. Causal: T(i) uses points ≤ i. Computed every
 * few points (cost): a shift lasting w points is seen many times over.
 */
function shiftStatistic(lv: Levels, zs: Float64Array, w: number, ref: number): ShiftStatistic {
  const n = zs.length;
  const { deseason: d, modelAt } = lv;
  const s = new Float64Array(n).fill(Number.NaN);
  const refMed = new Float64Array(n).fill(Number.NaN);
  const refSigma = new Float64Array(n).fill(Number.NaN);
  const win = new Float64Array(w);
  const maxRef = 3 * ref;
  const base = new Float64Array(maxRef);
  const every = Math.max(1, Math.floor(w / 12));
  let nr = 0;
  let variance = 0;
  /** Fills `base` with the `len` deseasonalized values before the window at i (same model only), and their variance. */
  const collect = (i: number, len: number, model: number): void => {
    nr = 0;
    let sum = 0;
    let sq = 0;
    for (let j = Math.max(0, i - w - len + 1); j <= i - w; j++) {
      if (modelAt[j] !== model) continue;
      const v = d[j]!;
      base[nr++] = v;
      sum += v;
      sq += v * v;
    }
    const mean = nr > 0 ? sum / nr : 0;
    variance = nr > 0 ? sq / nr - mean * mean : 0;
  };
  const prefix = lagPrefix(d, modelAt);
  // The reference moves slowly: its level, spread and ρ are re-taken every
  // `refEvery` points (half an hour at most; cost), the window's at every
  // evaluation. A reference a few points older than the window is still
  // entirely before it.
  const refEvery = Math.max(1, Math.floor(ref / 48));
  let refAt = -Infinity;
  let refModel = -1;
  let refOk = false;
  let mr = 0;
  let sigma = 0;
  let rho = 0;
  for (let i = w + ref; i < n; i += 1) {
    if (i % every !== 0 || Number.isNaN(zs[i]!)) continue;
    const model = modelAt[i]!;
    let nw = 0;
    for (let j = i - w + 1; j <= i; j++) if (modelAt[j] === model) win[nw++] = d[j]!;
    if (i - refAt >= refEvery || model !== refModel) {
      refAt = i;
      refModel = model;
      // ρ from the longest reference there is (a day's estimate of a strongly
      // autocorrelated series is itself too noisy to size anything with).
      rho = prefix.rho(model, Math.max(0, i - w - maxRef + 1), i - w);
      // The reference must hold enough *effective* samples, n(1−ρ)/(1+ρ) ≥
      // 30, for its level and spread to be known (a day of a series that
      // wanders like AR(1) with ρ = 0.95 holds 7): a day, lengthened up to 3
      // days for autocorrelated series.
      collect(i, Math.max(ref, Math.min(maxRef, Math.ceil((MIN_EFFECTIVE * (1 + rho)) / (1 - rho)))), model);
      // Most of the reference observed under the same model.
      refOk = nr >= Math.ceil((3 * ref) / 4);
      if (refOk) {
        mr = medianInPlace(base, nr);
        for (let k = 0; k < nr; k++) base[k] = Math.abs(base[k]! - mr);
        sigma = MAD_TO_SIGMA * medianInPlace(base, nr);
        if (!(sigma > 0)) sigma = Math.sqrt(Math.max(variance, 0));
      }
    }
    if (!refOk || nw < Math.ceil((3 * w) / 4)) continue;
    const mw = medianInPlace(win, nw);
    const se = sigma * Math.sqrt(Math.PI / 2) * Math.sqrt((1 + rho) / (1 - rho)) * Math.sqrt(1 / nw + 1 / nr);
    s[i] = se > 0 ? (mw - mr) / se : mw === mr ? 0 : Math.sign(mw - mr) * 1e12;
    refMed[i] = mr;
    refSigma[i] = sigma;
  }
  // Between evaluations the last value holds (causal), so the statistic does
  // not blink off and on and start a new crossing at every evaluation.
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(s[i]!)) last = i;
    else if (last >= 0 && i - last < every && !Number.isNaN(zs[i]!)) {
      s[i] = s[last]!;
      refMed[i] = refMed[last]!;
      refSigma[i] = refSigma[last]!;
    }
  }
  return {
    s,
    start(from: number, to: number, sign: 1 | -1, drift: number, clip: number): number {
      const mr = refMed[to]!;
      const sigma = refSigma[to]!;
      if (!(sigma > 0)) return to;
      let c = 0;
      let at = from;
      for (let j = from; j <= to; j++) {
        const v = d[j]!;
        if (Number.isNaN(v) || modelAt[j] !== modelAt[to]) continue;
        c = Math.max(0, c + sign * Math.max(-clip, Math.min(clip, (v - mr) / sigma)) - drift);
        if (c === 0) at = j + 1;
      }
      return Math.min(at, to);
    },
  };
}

/**
 * A return to the level from before an anomaly is the end of that incident,
 * not a new one: a CPU that dropped for an hour and came back, a temperature
 * that recovered after a failure. An anomaly in the opposite direction,
 * starting within `window` points of the end of the previous one, whose level
 * (median deseasonalized value) is back within half the previous anomaly's
 * departure of the level before it began, extends that anomaly instead of
 * being reported — provided the level stayed away in between (a spike that
 * ended by itself has no recovery to come). Decided when the later anomaly
 * is found (causal).
 */
function absorbRecoveries(raws: Raw[], lv: Levels, before: number, window: number): Raw[] {
  if (window <= 0) return raws;
  // An absorbed anomaly grows: size for the whole series rather than for one anomaly.
  const scratch = new Float64Array(Math.max(1, lv.deseason.length));
  const levelOf = (from: number, to: number, model: number): number => {
    let m = 0;
    for (let j = Math.max(0, from); j <= to; j++) if (lv.modelAt[j] === model) scratch[m++] = lv.deseason[j]!;
    return m >= 1 ? medianInPlace(scratch, m) : Number.NaN;
  };
  const out: Raw[] = [];
  for (const r of raws) {
    const a = out[out.length - 1];
    if (a && r.sign !== a.sign && r.startIndex - a.endIndex <= window) {
      const model = lv.modelAt[a.startIndex]!;
      const pre = levelOf(a.startIndex - before, a.startIndex - 1, model);
      const during = levelOf(a.startIndex, a.endIndex, model);
      const after = levelOf(r.startIndex, r.endIndex, model);
      // Still departed between the two (a spike that ended by itself has no recovery to come).
      const between = r.startIndex - a.endIndex > 1 ? levelOf(a.endIndex + 1, r.startIndex - 1, model) : during;
      const departure = during - pre;
      const away = (v: number): boolean => Math.sign(v - pre) === a.sign && Math.abs(v - pre) > 0.5 * Math.abs(departure);
      if (model >= 0 && Math.sign(departure) === a.sign && away(between) && Math.abs(after - pre) <= 0.5 * Math.abs(departure)) {
        out[out.length - 1] = { ...a, endIndex: Math.max(a.endIndex, r.endIndex), ongoing: r.ongoing };
        continue;
      }
    }
    out.push(r);
  }
  return out;
}

/** Merges anomalies no more than `gap` points apart (flapping suppression). */
function mergeAnomalies(raws: Raw[], gap: number): Raw[] {
  const sorted = [...raws].sort((a, b) => a.startIndex - b.startIndex);
  const out: Raw[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.startIndex - last.endIndex <= gap) {
      // The incident keeps its onset's direction (live, it was reported as
      // that): a swing the other way inside it (an overshoot, the recovery)
      // extends it but does not turn a drop into a spike.
      const stronger = r.sign === last.sign && r.score / r.threshold > last.score / last.threshold ? r : last;
      out[out.length - 1] = {
        startIndex: last.startIndex,
        endIndex: Math.max(last.endIndex, r.endIndex),
        kind: last.kind === 'level_shift' || r.kind === 'level_shift' ? 'level_shift' : stronger.kind,
        sign: stronger.sign,
        score: stronger.score,
        threshold: stronger.threshold,
        peakIndex: stronger.peakIndex,
        expected: stronger.expected,
        ongoing: r.ongoing || last.ongoing,
      };
    } else {
      out.push(r);
    }
  }
  return out;
}
