import type { MapColumn, StringColumn } from '../rows/native-block.ts';
import { quoted } from '../rows/tsv.ts';
import { goDoubleAsString, goJsonNumber, goJsonObject, goJsonQuote, UnsupportedJsonValue } from './go-value-text.ts';
import { WIRE_VARINT, type ProtoReader } from './proto-reader.ts';
import type { LcIndexCache } from './lc-index-cache.ts';
import { quotedTextAt, textAt } from './text-cache.ts';
import { int64Decimal } from './uint64-decimal.ts';

/**
 * AnyValue / KeyValue from protobuf straight to the text the tables store
 * (pdata `Value.AsString()`), and attribute lists straight to Map literals.
 */

export const ANY_VALUE_FIELDS: readonly string[] = [
  '', 'string_value', 'bool_value', 'int_value', 'double_value',
  'array_value', 'kvlist_value', 'bytes_value', 'string_value_strindex',
];
export const KEY_VALUE_FIELDS: readonly string[] = ['', 'key', 'value', 'key_strindex'];
const VALUES_FIELDS: readonly string[] = ['', 'values'];

export function depthProblem(max: number): string {
  return `AnyValue nesting deeper than ${max} levels`;
}

const KIND_NONE = 0;
const KIND_STRING = 1;
const KIND_BOOL = 2;
const KIND_INT = 3;
const KIND_DOUBLE = 4;
const KIND_ARRAY = 5;
const KIND_KVLIST = 6;
const KIND_BYTES = 7;

// The oneof found by scanAnyValue. Module scratch (not a returned object) to
// keep the per-attribute path allocation-free; callers consume it before recursing.
let vKind = KIND_NONE;
let vStart = 0;
let vEnd = 0;
let vBool = false;
let vDouble = 0;
let vLo = 0;
let vHi = 0;

/** Proto3 oneof: the last value field on the wire wins. */
function scanAnyValue(r: ProtoReader, end: number): void {
  vKind = KIND_NONE;
  while (r.pos < end) {
    const wire = r.tag(end);
    const f = r.field;
    if (f === 1 || f === 5 || f === 6 || f === 7) {
      const e = r.lenEnd(end, wire);
      vKind = f;
      vStart = r.pos;
      vEnd = e;
      r.pos = e;
    } else if (f === 2 || f === 3) {
      if (wire !== WIRE_VARINT) throw r.wrongWire(wire, WIRE_VARINT);
      r.varint64(end);
      vKind = f;
      vLo = r.lo;
      vHi = r.hi;
      vBool = (r.lo | r.hi) !== 0;
    } else if (f === 4) {
      vDouble = r.double(end, wire);
      vKind = KIND_DOUBLE;
    } else {
      // 8 (string_value_strindex) belongs to profiles; like unknown fields it is ignored.
      r.skip(end, wire);
    }
  }
}

/** `Value.AsString()` of the AnyValue in [r.pos, end); `depth` is its nesting level (1 = attribute value). */
export function anyValueText(r: ProtoReader, end: number, depth: number): string {
  scanAnyValue(r, end);
  switch (vKind) {
    case KIND_STRING:
      return textAt(r.buf, r.view, vStart, vEnd);
    case KIND_BOOL:
      return vBool ? 'true' : 'false';
    case KIND_INT:
      return int64Decimal(vLo, vHi);
    case KIND_DOUBLE:
      return goDoubleAsString(vDouble);
    case KIND_BYTES:
      return vStart === vEnd ? '' : r.buf.base64Slice(vStart, vEnd);
    case KIND_ARRAY:
    case KIND_KVLIST:
      return compositeJson(r, end, depth, true);
    default:
      return '';
  }
}

function compositeJson(r: ProtoReader, end: number, depth: number, topLevel: boolean): string {
  const kind = vKind;
  const s = vStart;
  const e = vEnd;
  if (s !== e && depth >= r.maxDepth) {
    r.reject(depthProblem(r.maxDepth));
    r.pos = end;
    return topLevel ? '' : 'null';
  }
  r.pos = s;
  r.path.enter(kind === KIND_ARRAY ? 'array_value' : 'kvlist_value', -1, VALUES_FIELDS);
  const pathDepth = r.path.depth;
  let json: string;
  if (topLevel) {
    try {
      json = kind === KIND_ARRAY ? arrayJson(r, e, depth + 1) : kvlistJson(r, e, depth + 1);
    } catch (err) {
      if (!(err instanceof UnsupportedJsonValue)) throw err;
      // Go's json.Marshal fails on NaN/Inf and AsString() then yields "".
      json = '';
      r.path.depth = pathDepth;
    }
  } else {
    json = kind === KIND_ARRAY ? arrayJson(r, e, depth + 1) : kvlistJson(r, e, depth + 1);
  }
  r.path.leave();
  r.pos = end;
  return json;
}

