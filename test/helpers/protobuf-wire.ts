/**
 * Schema-less protobuf wire format for tests: a tree of fields that mutation
 * code can edit and re-encode with consistent lengths, plus the few response
 * messages the receivers send (google.rpc.Status, Export*ServiceResponse).
 * Independent of PPO's decoders on purpose, so tests can check them.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export interface WireField {
  no: number;
  wire: number;
  /** VARINT: the value; I64/I32/LEN: the raw payload bytes. */
  varint: bigint;
  bytes: Uint8Array;
  /** LEN payloads that parse completely as a message (a guess: strings may too). */
  children: WireField[] | undefined;
  /** Encode this length instead of the true one (a corrupted length prefix). */
  lengthOverride?: bigint;
  /** Encode this raw tag instead of (no << 3 | wire). */
  tagOverride?: bigint;
  /** Something under `children` changed: re-encode them instead of reusing `bytes`. */
  edited?: boolean;
}

export class WireError extends Error {}

class Cursor {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end: number) {}

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new WireError('varint longer than 10 bytes');
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) throw new WireError(`length ${n} exceeds remaining ${this.end - this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const MAX_GUESS_DEPTH = 64;

/**
 * Parses a whole message; throws WireError on anything a strict parser would
 * refuse. With `guess`, LEN payloads that parse as messages get `children`
 * (for editing; costly), otherwise the tree is one level deep.
 */
export function parseMessage(buf: Uint8Array, guess = false, depth = 0): WireField[] {
  const c = new Cursor(buf, buf.length);
  const fields: WireField[] = [];
  while (c.pos < c.end) {
    const tag = c.varint();
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (no === 0 || tag >> 3n > 0x1fffffffn) throw new WireError(`invalid field number ${no}`);
    switch (wire) {
      case WIRE_VARINT:
        fields.push({ no, wire, varint: c.varint(), bytes: new Uint8Array(0), children: undefined });
        break;
      case WIRE_I64:
        fields.push({ no, wire, varint: 0n, bytes: c.take(8), children: undefined });
        break;
      case WIRE_I32:
        fields.push({ no, wire, varint: 0n, bytes: c.take(4), children: undefined });
        break;
      case WIRE_LEN: {
        const len = c.varint();
        if (len > BigInt(c.end - c.pos)) throw new WireError(`length ${len} exceeds remaining ${c.end - c.pos}`);
        const bytes = c.take(Number(len));
        fields.push({ no, wire, varint: 0n, bytes, children: guess && depth < MAX_GUESS_DEPTH ? tryParse(bytes, depth + 1) : undefined });
        break;
      }
      default:
        throw new WireError(`wire type ${wire}`);
    }
  }
  return fields;
}

function tryParse(bytes: Uint8Array, depth: number): WireField[] | undefined {
  if (bytes.length === 0) return undefined;
  try {
    return parseMessage(bytes, true, depth);
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
}

export function varintBytes(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

/** Re-encodes a (possibly edited) tree; LEN fields marked `edited` are re-encoded from their children. */
export function encodeMessage(fields: readonly WireField[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    parts.push(Uint8Array.from(varintBytes(f.tagOverride ?? (BigInt(f.no) << 3n) | BigInt(f.wire))));
    switch (f.wire) {
      case WIRE_VARINT:
        parts.push(Uint8Array.from(varintBytes(f.varint)));
        break;
      case WIRE_LEN: {
        const payload = payloadOf(f);
        parts.push(Uint8Array.from(varintBytes(f.lengthOverride ?? BigInt(payload.length))), payload);
        break;
      }
      default:
        parts.push(f.bytes);
    }
  }
  return Buffer.concat(parts);
}

/** The payload a LEN field encodes to. */
export function payloadOf(f: WireField): Uint8Array {
  return f.children && f.edited ? encodeMessage(f.children) : f.bytes;
}

export function lenField(no: number, payload: Uint8Array): WireField {
  return { no, wire: WIRE_LEN, varint: 0n, bytes: payload, children: undefined };
}

/** google.rpc.Status {code = 1, message = 2}, the protobuf error body of OTLP/HTTP. */
export function decodeRpcStatus(buf: Uint8Array): { code: number; message: string } {
  let code = 0;
  let message = '';
  for (const f of parseMessage(buf)) {
    if (f.no === 1 && f.wire === WIRE_VARINT) code = Number(f.varint);
    else if (f.no === 2 && f.wire === WIRE_LEN) message = Buffer.from(f.bytes).toString('utf8');
  }
  return { code, message };
}

/**
 * Export{Trace,Metrics,Logs}ServiceResponse: optional field 1 partial_success
 * {1: rejected int64, 2: error_message}. Throws WireError when malformed.
 */
export function decodeExportResponse(buf: Uint8Array): { rejected: bigint; errorMessage: string; hasPartialSuccess: boolean } {
  let rejected = 0n;
  let errorMessage = '';
  let hasPartialSuccess = false;
  for (const f of parseMessage(buf)) {
    if (f.no !== 1) throw new WireError(`unexpected field ${f.no} in an export response`);
    if (f.wire !== WIRE_LEN) throw new WireError('partial_success is not a message');
    hasPartialSuccess = true;
    for (const g of parseMessage(f.bytes)) {
      if (g.no === 1 && g.wire === WIRE_VARINT) rejected = BigInt.asIntN(64, g.varint);
      else if (g.no === 2 && g.wire === WIRE_LEN) errorMessage = new TextDecoder('utf-8', { fatal: true }).decode(g.bytes);
      else throw new WireError(`unexpected field ${g.no}/${g.wire} in partial_success`);
    }
  }
  return { rejected, errorMessage, hasPartialSuccess };
}
