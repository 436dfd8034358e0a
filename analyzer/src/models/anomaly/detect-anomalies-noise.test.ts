// The long pure-noise runs, in their own file so each test file stays short on a loaded machine.
import { describe, expect, it } from 'vitest';
import { detectAnomalies } from './detect-anomalies.ts';
import { gaussian, rng, series, studentT3 } from './testing/synthetic.ts';

describe('detectAnomalies on long pure-noise runs', () => {
  it('raises (almost) nothing on 100k points of Gaussian noise', () => {
    const noise = gaussian(rng(4));
    const found = detectAnomalies(series(100_000, () => 10 + noise()));
    expect(found.length).toBeLessThanOrEqual(2);
  });

  it('raises (almost) nothing on 100k points of heavy-tailed (Student t3) noise', () => {
    const noise = studentT3(rng(5));
    const found = detectAnomalies(series(100_000, () => 10 + noise()));
    // t3 has infinite kurtosis: single points beyond 20 robust σ do occur about
    // once per 10k draws, and those are worth a look even in a live series. At
    // most 2 per 10k points, and never a sustained (multi-point) alarm.
    expect(found.length).toBeLessThanOrEqual(20);
    expect(found.filter((a) => a.kind === 'level_shift')).toEqual([]);
  });

});
