/** Tiny protobuf byte builders for hand-made (often deliberately broken) test inputs. */

export function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

export function tag(no: number, wire: number): Buffer {
  return varint(no * 8 + wire);
}

export function lenField(no: number, payload: Buffer): Buffer {
  return Buffer.concat([tag(no, 2), varint(payload.length), payload]);
}

export function varintField(no: number, n: number): Buffer {
  return Buffer.concat([tag(no, 0), varint(n)]);
}

export function fixed64Field(no: number, n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return Buffer.concat([tag(no, 1), b]);
}

/** A request with one span (`spanBody`) under one resource and scope. */
export function traceRequestWithSpan(spanBody: Buffer): Buffer {
  return lenField(1, lenField(2, lenField(2, spanBody)));
}

/** Minimal valid span fields: 16-byte trace id, 8-byte span id, a name. */
export function validSpanFields(): Buffer {
  return Buffer.concat([lenField(1, Buffer.alloc(16, 0xab)), lenField(2, Buffer.alloc(8, 0xcd)), lenField(5, Buffer.from('op'))]);
}
