/**
 * Trace/span ids: lowercase hex in the tables, validated per item. Shared by
 * both decoders so their rejection reasons read the same.
 */

const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push((i < 16 ? '0' : '') + i.toString(16));

/** Lowercase hex of bytes [start, end). Table lookup beats Buffer#hexSlice for 8–16 bytes. */
export function bytesToHex(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX_BYTE[buf[i]!]!;
  return s;
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