/** The AnyValue as json.Marshal writes its AsRaw() form. */
function anyValueJson(r: ProtoReader, end: number, depth: number): string {
  scanAnyValue(r, end);
  switch (vKind) {
    case KIND_STRING:
      return goJsonQuote(textAt(r.buf, r.view, vStart, vEnd));
    case KIND_BOOL:
      return vBool ? 'true' : 'false';
    case KIND_INT:
      return int64Decimal(vLo, vHi);
    case KIND_DOUBLE:
      return goJsonNumber(vDouble);
    case KIND_BYTES:
      return '"' + r.buf.base64Slice(vStart, vEnd) + '"';
    case KIND_ARRAY:
    case KIND_KVLIST:
      return compositeJson(r, end, depth, false);
    default:
      return 'null';
  }
}

function arrayJson(r: ProtoReader, end: number, depth: number): string {
  let out = '[';
  let i = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    if (r.field === 1) {
      const e = r.lenEnd(end, wire);
      r.path.enter('values', i, ANY_VALUE_FIELDS);
      const v = anyValueJson(r, e, depth);
      r.path.leave();
      r.pos = e;
      out += i === 0 ? v : ',' + v;
      i++;
    } else {
      r.skip(end, wire);
    }
  }
  return out + ']';
}

function kvlistJson(r: ProtoReader, end: number, depth: number): string {
  const keys: string[] = [];
  const values: string[] = [];
  while (r.pos < end) {
    const wire = r.tag(end);
    if (r.field === 1) {
      const e = r.lenEnd(end, wire);
      r.path.enter('values', keys.length, KEY_VALUE_FIELDS);
      const { keyStart, keyEnd, vs, ve } = scanKeyValue(r, e);
      const key = textAt(r.buf, r.view, keyStart, keyEnd);
      let v = 'null';
      if (vs >= 0) {
        r.pos = vs;
        r.path.enter('value', -1, ANY_VALUE_FIELDS);
        v = anyValueJson(r, ve, depth);
        r.path.leave();
      }
      r.path.leave();
      r.pos = e;
      keys.push(key);
      values.push(v);
    } else {
      r.skip(end, wire);
    }
  }
  return goJsonObject(keys, values);
}

const kvScan = { keyStart: 0, keyEnd: 0, vs: -1, ve: -1 };

/** Bounds of a KeyValue's key and value (the value may precede the key on the wire). */
function scanKeyValue(r: ProtoReader, end: number): typeof kvScan {
  let keyStart = 0;
  let keyEnd = 0;
  let vs = -1;
  let ve = -1;
  while (r.pos < end) {
    const wire = r.tag(end);
    const f = r.field;
    if (f === 1) {
      keyEnd = r.lenEnd(end, wire);
      keyStart = r.pos;
      r.pos = keyEnd;
    } else if (f === 2) {
      ve = r.lenEnd(end, wire);
      vs = r.pos;
      r.pos = ve;
    } else if (f === 3) {
      r.uint32(end, wire);
    } else {
      r.skip(end, wire);
    }
  }
  kvScan.keyStart = keyStart;
  kvScan.keyEnd = keyEnd;
  kvScan.vs = vs;
  kvScan.ve = ve;
  return kvScan;
}

/** Key and AsString value of the last KeyValue read by `appendAttribute(..., capture = true)`. */
export const lastAttribute = { key: '', value: '' };

/**
 * Whole KeyValue messages, by their bytes, → a slot where the caller keeps
 * what it made of them (a Map literal entry): a repeated
 * attribute (same key, same scalar value) then costs one hash and one byte
 * comparison. The slot comes from a hash of the length and a sample of the
 * bytes; a hit is confirmed against the copy kept in `arena`.
 */
class KeyValueBytesCache {
  static readonly SLOTS = 1 << 14;
  private static readonly WIDTH = 128;
  private readonly hashes = new Int32Array(KeyValueBytesCache.SLOTS);
  private readonly lengths = new Int32Array(KeyValueBytesCache.SLOTS).fill(-1);
  private readonly arena = new Uint8Array(KeyValueBytesCache.SLOTS * KeyValueBytesCache.WIDTH);
  private readonly arenaView = new DataView(this.arena.buffer);
  private hash = 0;
  private slot = 0;

