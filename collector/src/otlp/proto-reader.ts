import { OtlpDecodeError } from '../rows/table-batch.ts';
import { DecodePath } from './decode-path.ts';
import { textAt } from './text-cache.ts';

/**
 * A cursor over protobuf bytes for the hand-written OTLP decoders. Every read
 * takes the end of the enclosing message, so a length that runs past its
 * parent is caught where it occurs, and every failure becomes an
 * OtlpDecodeError naming the path and the field being read.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const WIRE_NAMES = ['VARINT', 'I64', 'LEN', 'SGROUP', 'EGROUP', 'I32', '6', '7'];

/** Node's Buffer has native per-encoding slicers that skip toString's argument handling. */
interface SliceableBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
  base64Slice(start: number, end: number): string;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

export class ProtoReader {
  readonly buf: SliceableBuffer;
  /** The same bytes, for multi-byte reads. */
  readonly view: DataView;
  readonly end: number;
  pos = 0;
  /** Field number of the tag being processed (0 while reading a tag). */
  field = 0;
  /** Halves of the last 64-bit value read by varint64() / fixed64(). */
  lo = 0;
  hi = 0;
  readonly path = new DecodePath();
  /** Why the item being decoded (span, log record, data point) must be rejected; '' if valid. */
  itemError = '';
  readonly maxDepth: number;

  constructor(bytes: Uint8Array, maxDepth: number) {
    this.buf = (Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as SliceableBuffer;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.end = this.buf.length;
    this.maxDepth = maxDepth;
  }

  fail(problem: string): OtlpDecodeError {
    const f = this.field;
    let where = this.path.toString() + ':';
    if (f > 0) {
      const name = this.path.fieldName(f);
      where += ` field ${f}${name === '' ? '' : ` (${name})`}:`;
    }
    return new OtlpDecodeError(`${where} ${problem}`);
  }

  /** Reads a tag, records its field number, returns its wire type. */
  tag(end: number): number {
    this.field = 0;
    const start = this.pos;
    const t = this.varint32(end);
    // Tags are 32 bits (field numbers end at 2^29 - 1); taking the low 32 bits
    // of a longer one would alias it to some other, possibly known, field.
    if (this.hi !== 0 && this.pos - start > 1) throw this.fail(`tag at offset ${start} is longer than 32 bits`);
    const f = t >>> 3;
    if (f === 0) throw this.fail(`invalid field number 0 at offset ${this.pos}`);
    this.field = f;
    const wire = t & 7;
    if (wire === 3 || wire === 4) throw this.fail('groups (wire type 3/4) are not supported');
    if (wire > 5) throw this.fail(`invalid wire type ${wire}`);
    return wire;
  }

  wrongWire(wire: number, expected: number): OtlpDecodeError {
    return this.fail(`wire type ${WIRE_NAMES[wire]!}, expected ${WIRE_NAMES[expected]!}`);
  }

  /** Low 32 bits of a varint (int32/uint32/enum/bool semantics), as uint32. */
  varint32(end: number): number {
    const p = this.pos;
    if (p < end) {
      const b = this.buf[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    this.varint64(end);
    return this.lo;
  }

  /** A full varint into lo/hi. */
  varint64(end: number): void {
    const buf = this.buf;
    let p = this.pos;
    let lo = 0;
    let b: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) throw this.fail('truncated varint');
      b = buf[p++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        this.pos = p;
        return;
      }
    }
    if (p >= end) throw this.fail('truncated varint');
    b = buf[p++]!;
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b < 0x80) {
      this.lo = lo >>> 0;
      this.hi = hi;
      this.pos = p;
      return;
    }
    for (let shift = 3; shift < 32; shift += 7) {
      if (p >= end) throw this.fail('truncated varint');
      b = buf[p++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        this.pos = p;
        return;
      }
    }
    throw this.fail('varint longer than 10 bytes');
  }

  /** For a LEN field: checks the wire type and length; returns the end of the payload (pos = its start). */
  lenEnd(end: number, wire: number): number {
    if (wire !== WIRE_LEN) throw this.wrongWire(wire, WIRE_LEN);
    const p = this.pos;
    let len: number;
    if (p < end && this.buf[p]! < 0x80) {
      len = this.buf[p]!;
      this.pos = p + 1;
    } else {
      this.varint64(end);
      len = this.hi === 0 ? this.lo : Infinity;
    }
    const remaining = end - this.pos;
    if (len > remaining) {
      const shown = len === Infinity ? 'over 2^32' : String(len);
      throw this.fail(`length ${shown} exceeds remaining ${remaining} bytes`);
    }
    return this.pos + len;
  }

  /** A fixed64/sfixed64 into lo/hi. */
  fixed64(end: number, wire: number): void {
    if (wire !== WIRE_I64) throw this.wrongWire(wire, WIRE_I64);
    const p = this.pos;
    if (end - p < 8) throw this.fail(`truncated fixed64: ${end - p} bytes remain`);
    const b = this.buf;
    this.lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    this.hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    this.pos = p + 8;
  }

  double(end: number, wire: number): number {
    if (wire !== WIRE_I64) throw this.wrongWire(wire, WIRE_I64);
    const p = this.pos;
    if (end - p < 8) throw this.fail(`truncated double: ${end - p} bytes remain`);
    return this.doubleAt(p);
  }

  /** Reads 8 bytes at p as a little-endian double and advances past them. */
  doubleAt(p: number): number {
    const b = this.buf;
    f64Bytes[0] = b[p]!;
    f64Bytes[1] = b[p + 1]!;
    f64Bytes[2] = b[p + 2]!;
    f64Bytes[3] = b[p + 3]!;
    f64Bytes[4] = b[p + 4]!;
    f64Bytes[5] = b[p + 5]!;
    f64Bytes[6] = b[p + 6]!;
    f64Bytes[7] = b[p + 7]!;
    this.pos = p + 8;
    return f64[0]!;
  }

  fixed32(end: number, wire: number): number {
    if (wire !== WIRE_I32) throw this.wrongWire(wire, WIRE_I32);
    const p = this.pos;
    if (end - p < 4) throw this.fail(`truncated fixed32: ${end - p} bytes remain`);
    const b = this.buf;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** A VARINT field's low 32 bits, after checking the wire type. */
  uint32(end: number, wire: number): number {
    if (wire !== WIRE_VARINT) throw this.wrongWire(wire, WIRE_VARINT);
    return this.varint32(end);
  }

  /** A string field: invalid UTF-8 decodes to U+FFFD rather than failing. */
  string(end: number, wire: number): string {
    const e = this.lenEnd(end, wire);
    const s = this.pos;
    this.pos = e;
    return textAt(this.buf, this.view, s, e);
  }

  /** Skips a field of any (non-group) wire type. */
  skip(end: number, wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint64(end);
        return;
      case WIRE_I64:
        if (end - this.pos < 8) throw this.fail(`truncated fixed64: ${end - this.pos} bytes remain`);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lenEnd(end, wire);
        return;
      case WIRE_I32:
        if (end - this.pos < 4) throw this.fail(`truncated fixed32: ${end - this.pos} bytes remain`);
        this.pos += 4;
        return;
      default:
        throw this.fail(`invalid wire type ${wire}`);
    }
  }

  /** Marks the current item invalid; the first reason wins. */
  reject(reason: string): void {
    if (this.itemError === '') this.itemError = reason;
  }
}
