import { describe, expect, it } from 'vitest';
import { parseDurationNanos } from './duration.ts';

describe('parseDurationNanos', () => {
  it('reads a bare integer as nanoseconds (Go time.Duration in JSON)', () => {
    expect(parseDurationNanos('1000')).toBe(1000n);
    expect(parseDurationNanos('0')).toBe(0n);
  });

  it('reads Go duration text exactly, without float rounding', () => {
    expect(parseDurationNanos('150ms')).toBe(150_000_000n);
    expect(parseDurationNanos('1.5s')).toBe(1_500_000_000n);
    expect(parseDurationNanos('0.1s')).toBe(100_000_000n);
    expect(parseDurationNanos('4.5us')).toBe(4_500n);
    expect(parseDurationNanos('4.5µs')).toBe(4_500n);
    expect(parseDurationNanos('1m30s')).toBe(90_000_000_000n);
    expect(parseDurationNanos('2h')).toBe(7_200_000_000_000n);
    expect(parseDurationNanos('1d')).toBe(86_400_000_000_000n);
    expect(parseDurationNanos('250ns')).toBe(250n);
  });

  it('rejects anything else', () => {
    for (const s of ['', 'ms', '1.5', '-1s', '1 s', '1sec', '1.s', 's1', '1e3ms']) expect(parseDurationNanos(s), s).toBeUndefined();
  });
});