  /** Slot of bytes [start, end), or -1; remembers the slot for `claim`. */
  find(buf: Uint8Array, view: DataView, start: number, end: number): number {
    const n = end - start;
    if (n > KeyValueBytesCache.WIDTH) return -1;
    let h = Math.imul(n, 0x9e3779b1);
    const step = n > 16 ? n >> 3 : 1;
    for (let i = start; i < end; i += step) h = Math.imul(h ^ buf[i]!, 16777619);
    if (n > 16) {
      for (let i = end - 4; i < end; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    }
    const slot = (h ^ (h >>> 14)) & (KeyValueBytesCache.SLOTS - 1);
    this.hash = h;
    this.slot = slot;
    if (this.lengths[slot] === n && this.hashes[slot] === h) {
      // Four bytes per step: the comparison is most of a hit's cost.
      const base = slot * KeyValueBytesCache.WIDTH;
      const arena = this.arena;
      const arenaView = this.arenaView;
      let i = 0;
      while (i + 4 <= n && arenaView.getInt32(base + i) === view.getInt32(start + i)) i += 4;
      if (i + 4 <= n) return -1;
      while (i < n && arena[base + i] === buf[start + i]) i++;
      if (i === n) return slot;
    }
    return -1;
  }

  /** Stores bytes [start, end), which the preceding `find` missed; returns their slot, or -1 when too long. */
  claim(buf: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (n > KeyValueBytesCache.WIDTH) return -1;
    const slot = this.slot;
    const base = slot * KeyValueBytesCache.WIDTH;
    const arena = this.arena;
    for (let i = 0; i < n; i++) arena[base + i] = buf[start + i]!;
    this.hashes[slot] = this.hash;
    this.lengths[slot] = n;
    return slot;
  }
}

const entryCache = new KeyValueBytesCache();
const cachedEntries: string[] = new Array<string>(KeyValueBytesCache.SLOTS).fill('');

/**
 * One KeyValue in [r.pos, end) as a Map literal entry `'key':'value'`;
 * `index` is its position, for error paths. String values, by far the most
 * common, go from bytes to their cached quoted form without a detour.
 */
function attributeEntry(r: ProtoReader, end: number, name: string, index: number, capture: boolean): string {
  const start = r.pos;
  if (!capture) {
    const hit = entryCache.find(r.buf, r.view, start, end);
    if (hit >= 0) {
      r.pos = end;
      return cachedEntries[hit]!;
    }
  }
  r.path.enter(name, index, KEY_VALUE_FIELDS);
  const { keyStart, keyEnd, vs, ve } = scanKeyValue(r, end);
  const buf = r.buf;
  let value = "''";
  let text = '';
  let kind = KIND_NONE;
  if (vs >= 0) {
    r.pos = vs;
    r.path.enter('value', -1, ANY_VALUE_FIELDS);
    scanAnyValue(r, ve);
    kind = vKind;
    if (vKind === KIND_STRING && !capture) {
      value = quotedTextAt(buf, r.view, vStart, vEnd);
    } else {
      r.pos = vs;
      text = anyValueText(r, ve, 1);
      value = quoted(text);
    }
    r.path.leave();
  }
  r.path.leave();
  r.pos = end;
  const entry = quotedTextAt(buf, r.view, keyStart, keyEnd) + ':' + value;
  if (capture) {
    lastAttribute.key = textAt(buf, r.view, keyStart, keyEnd);
    lastAttribute.value = text;
  } else if (kind !== KIND_ARRAY && kind !== KIND_KVLIST) {
    // Scalar entries are a pure function of their bytes; composite ones also
    // depend on the depth limit, so they are not cached.
    const slot = entryCache.claim(buf, start, end);
    if (slot >= 0) cachedEntries[slot] = entry;
  }
  return entry;
}

/**
 * Appends the KeyValue field being read (wire type `wire`) to a Native Map
 * column as one entry, straight from its bytes: the key through `keys` (the
 * map's dictionary index cache), a string value copied as it is when it is
 * ASCII (else decoded, so invalid UTF-8 becomes U+FFFD as on the text path),
 * any other value as its `Value.AsString()`. The caller ends the row.
 */
export function appendAttributeTo(r: ProtoReader, end: number, wire: number, name: string, index: number, map: MapColumn, keys: LcIndexCache): void {
  const e = r.lenEnd(end, wire);
  r.path.enter(name, index, KEY_VALUE_FIELDS);
  const { keyStart, keyEnd, vs, ve } = scanKeyValue(r, e);
  const buf = r.buf;
  const values = map.values;
  if (vs < 0) {
    values.push('');
  } else {
    r.pos = vs;
    r.path.enter('value', -1, ANY_VALUE_FIELDS);
    pushAnyValueText(r, ve, values);
    r.path.leave();
  }
  keys.push(buf, r.view, keyStart, keyEnd);
  r.path.leave();
  r.pos = e;
}

/**
 * Appends `Value.AsString()` of the AnyValue in [r.pos, end) (a top-level
 * value: an attribute's or a log body) to a String column: a string value is
 * copied as its bytes when ASCII, else decoded (invalid UTF-8 becomes U+FFFD,
 * as on the text path); any other value as its text.
 */
export function pushAnyValueText(r: ProtoReader, end: number, column: StringColumn): void {
  const start = r.pos;
  scanAnyValue(r, end);
  if (vKind === KIND_STRING) {
    const buf = r.buf;
    let bits = 0;
    for (let i = vStart; i < vEnd; i++) bits |= buf[i]!;
    if (bits < 0x80) column.pushBytes(buf, vStart, vEnd);
    else column.push(buf.utf8Slice(vStart, vEnd));
  } else {
    r.pos = start;
    column.push(anyValueText(r, end, 1));
  }
}

/** Appends the KeyValue field being read (wire type `wire`) to a Map literal body. */
export function appendAttribute(
  r: ProtoReader,
  end: number,
  wire: number,
  name: string,
  index: number,
  body: string,
  capture = false,
): string {
  const e = r.lenEnd(end, wire);
  const entry = attributeEntry(r, e, name, index, capture);
  return body === '' ? entry : body + ',' + entry;
}
