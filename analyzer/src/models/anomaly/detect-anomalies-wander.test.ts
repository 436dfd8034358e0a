// A long wandering-noise run, in its own file so each test file stays short on a loaded machine.
import { describe, expect, it } from 'vitest';
import { detectAnomalies } from './detect-anomalies.ts';
import { gaussian, rng, series } from './testing/synthetic.ts';

describe('detectAnomalies on a long autocorrelated run', () => {
  it('raises at most a couple of alarms on 100 days of a wandering series (AR(1), ρ = 0.95, 5-minute step)', () => {
    // Temperatures, queues and pools wander: a day of such a series holds
    // only ~7 independent samples, so level and spread over a day say little
    // (the shift test's reference is lengthened for it).
    const noise = gaussian(rng(19));
    let x = 0;
    const found = detectAnomalies(
      series(29_000, () => {
        x = 0.95 * x + noise();
        return 50 + x;
      }, 300_000),
    );
    expect(found.length).toBeLessThanOrEqual(3);
  });
});
