import { describe, expect, it } from 'vitest';
import { calibrateConfidence, trackRecords, type MeasuredOutcome } from './track-record.ts';

const o = (kind: string, verdict: MeasuredOutcome['verdict'], changePct: number): MeasuredOutcome => ({ kind, verdict, changePct });

describe('trackRecords', () => {
  it('counts verdicts and the median improvement per kind', () => {
    const r = trackRecords([o('a', 'verified', -40), o('a', 'verified', -20), o('a', 'no-effect', 1), o('b', 'regressed', 30)]);
    expect(r.get('a')).toMatchObject({ measured: 3, verified: 2, noEffect: 1, successRate: 2 / 3, medianImprovementPct: 20 });
    expect(r.get('b')).toMatchObject({ measured: 1, regressed: 1, successRate: 0, medianImprovementPct: -30 });
  });
});

describe('calibrateConfidence', () => {
  it('keeps the prior when nothing was measured', () => {
    expect(calibrateConfidence(0.7, undefined)).toBe(0.7);
  });

  it('moves towards the observed success rate as outcomes accumulate', () => {
    const good = trackRecords(Array.from({ length: 20 }, () => o('k', 'verified', -30))).get('k');
    const bad = trackRecords(Array.from({ length: 20 }, () => o('k', 'no-effect', 0))).get('k');
    expect(calibrateConfidence(0.6, good)).toBeGreaterThan(0.9);
    expect(calibrateConfidence(0.6, bad)).toBeLessThan(0.15);
    // one outcome moves it a little, not all the way
    const one = trackRecords([o('k', 'no-effect', 0)]).get('k');
    expect(calibrateConfidence(0.6, one)).toBeCloseTo((0.6 * 4) / 5, 3);
  });

  it('counts a partial as half a success', () => {
    const r = trackRecords([o('k', 'partial', -5), o('k', 'partial', -5)]).get('k');
    expect(calibrateConfidence(0.5, r)).toBeCloseTo((2 + 1) / 6, 3);
  });
});
