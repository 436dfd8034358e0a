/**
 * 64-bit integers held as two uint32 halves (as read off the wire) → decimal
 * text, without BigInt: nanosecond timestamps are above 2^53, and allocating a
 * BigInt per timestamp costs several times more than this arithmetic.
 *
 * Above 2^53 the value is split into 24/24/16-bit limbs and re-based to
 * 10^7 digits using 2^24 = 10^7 + 6777216 and 2^48 = 28147497·10^7 + 6710656
 * (28147497 = 2·10^7 + 8147497); every intermediate stays below 2^53.
 */

const BASE = 10_000_000;

function pad7(n: number): string {
  const s = String(n);
  return s.length === 7 ? s : '0000000'.slice(s.length) + s;
}

export function uint64Decimal(lo: number, hi: number): string {
  if (hi <= 0x1fffff) return String(hi * 4294967296 + lo);
  const low = lo & 0xffffff;
  const mid = ((lo >>> 24) | (hi << 8)) & 0xffffff;
  const high = hi >>> 16;
  let a = low + mid * 6777216 + high * 6710656;
  let b = mid + high * 8147497;
  let c = high * 2;
  if (a >= BASE) {
    b += Math.floor(a / BASE);
    a %= BASE;
  }
  if (b >= BASE) {
    c += Math.floor(b / BASE);
    b %= BASE;
  }
  // value >= 2^53 > 10^14, so the top limb c is never 0 here.
  return String(c) + pad7(b) + pad7(a);
}

/** Two's-complement int64 → decimal. */
export function int64Decimal(lo: number, hi: number): string {
  if ((hi & 0x80000000) === 0) return uint64Decimal(lo, hi);
  const nlo = (~lo + 1) >>> 0;
  const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
  return '-' + uint64Decimal(nlo, nhi);
}

/** Two's-complement int64 → nearest double (one rounding, like Go's float64(int64)). */
export function int64ToNumber(lo: number, hi: number): number {
  return (hi | 0) * 4294967296 + lo;
}

/** Decimal of `end - start` (both uint64 halves), clamped at 0. */
export function uint64DiffDecimal(startLo: number, startHi: number, endLo: number, endHi: number): string {
  let lo = endLo - startLo;
  let hi = endHi - startHi;
  if (lo < 0) {
    lo += 4294967296;
    hi -= 1;
  }
  if (hi < 0 || (hi === 0 && lo === 0)) return '0';
  return uint64Decimal(lo, hi);
}
