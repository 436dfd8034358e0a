import { describe, expect, it } from 'vitest';
import { judgeOutcome, type OutcomeWindows } from './judge-outcome.ts';

/** Deterministic log-normal latencies (seeded LCG + Box-Muller), median ≈ `medianMs`. */
function latencies(n: number, medianMs: number, seed: number, sigma = 0.35): number[] {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return medianMs * Math.exp(sigma * z);
  });
}

const noErrors = { before: { errors: 2, calls: 1000 }, after: { errors: 2, calls: 1000 } };

function windows(before: number[], after: number[], errors = noErrors): OutcomeWindows {
  return { latency: { before, after }, errors };
}

describe('judgeOutcome on synthetic before/after series', () => {
  it('calls a real 30% improvement verified', () => {
    const j = judgeOutcome(windows(latencies(400, 200, 1), latencies(400, 140, 2)), { primary: 'latency_p50_ms', expectedChangePct: -30 });
    expect(j.verdict).toBe('verified');
    expect(j.changePct).toBeLessThan(-20);
    expect(j.changePct).toBeGreaterThan(-40);
    expect(j.pValue).toBeLessThan(1e-6);
  });

  it('calls noise no-effect, over many seeds', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const j = judgeOutcome(windows(latencies(400, 200, seed * 2), latencies(400, 200, seed * 2 + 1)), { primary: 'latency_p50_ms', expectedChangePct: -30 });
      expect(j.verdict, `seed ${seed}: ${j.reason}`).toBe('no-effect');
    }
  });

  it('calls a slowdown regressed', () => {
    const j = judgeOutcome(windows(latencies(400, 200, 3), latencies(400, 260, 4)), { primary: 'latency_p50_ms', expectedChangePct: -30 });
    expect(j.verdict).toBe('regressed');
    expect(j.changePct).toBeGreaterThan(15);
  });

  it('calls a real but much smaller improvement than promised partial', () => {
    const j = judgeOutcome(windows(latencies(2000, 200, 5), latencies(2000, 180, 6)), { primary: 'latency_p50_ms', expectedChangePct: -60 });
    expect(j.verdict).toBe('partial');
  });

  it('calls a faster but failing version regressed', () => {
    const errors = { before: { errors: 2, calls: 1000 }, after: { errors: 60, calls: 1000 } };
    const j = judgeOutcome(windows(latencies(400, 200, 7), latencies(400, 120, 8), errors), { primary: 'latency_p50_ms', expectedChangePct: -30 });
    expect(j.verdict).toBe('regressed');
    expect(j.secondary.metric).toBe('error_rate');
  });

  it('judges an error fix on the error rate', () => {
    const fixed = judgeOutcome(
      windows(latencies(300, 50, 9), latencies(300, 50, 10), { before: { errors: 80, calls: 1000 }, after: { errors: 3, calls: 1000 } }),
      { primary: 'error_rate', expectedChangePct: -100 },
    );
    expect(fixed.verdict).toBe('verified');
    expect(fixed.metric).toBe('error_rate');
    const noise = judgeOutcome(
      windows(latencies(300, 50, 11), latencies(300, 50, 12), { before: { errors: 10, calls: 1000 }, after: { errors: 12, calls: 1000 } }),
      { primary: 'error_rate', expectedChangePct: -100 },
    );
    expect(noise.verdict).toBe('no-effect');
  });
});
