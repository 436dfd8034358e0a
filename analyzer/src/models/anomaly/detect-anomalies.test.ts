import { describe, expect, it } from 'vitest';
import { detectAnomalies, inferStepMs, minimumPoints, type Anomaly } from './detect-anomalies.ts';
import { gaussian, rng, series, STEP, studentT3 } from './testing/synthetic.ts';

const kinds = (as: Anomaly[]): string[] => as.map((a) => a.kind);

describe('detectAnomalies', () => {
  it('finds a planted spike and a planted dip, with the right kind and place', () => {
    const noise = gaussian(rng(1));
    const s = series(2000, (i) => 100 + 2 * noise() + (i === 800 ? 40 : 0) + (i >= 1400 && i < 1403 ? -30 : 0));
    const found = detectAnomalies(s);
    expect(kinds(found)).toEqual(['spike', 'dip']);
    expect(found[0]).toMatchObject({ startIndex: 800, endIndex: 800, direction: 'up', start: s.times[800] });
    expect(found[0]!.score).toBeGreaterThan(10);
    expect(found[0]!.expected).toBeCloseTo(100, 0);
    expect(found[1]!.startIndex).toBe(1400);
    expect(found[1]!.endIndex).toBeGreaterThanOrEqual(1402);
    expect(found[1]!.endIndex).toBeLessThanOrEqual(1404);
  });

  it('confirms a lone point 1.5× over the threshold (12σ), which the old 3× rule missed', () => {
    const noise = gaussian(rng(41));
    const s = series(2000, (i) => 100 + noise() + (i === 1500 ? 12 : 0));
    expect(detectAnomalies(s).map((a) => [a.startIndex, a.endIndex, a.kind])).toEqual([[1500, 1500, 'spike']]);
    expect(detectAnomalies(s, { spikeFactor: 3 })).toEqual([]);
  });

  it('reports a sustained jump once, as a level shift, and follows the new level', () => {
    const noise = gaussian(rng(2));
    const s = series(3000, (i) => 50 + noise() + (i >= 1500 ? 15 : 0));
    const found = detectAnomalies(s);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'level_shift', direction: 'up', startIndex: 1500 });
    expect(found[0]!.endIndex).toBeLessThan(1500 + 120);
  });

  it('finds a shift too small for any single point (+3σ) with the change-point detector', () => {
    const noise = gaussian(rng(3));
    const s = series(3000, (i) => 20 + noise() + (i >= 1800 ? 3 : 0));
    const found = detectAnomalies(s);
    expect(found).toHaveLength(1);
    expect(found[0]!.kind).toBe('level_shift');
    expect(found[0]!.direction).toBe('up');
    expect(found[0]!.startIndex).toBeGreaterThanOrEqual(1790);
    expect(found[0]!.startIndex).toBeLessThan(1830);
  });

  it('finds a shift the adaptive baseline follows (-1.5σ for good, a -2σ ramp over 6 h) with the two-sample shift test', () => {
    const step = 300_000;
    const at = 9 * 288; // day 9 of 14, at 5 minutes
    for (const seed of [31, 32]) {
      const noise = gaussian(rng(seed));
      // The level drops by 1.5σ and the noise halves (a CPU that settles lower for good).
      const drop = series(14 * 288, (i) => (i < at ? 40 + 2 * noise() : 37 + noise()), step);
      const found = detectAnomalies(drop);
      expect(found.map((a) => [a.kind, a.direction])).toEqual([['level_shift', 'down']]);
      expect(Math.abs(found[0]!.startIndex - at)).toBeLessThanOrEqual(6);
      // The sums of z against the adaptive baseline alone do not see it.
      expect(detectAnomalies(drop, { shiftReference: 0 })).toEqual([]);

      const slow = gaussian(rng(seed + 50));
      const ramp = series(14 * 288, (i) => 40 + 2 * slow() - 4 * Math.min(1, Math.max(0, (i - at) / 72)), step);
      const ramped = detectAnomalies(ramp);
      expect(ramped).toHaveLength(1);
      expect(ramped[0]!.direction).toBe('down');
      expect(ramped[0]!.startIndex).toBeGreaterThanOrEqual(at);
      expect(ramped[0]!.startIndex).toBeLessThan(at + 72);
      expect(detectAnomalies(ramp, { shiftReference: 0 })).toEqual([]);
    }
  });

  it('rarely re-reports a repeated excursion of the same size (rank gate), and always a larger one', () => {
    const noise = gaussian(rng(22));
    const every = 20 * 60; // every 20 h at 1 min: not daily, so not the nightly-job rule
    const big = 7 * every + 300;
    const s = series(8 * every, (i) => 10 + noise() + (i % every === 300 || i % every === 301 ? 15 : 0) + (i === big || i === big + 1 ? 30 : 0));
    const starts = detectAnomalies(s).map((a) => a.startIndex);
    // The first is news; a repetition is reported only when noise makes it a
    // new record (the k-th of k equal ones is, with probability 1/k: about
    // 2.6 of 7 expected), and the one twice as large always is.
    expect(starts[0]).toBe(300);
    expect(starts).toContain(big);
    expect(starts.filter((i) => i !== big).length).toBeLessThanOrEqual(3);
    // Without the gate every repetition is reported.
    expect(detectAnomalies(s, { rankWindow: 0 }).length).toBeGreaterThanOrEqual(8);
  });

  it('calibrates against the series\' own incident history: recurring incidents of random size page about monthly, a far larger one always', () => {
    const noise = gaussian(rng(31));
    const sizes = rng(131);
    const step = 300_000;
    const perDay = 288;
    // Every 19 h (not daily: not the nightly-job rule) a 1-hour burst of 6σ +
    // an exponential size (mean 3σ): this service's ordinary incidents, 75 in
    // 60 days. A week's largest is beaten every few days by chance (the
    // 7-day record); the 30-day return level of their fitted tail rarely is.
    const every = 229;
    const size: number[] = [];
    for (let k = 0; k * every < 60 * perDay; k++) size.push(6 - 3 * Math.log(1 - sizes()));
    const big = 50 * perDay + 100;
    const s = series(60 * perDay, (i) => 100 + noise() + (i % every < 12 ? size[Math.floor(i / every)]! : 0) + (i >= big && i < big + 12 ? 60 : 0), step);
    const pot = detectAnomalies(s).map((a) => a.startIndex);
    const record = detectAnomalies(s, { returnPeriodDays: 0 }).map((a) => a.startIndex);
    expect(pot).toContain(big);
    expect(record).toContain(big);
    expect(pot.length).toBeLessThanOrEqual(7);
    expect(record.length).toBeGreaterThanOrEqual(12);
  });

  it('does not alert on a daily seasonal signal with noise (5-minute step, 3 weeks)', () => {
    const noise = gaussian(rng(6));
    const step = 300_000;
    const perDay = 288;
    const s = series(21 * perDay, (i) => 200 + 80 * Math.sin((2 * Math.PI * i) / perDay) + 30 * Math.sin((4 * Math.PI * i) / perDay) + 4 * noise(), step);
    expect(detectAnomalies(s)).toEqual([]);
    // A spike against the season (a peak-sized value at the trough) is found.
    const trough = 15 * perDay + Math.round(0.75 * perDay);
    const spiked = { ...s, values: s.values.map((v, i) => (i === trough || i === trough + 1 ? v + 60 : v)) };
    const found = detectAnomalies(spiked);
    expect(found.map((a) => [a.kind, a.startIndex])).toEqual([['spike', trough]]);
  });

  it('ignores a nightly job that recurs around the same time every day', () => {
    const noise = gaussian(rng(7));
    const rand = rng(8);
    const step = 300_000;
    const perDay = 288;
    const jobAt = new Set<number>();
    for (let d = 0; d < 14; d++) jobAt.add(d * perDay + 36 + Math.floor(rand() * 6) - 3); // 03:00 ± 15 min
    const s = series(14 * perDay, (i) => 5 + 0.2 * noise() + (jobAt.has(i) ? 20 : 0), step);
    const found = detectAnomalies(s);
    // The first nights may alert (nothing to compare with yet); from the third on, never.
    expect(found.every((a) => a.startIndex < 3 * perDay)).toBe(true);
  });

  it('reports nothing during the warm-up', () => {
    const noise = gaussian(rng(9));
    const s = series(400, (i) => 10 + noise() + (i === 10 ? 50 : 0) + (i === 300 ? 50 : 0));
    const found = detectAnomalies(s, { warmupPoints: 100 });
    expect(found.map((a) => a.startIndex)).toEqual([300]);
    expect(detectAnomalies(s, { warmupPoints: 350 })).toEqual([]);
  });

  it('reports one incident once: excursions within the merge gap (3 h) are one detection', () => {
    const noise = gaussian(rng(13));
    const step = 300_000;
    // Three bursts 2 h apart at 5 minutes (an incident that flaps), then a
    // larger one a day later (larger: the rank gate passes it).
    const bursts = new Set([2000, 2024, 2048]);
    const s = series(3000, (i) => 10 + noise() + (bursts.has(i) || bursts.has(i - 1) ? 20 : 0) + (i === 2336 || i === 2337 ? 40 : 0), step);
    const found = detectAnomalies(s);
    expect(found.map((a) => [a.startIndex, a.endIndex])).toEqual([
      [2000, 2049],
      [2336, 2337],
    ]);
    // Merging only within the level window (2 h) splits the incident.
    expect(detectAnomalies(s, { mergeGap: 12 }).length).toBeGreaterThan(2);
  });

  it('reports a drop and its recovery as one incident', () => {
    const noise = gaussian(rng(14));
    const step = 300_000;
    // Down by 20σ for 6 hours, then back: the return is the end of the incident.
    const s = series(3000, (i) => 50 + noise() + (i >= 2000 && i < 2072 ? -20 : 0), step);
    const found = detectAnomalies(s);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ startIndex: 2000, direction: 'down' });
    expect(found[0]!.endIndex).toBeGreaterThanOrEqual(2072);
    // Without the rule (and without the incident calibration, whose lower
    // bar lets the shift test's view of the ongoing drop bridge the gap) the
    // recovery is a second (upward) anomaly.
    expect(detectAnomalies(s, { recoveryWindow: 0, returnPeriodDays: 0 }).map((a) => a.direction)).toEqual(['down', 'up']);
  });

  it('merges a flapping excursion into one anomaly', () => {
    const noise = gaussian(rng(10));
    // Bursts of 2 points every 10 points for 100 points: one incident, not ten.
    const s = series(2000, (i) => 10 + noise() + (i >= 1000 && i < 1100 && i % 10 < 2 ? 25 : 0));
    const found = detectAnomalies(s);
    expect(found).toHaveLength(1);
    expect(found[0]!.startIndex).toBe(1000);
    expect(found[0]!.endIndex).toBeGreaterThanOrEqual(1040);
  });

  it('is causal: a prefix gives the anomalies the full run reports for it', () => {
    const noise = studentT3(rng(11));
    const s = series(6000, (i) => 30 + noise() + (i % 1500 === 700 ? 40 : 0) + (i > 4000 ? 10 : 0));
    const full = detectAnomalies(s);
    const cut = 3000;
    const prefix = detectAnomalies({ values: s.values.slice(0, cut), times: s.times.slice(0, cut) });
    // Anomalies that ended well before the cut (merge gap included) are identical.
    const settled = (as: Anomaly[]): number[][] => as.filter((a) => a.endIndex < cut - 200).map((a) => [a.startIndex, a.endIndex]);
    expect(settled(prefix)).toEqual(settled(full));
    expect(settled(full).length).toBeGreaterThan(0);
  });

  it('skips missing points and flags an excursion still under way as ongoing', () => {
    const noise = gaussian(rng(12));
    const s = series(1000, (i) => (i % 50 === 7 ? null : 5 + noise() + (i >= 996 ? 30 : 0)));
    const found = detectAnomalies(s);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ startIndex: 996, endIndex: 999, ongoing: true, kind: 'spike' });
  });

  it('handles a constant series and tells the step and minimum length', () => {
    const flat = series(500, (i) => (i === 400 ? 2 : 1));
    expect(detectAnomalies(flat).map((a) => a.startIndex)).toEqual([400]);
    expect(inferStepMs(flat.times)).toBe(STEP);
    expect(minimumPoints(STEP)).toBeGreaterThan(30);
    expect(() => detectAnomalies({ values: [1, 2], times: [1] })).toThrow(RangeError);
  });
});
