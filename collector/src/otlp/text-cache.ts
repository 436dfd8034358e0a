import { quoted } from '../rows/tsv.ts';

/**
 * Telemetry repeats itself: attribute keys, span names, service names and
 * most attribute values recur across spans and requests. Decoding such a
 * string with Buffer#utf8Slice, regex-testing it for escapes and quoting it
 * costs more than looking it up: short ASCII strings are kept in a
 * direct-mapped cache with their decoded and quoted forms. The
 * slot comes from a hash of the length and a sample of the bytes (all of
 * them up to 16, else about ten plus the last four); a hit is confirmed by
 * comparing every byte with the copy kept in `arena`, so a collision costs a
 * miss, never a wrong string.
 */

export interface SliceableBuffer extends Uint8Array {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

const WIDTH = 96;
const SLOTS = 1 << 14;
const MASK = SLOTS - 1;

const NON_ASCII = 1;
const TSV_ESCAPE = 2;
const QUOTE = 4;

/** Per byte: NON_ASCII | TSV_ESCAPE (\\ \t \n \r \0 \b \f) | QUOTE ('). */
const BYTE_FLAGS = new Uint8Array(256);
for (let b = 0x80; b < 256; b++) BYTE_FLAGS[b] = NON_ASCII;
for (const b of [0x5c, 0x09, 0x0a, 0x0d, 0x00, 0x08, 0x0c]) BYTE_FLAGS[b] = TSV_ESCAPE;
BYTE_FLAGS[0x27] = QUOTE;

const hashes = new Int32Array(SLOTS);
/** Byte length of the string in each slot; -1 = empty. */
const lengths = new Int32Array(SLOTS).fill(-1);
const arena = new Uint8Array(SLOTS * WIDTH);
const arenaView = new DataView(arena.buffer);
const raw: string[] = new Array<string>(SLOTS).fill('');
const quotedText: string[] = new Array<string>(SLOTS).fill('');

/** Slot holding bytes [start, end) (filled on a miss), or -1 when not cacheable (long or non-ASCII). */
function slotOf(buf: SliceableBuffer, view: DataView, start: number, end: number): number {
  const n = end - start;
  if (n > WIDTH) return -1;
  let h = Math.imul(n, 0x9e3779b1);
  const step = n > 16 ? n >> 3 : 1;
  for (let i = start; i < end; i += step) h = Math.imul(h ^ buf[i]!, 16777619);
  if (n > 16) {
    for (let i = end - 4; i < end; i++) h = Math.imul(h ^ buf[i]!, 16777619);
  }
  const slot = (h ^ (h >>> 14)) & MASK;
  const base = slot * WIDTH;
  if (lengths[slot] === n && hashes[slot] === h) {
    let i = 0;
    while (i + 4 <= n && arenaView.getInt32(base + i) === view.getInt32(start + i)) i += 4;
    if (i + 4 > n) {
      while (i < n && arena[base + i] === buf[start + i]) i++;
      if (i === n) return slot;
    }
  }
  let flags = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[start + i]!;
    flags |= BYTE_FLAGS[b]!;
    arena[base + i] = b;
  }
  if ((flags & NON_ASCII) !== 0) {
    lengths[slot] = -1;
    return -1;
  }
  const text = buf.latin1Slice(start, end);
  hashes[slot] = h;
  lengths[slot] = n;
  raw[slot] = text;
  quotedText[slot] = (flags & (TSV_ESCAPE | QUOTE)) === 0 ? "'" + text + "'" : quoted(text);
  return slot;
}

/** Number of cache slots: `textSlot` returns an index below it. */
export const TEXT_SLOTS = SLOTS;

/**
 * The cache slot holding bytes [start, end) (filled on a miss), or -1 when
 * they are not cacheable (empty, long or non-ASCII); `slotText(slot)` is
 * then their string until the slot is refilled with other bytes. Callers
 * that derive something from a slot's string keep that string to tell.
 */
export function textSlot(buf: SliceableBuffer, view: DataView, start: number, end: number): number {
  return start === end ? -1 : slotOf(buf, view, start, end);
}

export function slotText(slot: number): string {
  return raw[slot]!;
}

/** UTF-8 bytes [start, end) as a string (invalid sequences → U+FFFD). */
export function textAt(buf: SliceableBuffer, view: DataView, start: number, end: number): string {
  if (start === end) return '';
  const slot = slotOf(buf, view, start, end);
  return slot >= 0 ? raw[slot]! : buf.utf8Slice(start, end);
}

/** The string in bytes [start, end) as a quoted literal for Map/Array fields. */
export function quotedTextAt(buf: SliceableBuffer, view: DataView, start: number, end: number): string {
  if (start === end) return "''";
  const slot = slotOf(buf, view, start, end);
  return slot >= 0 ? quotedText[slot]! : quoted(buf.utf8Slice(start, end));
}
