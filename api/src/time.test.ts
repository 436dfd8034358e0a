import { describe, expect, it } from 'vitest';
import { nanosToIso, parseTimeToNanos } from './time.ts';

describe('API time parsing', () => {
  it('accepts unix nanoseconds and RFC 3339 with sub-ms digits', () => {
    expect(parseTimeToNanos('1485449191639875000')).toBe(1485449191639875000n);
    expect(parseTimeToNanos('2017-01-26T16:46:31.639875Z')).toBe(1485449191639875000n);
    expect(parseTimeToNanos('2017-01-26T17:46:31+01:00')).toBe(1485449191000000000n);
  });

  it('rejects other shapes', () => {
    expect(parseTimeToNanos('yesterday')).toBeUndefined();
    expect(parseTimeToNanos('2017-01-26')).toBeUndefined();
    expect(parseTimeToNanos('-5')).toBeUndefined();
  });

  it('formats as RFC 3339 with ms', () => {
    expect(nanosToIso(1485449191639875000n)).toBe('2017-01-26T16:46:31.639Z');
  });
});
