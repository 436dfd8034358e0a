import { describe, expect, it } from 'vitest';
import { nelderMead } from './nelder-mead.ts';

describe('nelderMead', () => {
  it('finds the minimum of the Rosenbrock valley', () => {
    const rosen = (x: readonly number[]): number => 100 * ((x[1] ?? 0) - (x[0] ?? 0) ** 2) ** 2 + (1 - (x[0] ?? 0)) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], { maxEvaluations: 2000, tolerance: 1e-14 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });

  it('treats a non-finite objective as the worst point instead of failing', () => {
    const f = (x: readonly number[]): number => ((x[0] ?? 0) < 0 ? Number.NaN : ((x[0] ?? 0) - 2) ** 2);
    const r = nelderMead(f, [1], { step: 3 });
    expect(r.x[0]).toBeCloseTo(2, 3);
  });
});
