/**
 * Turns a before and an after window into a verdict. Pure.
 *
 * The primary metric is the one the recommendation promised to move (span
 * latency of the operation, or its error rate); the other one is a guard: a
 * latency fix that starts failing requests has made things worse, whatever
 * its latency says.
 *
 * - `regressed`: the primary metric got significantly worse, or the error
 *   rate rose significantly (by at least `minErrorRiseAbs`).
 * - `verified`: significantly better by at least `verifiedShare` of the
 *   expected change (or any significant improvement when none was expected).
 * - `partial`: significantly better, but by less than that.
 * - `no-effect`: no significant change of at least `minEffectPct` either way.
 * Significance is p < alpha AND |change| ≥ minEffectPct: with thousands of
 * spans a 1 % shift is "significant" yet nothing an operator would act on.
 */
import { mannWhitneyU, median, twoProportionZTest } from './significance.ts';

export type Verdict = 'verified' | 'partial' | 'no-effect' | 'regressed';
export type OutcomeMetric = 'latency_p50_ms' | 'error_rate';

export interface ErrorCounts {
  readonly errors: number;
  readonly calls: number;
}

export interface OutcomeWindows {
  /** Sampled span durations of the operation, ms. */
  readonly latency: { readonly before: readonly number[]; readonly after: readonly number[] };
  /** Full counts of the operation's spans (not sampled). */
  readonly errors: { readonly before: ErrorCounts; readonly after: ErrorCounts };
}

export interface JudgeOptions {
  readonly primary: OutcomeMetric;
  /** The change the recommendation promised, % (negative = lower is expected). */
  readonly expectedChangePct?: number | undefined;
  readonly alpha?: number;
  readonly minEffectPct?: number;
  readonly verifiedShare?: number;
  /** Smallest rise of the error rate (absolute, 0..1) that counts as a regression of a latency fix. */
  readonly minErrorRiseAbs?: number;
}

export interface MetricChange {
  readonly metric: OutcomeMetric;
  readonly before: number;
  readonly after: number;
  /** (after − before) / before × 100; 0 when both are 0, ±100 from a zero baseline. */
  readonly changePct: number;
  readonly pValue: number;
  readonly samplesBefore: number;
  readonly samplesAfter: number;
}

export interface Judgement extends MetricChange {
  readonly verdict: Verdict;
  /** The guard metric, so an operator sees both. */
  readonly secondary: MetricChange;
  /** Why, in one sentence. */
  readonly reason: string;
}

export const DEFAULT_JUDGE = { alpha: 0.05, minEffectPct: 5, verifiedShare: 0.5, minErrorRiseAbs: 0.005 } as const;

function pct(before: number, after: number): number {
  if (before === 0) return after === 0 ? 0 : 100;
  return ((after - before) / before) * 100;
}

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export function latencyChange(before: readonly number[], after: readonly number[]): MetricChange {
  const b = median(before);
  const a = median(after);
  return {
    metric: 'latency_p50_ms',
    before: round(b, 3),
    after: round(a, 3),
    changePct: round(pct(b, a), 2),
    pValue: mannWhitneyU(before, after).pValue,
    samplesBefore: before.length,
    samplesAfter: after.length,
  };
}

export function errorRateChange(before: ErrorCounts, after: ErrorCounts): MetricChange {
  const b = before.calls > 0 ? before.errors / before.calls : 0;
  const a = after.calls > 0 ? after.errors / after.calls : 0;
  return {
    metric: 'error_rate',
    before: round(b, 6),
    after: round(a, 6),
    changePct: round(pct(b, a), 2),
    pValue: twoProportionZTest(before.errors, before.calls, after.errors, after.calls).pValue,
    samplesBefore: before.calls,
    samplesAfter: after.calls,
  };
}

export function judgeOutcome(windows: OutcomeWindows, opts: JudgeOptions): Judgement {
  const alpha = opts.alpha ?? DEFAULT_JUDGE.alpha;
  const minEffect = opts.minEffectPct ?? DEFAULT_JUDGE.minEffectPct;
  const share = opts.verifiedShare ?? DEFAULT_JUDGE.verifiedShare;
  const minRise = opts.minErrorRiseAbs ?? DEFAULT_JUDGE.minErrorRiseAbs;
  const lat = latencyChange(windows.latency.before, windows.latency.after);
  const err = errorRateChange(windows.errors.before, windows.errors.after);
  const [main, secondary] = opts.primary === 'latency_p50_ms' ? [lat, err] : [err, lat];
  const significant = main.pValue < alpha && Math.abs(main.changePct) >= minEffect;
  const errorsRose = err.pValue < alpha && err.after - err.before >= minRise;

  const judged = (verdict: Verdict, reason: string): Judgement => ({ ...main, verdict, secondary, reason });
  const fmt = (m: MetricChange): string => `${m.metric} ${m.before} → ${m.after} (${m.changePct > 0 ? '+' : ''}${m.changePct}%, p=${m.pValue.toPrecision(2)})`;

  if (significant && main.changePct > 0) return judged('regressed', `${fmt(main)}: significantly worse`);
  if (opts.primary === 'latency_p50_ms' && errorsRose) return judged('regressed', `${fmt(err)}: the error rate rose significantly`);
  if (!significant) return judged('no-effect', `${fmt(main)}: no significant change of ${minEffect}% or more`);
  const expected = opts.expectedChangePct;
  if (expected === undefined || expected >= 0 || main.changePct <= share * expected) {
    return judged('verified', `${fmt(main)}: improved${expected !== undefined && expected < 0 ? ` (expected ${round(expected, 1)}%)` : ''}`);
  }
  return judged('partial', `${fmt(main)}: improved, but less than ${Math.round(share * 100)}% of the expected ${round(expected, 1)}%`);
}
