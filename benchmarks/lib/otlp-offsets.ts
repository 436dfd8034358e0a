/**
 * Finds, in an encoded ExportTraceServiceRequest, the byte offsets of every
 * trace id and every timestamp, so a pre-encoded request can be re-sent as
 * *new* spans (other trace ids, later times) by patching bytes in place,
 * without re-encoding on the load generator's hot path.
 *
 * Only the fields we patch are followed:
 *   ExportTraceServiceRequest.resource_spans = 1
 *   ResourceSpans.scope_spans = 2
 *   ScopeSpans.spans = 2
 *   Span.trace_id = 1, start_time_unix_nano = 7, end_time_unix_nano = 8,
 *        events = 11 (Event.time_unix_nano = 1), links = 13 (Link.trace_id = 1)
 */
export interface RequestOffsets {
  /** Offsets of the 16 bytes of each trace id (spans and links). */
  traceIds: Uint32Array;
  /** Offsets of the 8 little-endian bytes of each fixed64 timestamp. */
  times: Uint32Array;
  spans: number;
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** A protobuf varint at `pos` (up to 2^53; these are lengths, tags and counts). */
export function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, pos];
    mul *= 128;
  }
}

/** Calls `onField(field, wireType, valueStart, valueEnd)` for each field of the message in [start, end). */
function forEachField(buf: Uint8Array, start: number, end: number, onField: (field: number, wire: number, from: number, to: number) => void): void {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let from = afterTag;
    let to: number;
    switch (wire) {
      case WIRE_VARINT:
        to = readVarint(buf, afterTag)[1];
        break;
      case WIRE_I64:
        to = afterTag + 8;
        break;
      case WIRE_LEN: {
        const [len, afterLen] = readVarint(buf, afterTag);
        from = afterLen;
        to = afterLen + len;
        break;
      }
      case WIRE_I32:
        to = afterTag + 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wire} at ${pos}`);
    }
    if (to > end) throw new Error('field overruns its message');
    onField(field, wire, from, to);
    pos = to;
  }
}

export function findRequestOffsets(buf: Uint8Array): RequestOffsets {
  const traceIds: number[] = [];
  const times: number[] = [];
  let spans = 0;
  const onSpan = (from: number, to: number): void => {
    spans++;
    forEachField(buf, from, to, (field, wire, a, b) => {
      if (field === 1 && wire === WIRE_LEN && b - a === 16) traceIds.push(a);
      else if ((field === 7 || field === 8) && wire === WIRE_I64) times.push(a);
      else if (field === 11 && wire === WIRE_LEN) {
        forEachField(buf, a, b, (f, w, x) => {
          if (f === 1 && w === WIRE_I64) times.push(x);
        });
      } else if (field === 13 && wire === WIRE_LEN) {
        forEachField(buf, a, b, (f, w, x, y) => {
          if (f === 1 && w === WIRE_LEN && y - x === 16) traceIds.push(x);
        });
      }
    });
  };
  forEachField(buf, 0, buf.length, (field, wire, a, b) => {
    if (field !== 1 || wire !== WIRE_LEN) return;
    forEachField(buf, a, b, (f, w, x, y) => {
      if (f !== 2 || w !== WIRE_LEN) return;
      forEachField(buf, x, y, (sf, sw, p, q) => {
        if (sf === 2 && sw === WIRE_LEN) onSpan(p, q);
      });
    });
  });
  return { traceIds: Uint32Array.from(traceIds), times: Uint32Array.from(times), spans };
}

/**
 * Moves a request from "generation" `from` to `to`: XORs a per-generation key
 * into 4 bytes of every trace id (the same key for all spans of a request, so
 * traces stay whole and parent links stay valid) and shifts every timestamp
 * by (to - from) * shiftNs. Cheap: a few thousand small writes per request.
 */
export function patchGeneration(buf: Buffer, offsets: RequestOffsets, from: number, to: number, shiftNs: bigint): void {
  if (from === to) return;
  const key = (generationKey(from) ^ generationKey(to)) >>> 0;
  for (const off of offsets.traceIds) {
    // Bytes 8..11: the high bytes stay as generated (W3C random-flag friendly).
    buf.writeUInt32LE((buf.readUInt32LE(off + 8) ^ key) >>> 0, off + 8);
  }
  const delta = BigInt(to - from) * shiftNs;
  for (const off of offsets.times) buf.writeBigUInt64LE(buf.readBigUInt64LE(off) + delta, off);
}

function generationKey(generation: number): number {
  if (generation === 0) return 0;
  // Any bijective mix works; this one spreads small integers over 32 bits.
  let x = Math.imul(generation ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0 || 1;
}
