/**
 * Error-budget and burn-rate arithmetic of the SRE workbook, chapter 5
 * ("Alerting on SLOs"), as pure functions.
 *
 * error budget      = 1 - target                      (a 99.9 % SLO may fail 0.1 % of events)
 * burn rate         = observed error ratio / budget   (1 = the budget lasts exactly the SLO period)
 * budget consumed   = burn rate * window / period     (14.4 for 1 h of a 30 d period = 2 %)
 * detection time    = budget / error ratio * window * factor
 */

export const HOUR_S = 3_600;
export const DAY_S = 86_400;

export function errorBudget(target: number): number {
  return 1 - target;
}

/** Observed error ratio over the budget; 0 without events (no traffic burns no budget). */
export function burnRate(bad: number, total: number, target: number): number {
  if (total <= 0) return 0;
  const budget = errorBudget(target);
  return budget <= 0 ? (bad > 0 ? Infinity : 0) : bad / total / budget;
}

/** Share of the period's budget a burn rate spends over `windowS`. */
export function budgetConsumed(rate: number, windowS: number, periodS: number): number {
  return (rate * windowS) / periodS;
}

/** Seconds until the remaining share of the budget (1 = all of it) is spent at this burn rate. */
export function timeToExhaustionS(rate: number, periodS: number, remaining = 1): number {
  if (rate <= 0) return Infinity;
  return (Math.max(0, remaining) * periodS) / rate;
}

/**
 * Seconds from the start of an outage of `errorRatio` until a window of
 * `windowS` averaging it crosses the alert threshold `factor` (workbook:
 * ((1 - SLO) / error ratio) * alerting window * burn rate).
 */
export function detectionTimeS(errorRatio: number, target: number, windowS: number, factor: number): number {
  if (errorRatio <= 0) return Infinity;
  return (errorBudget(target) / errorRatio) * windowS * factor;
}

export type BurnSeverity = 'fast' | 'slow';

/** One multi-window alert: fires when both windows burn faster than `factor`. */
export interface WindowPair {
  /** e.g. "1h/5m". */
  readonly name: string;
  readonly severity: BurnSeverity;
  readonly longS: number;
  readonly shortS: number;
  /** Share of the period's budget the long window spends at `factor`. */
  readonly budgetShare: number;
  readonly factor: number;
}

/** The workbook's recommended pairs for a 30 d SLO: page on 2 % in 1 h or 5 % in 6 h, ticket on 10 % in 3 d. */
const WORKBOOK_PAIRS = [
  { severity: 'fast', longS: HOUR_S, budgetShare: 0.02 },
  { severity: 'fast', longS: 6 * HOUR_S, budgetShare: 0.05 },
  { severity: 'slow', longS: 3 * DAY_S, budgetShare: 0.1 },
] as const;

const label = (s: number): string => (s % DAY_S === 0 ? `${s / DAY_S}d` : s % HOUR_S === 0 ? `${s / HOUR_S}h` : `${Math.round(s / 60)}m`);

/**
 * The pairs for an SLO period. Each keeps the workbook's budget share and
 * windows (short = long / 12), so the factor is share * period / long: 14.4,
 * 6 and 1 for 30 d. For a shorter period the same share is spent at a lower
 * burn rate; the factor is floored at 1 because a window burning slower than 1
 * is on course to meet the SLO and alerting on it is noise. A long window
 * longer than the period is cut to the period.
 */
export function windowPairs(periodS: number): WindowPair[] {
  return WORKBOOK_PAIRS.map((p) => {
    const longS = Math.min(p.longS, periodS);
    const shortS = Math.max(60, Math.round(longS / 12));
    const factor = Math.max(1, Math.round(((p.budgetShare * periodS) / longS) * 1e6) / 1e6);
    return { name: `${label(longS)}/${label(shortS)}`, severity: p.severity, longS, shortS, budgetShare: p.budgetShare, factor };
  });
}
