import { describe, expect, it } from 'vitest';
import { etsDemandForecaster } from './ets-demand.ts';
import { planCapacity } from './plan-capacity.ts';

describe('etsDemandForecaster', () => {
  it('falls back to the Theil–Sen trend on a short history and uses ETS on a long one', () => {
    const f = etsDemandForecaster({ minPoints: 60 });
    const short = Array.from({ length: 30 }, (_, i) => 10 + i);
    const pts = f(short, 60_000, 10);
    expect(f.label()).toBe('theil-sen-trend');
    expect(pts[9]?.value).toBeCloseTo(49, 0);
    // A noisy upward ramp: ETS keeps following it and its band widens with the horizon.
    let s = 1;
    const noise = (): number => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
    const long = Array.from({ length: 240 }, (_, i) => 10 + 0.1 * i + noise());
    const out = f(long, 60_000, 60);
    expect(f.label()).toMatch(/^ets:/);
    expect(out).toHaveLength(60);
    expect(out[59]!.value).toBeGreaterThan(out[0]!.value);
    expect(out[59]!.upper80 - out[59]!.value).toBeGreaterThan(out[0]!.upper80 - out[0]!.value);
    expect(out.every((p) => p.value >= 0 && p.upper80 >= p.value)).toBe(true);
  });

  it('names the model in the capacity plan method', () => {
    const samples = Array.from({ length: 180 }, (_, i) => ({ t: i * 60, rps: 2 + i * 0.02, latencyMs: 100, cpu: 0.05 + 0.05 * (2 + i * 0.02) }));
    const plan = planCapacity({ service: 's', stepS: 60, samples, replicas: 1 }, { horizonS: 86_400, nowS: 180 * 60, forecaster: etsDemandForecaster() });
    expect('method' in plan && plan.method).toMatch(/\+ets:/);
  });
});
