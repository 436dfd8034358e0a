import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { int64Decimal, int64ToNumber, uint64Decimal } from './uint64-decimal.ts';

const halves = (v: bigint): [number, number] => [Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn)];

describe('64-bit halves → decimal, checked against BigInt', () => {
  it('edge values', () => {
    for (const v of [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 10n ** 14n, 1700000000123456789n, 2n ** 63n, 2n ** 64n - 1n]) {
      expect(uint64Decimal(...halves(v))).toBe(v.toString());
    }
    expect(int64Decimal(...halves(2n ** 63n))).toBe('-9223372036854775808');
    expect(int64Decimal(...halves(2n ** 64n - 1n))).toBe('-1');
  });

  it('any uint64 / int64', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const [lo, hi] = halves(v);
        expect(uint64Decimal(lo, hi)).toBe(v.toString());
        expect(int64Decimal(lo, hi)).toBe(BigInt.asIntN(64, v).toString());
        expect(int64ToNumber(lo, hi)).toBe(Number(BigInt.asIntN(64, v)));
      }),
      { numRuns: 5000 },
    );
  });
});
