/**
 * Trace/span ids: lowercase hex in the tables, validated per item. Shared by
 * both decoders so their rejection reasons read the same.
 */

const DIGITS = '0123456789abcdef';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The two ASCII hex digits of each byte value, as one 16-bit unit in memory order. */
const HEX_PAIR = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  const hi = DIGITS.charCodeAt(i >> 4);
  const lo = DIGITS.charCodeAt(i & 15);
  HEX_PAIR[i] = LITTLE_ENDIAN ? hi | (lo << 8) : (hi << 8) | lo;
}
const MAX_ID_BYTES = 32;
const scratch = Buffer.alloc(MAX_ID_BYTES * 2) as Buffer & { latin1Slice(start: number, end: number): string };
const scratchPairs = new Uint16Array(scratch.buffer, scratch.byteOffset, MAX_ID_BYTES);

/**
 * Lowercase hex of bytes [start, end). Writing digit pairs into a scratch
 * buffer and slicing it once is measurably faster (one flat string, no
 * concatenation) than a per-byte string table or Buffer#hexSlice.
 */
export function bytesToHex(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n > MAX_ID_BYTES) return Buffer.from(buf.buffer, buf.byteOffset + start, n).toString('hex');
  for (let i = 0; i < n; i++) scratchPairs[i] = HEX_PAIR[buf[start + i]!]!;
  return scratch.latin1Slice(0, n * 2);
}

export function isAllZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

export function idLengthProblem(name: string, want: number, got: number): string {
  return `${name} must be ${want} bytes, got ${got}`;
}

export function idAllZeroProblem(name: string): string {
  return `${name} is all zeros`;
}

export function idHexProblem(name: string): string {
  return `${name} is not valid hex`;
}

const HEX_ID = /^(?:[0-9a-fA-F]{2})*$/;
const ZERO_HEX = /^0*$/;

/** Lowercased hex, or undefined when `s` is not an even-length hex string. */
export function normalizeHexId(s: string): string | undefined {
  return HEX_ID.test(s) ? s.toLowerCase() : undefined;
}

export function isZeroHex(hex: string): boolean {
  return ZERO_HEX.test(hex);
}
