/**
 * ClickHouse Native *format* blocks (what `file(path, 'Native', structure)`
 * and `INSERT ... FORMAT Native` read), written column by column straight
 * from the span decoder. The engine reads Native without parsing text: a
 * 56k-span batch costs it ~15 ms instead of ~250 ms as TabSeparated.
 *
 * Layout of one block, as chDB 26.x writes it (`SELECT ... FORMAT Native`):
 *   VarUInt #columns, VarUInt #rows, then per column:
 *   String name, String type, and (only when #rows > 0) the column's
 *   serialization state prefix followed by its data.
 * The Native format has no BlockInfo and no per-column custom-serialization
 * flag (those belong to the TCP protocol, keyed on the client revision,
 * which is 0 for the format).
 *
 * Data per type:
 * - String: VarUInt byte length + bytes, per value.
 * - UInt64 / Int64 / DateTime64(9): 8 bytes little endian per value.
 * - UInt8: 1 byte per value.
 * - Array(T): prefix of T; cumulative UInt64 offsets (one per row); then
 *   the data of all elements.
 * - Map(K, V) = Array(Tuple(K, V)): prefix of K (and V); offsets; all keys;
 *   all values.
 * - LowCardinality(String): prefix = UInt64 keys-serialization version 1
 *   (SharedDictionariesWithAdditionalKeys); data = UInt64 index type | flags
 *   (HasAdditionalKeys | NeedUpdateDictionary, as ClickHouse writes for a
 *   block-local dictionary), UInt64 #keys, the keys as a String column,
 *   UInt64 #rows, the indexes as UInt8/16/32 chosen by the dictionary size.
 *   An LC column with no values (nested in arrays that are all empty)
 *   writes nothing after its prefix: ClickHouse's "Do not write anything
 *   for empty column".
 *   The reader does not need '' at index 0 (it re-inserts values through
 *   the dictionary), but ClickHouse's writer always puts the default there;
 *   this one does too, so its bytes equal the engine's own output.
 *
 * Hot path rules: no per-value allocation. Every column appends into one
 * growable buffer (capacity doubles), LowCardinality keeps a per-block
 * Map string→index and a Uint32Array of indexes.
 */

const TWO_32 = 4294967296;

/**
 * Buffer's own UTF-8 encoder without `write`'s argument juggling (~20 %
 * faster per call); `write` where a runtime lacks it.
 */
type Utf8Write = (this: Buffer, s: string, offset: number, length: number) => number;
const nativeUtf8Write = (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write;

/**
 * Encodes s into b at p (capacity for 3 bytes per UTF-16 unit checked by
 * the caller) and returns the bytes written. Short ASCII strings (most keys,
 * methods, kinds) are copied by a loop, which beats the native call below
 * ~16 characters; longer or non-ASCII strings go to the native encoder.
 */
function writeUtf8(b: Buffer, s: string, p: number): number {
  const n = s.length;
  if (n <= 16) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[p + i] = c;
    }
    if (i === n) return n;
  }
  return nativeUtf8Write !== undefined ? nativeUtf8Write.call(b, s, p, b.length - p) : b.write(s, p, 'utf8');
}

/** Growable output buffer. */
export class ByteSink {
  buf: Buffer;
  len = 0;

  constructor(initialBytes = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** Capacity for `extra` more bytes. */
  ensure(extra: number): void {
    const need = this.len + extra;
    if (need > this.buf.length) this.grow(need);
  }

  private grow(need: number): void {
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    if (this.len + 1 > this.buf.length) this.grow(this.len + 1);
    this.buf[this.len++] = v;
  }

  /** Little endian; accepts int32 or uint32 bit patterns. */
  u32(v: number): void {
    if (this.len + 4 > this.buf.length) this.grow(this.len + 4);
    const b = this.buf;
    const p = this.len;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.len = p + 4;
  }

  /** 64-bit little endian from two 32-bit halves (int32 or uint32 bit patterns). */
  u64(lo: number, hi: number): void {
    if (this.len + 8 > this.buf.length) this.grow(this.len + 8);
    const b = this.buf;
    const p = this.len;
    b[p] = lo;
    b[p + 1] = lo >>> 8;
    b[p + 2] = lo >>> 16;
    b[p + 3] = lo >>> 24;
    b[p + 4] = hi;
    b[p + 5] = hi >>> 8;
    b[p + 6] = hi >>> 16;
    b[p + 7] = hi >>> 24;
    this.len = p + 8;
  }

  /** A non-negative safe integer as UInt64 LE. */
  u64n(v: number): void {
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER) || v !== Math.floor(v)) throw new RangeError(`not a non-negative safe integer: ${v}`);
    const lo = v >>> 0; // ToUint32 is v mod 2^32 for any integer below 2^53
    this.u64(lo, (v - lo) / TWO_32);
  }

  /** ClickHouse VarUInt (unsigned LEB128) of a non-negative safe integer. */
  varint(v: number): void {
    if ((v & 0x7f) === v) {
      // One byte: an integer in [0, 127] (the mask also rejects fractions and negatives).
      this.u8(v);
      return;
    }
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER) || v !== Math.floor(v)) throw new RangeError(`not a non-negative safe integer: ${v}`);
    if (this.len + 8 > this.buf.length) this.grow(this.len + 8); // 2^53 needs 8 groups of 7 bits
    const b = this.buf;
    let p = this.len;
    // Above 2^31 the bit operators would truncate: divide instead.
    while (v >= 0x80000000) {
      b[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.len = p;
  }

  /** Raw copy of src[start, end). */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    if (this.len + n > this.buf.length) this.grow(this.len + n);
    const b = this.buf;
    const p = this.len;
    if (n < 16) {
      // Short values: a loop beats the native call overhead.
      for (let i = 0; i < n; i++) b[p + i] = src[start + i] as number;
    } else {
      // Measured on Node 20: the loop costs ~2.5 ns a byte, set() a flat
      // ~50 ns (view included) from 16 to 200+ bytes; Buffer#copy ~65 ns.
      b.set(src.subarray(start, end), p);
    }
    this.len = p + n;
  }

  /** Writes s as UTF-8 (lone surrogates as U+FFFD, like Buffer), returns bytes written; no length prefix. */
  utf8(s: string): number {
    const n = s.length;
    if (this.len + n * 3 > this.buf.length) this.grow(this.len + n * 3);
    const w = writeUtf8(this.buf, s, this.len);
    this.len += w;
    return w;
  }

  /** len = 0, keeps capacity. */
  reset(): void {
    this.len = 0;
  }
}

/** Lowercase hex digit pairs of every byte value, as ASCII codes. */
const HEX = (() => {
  const t = new Uint8Array(512);
  const digits = '0123456789abcdef';
  for (let i = 0; i < 256; i++) {
    t[2 * i] = digits.charCodeAt(i >> 4);
    t[2 * i + 1] = digits.charCodeAt(i & 15);
  }
  return t;
})();

/** String column: per value VarUInt length + bytes. */
export class StringColumn {
  readonly sink: ByteSink;
  rows = 0;

  constructor(initialBytes = 1024) {
    this.sink = new ByteSink(initialBytes);
  }

  push(s: string): void {
    const sink = this.sink;
    const n = s.length;
    // Room for the value (at most 3 bytes per UTF-16 unit) and its VarUInt.
    if (sink.len + n * 3 + 9 > sink.buf.length) sink.ensure(n * 3 + 9);
    const b = sink.buf;
    const p = sink.len;
    // The length is known only after encoding: encode after a one-byte
    // length slot, the common case; a longer value (128+ bytes) moves right
    // to make room for its longer VarUInt (one memmove, no second encoding).
    const w = writeUtf8(b, s, p + 1);
    if (w < 0x80) {
      b[p] = w;
      sink.len = p + 1 + w;
    } else {
      const k = varintSize(w);
      b.copyWithin(p + k, p + 1, p + 1 + w);
      sink.varint(w);
      sink.len = p + k + w;
    }
    this.rows++;
  }

  pushBytes(src: Uint8Array, start: number, end: number): void {
    this.sink.varint(end - start);
    this.sink.bytes(src, start, end);
    this.rows++;
  }

  /** Lowercase hex of src[start, end) as one String value (trace and span ids). */
  pushHex(src: Uint8Array, start: number, end: number): void {
    const n = (end - start) * 2;
    const sink = this.sink;
    sink.varint(n);
    sink.ensure(n);
    const b = sink.buf;
    let p = sink.len;
    for (let i = start; i < end; i++) {
      const h = (src[i] as number) << 1;
      b[p++] = HEX[h] as number;
      b[p++] = HEX[h + 1] as number;
    }
    sink.len = p;
    this.rows++;
  }

  reset(): void {
    this.sink.reset();
    this.rows = 0;
  }
}

/** UInt64 / Int64 / DateTime64(9) column (8 bytes LE per value). */
export class Fixed64Column {
  readonly sink: ByteSink;
  rows = 0;

  constructor(initialRows = 128) {
    this.sink = new ByteSink(initialRows * 8);
  }

  /** The value's two 32-bit halves, as a protobuf fixed64 reads them. */
  push(lo: number, hi: number): void {
    this.sink.u64(lo, hi);
    this.rows++;
  }

  /**
   * A DateTime64(9) from an unsigned 64-bit nanosecond count (protobuf fixed64
   * halves): the column is an Int64, so later times saturate at its maximum
   * (2262-04-11), as the TSV writers do.
   */
  pushDateTime64(lo: number, hi: number): void {
    if (hi > 0x7fffffff) this.sink.u64(0xffffffff, 0x7fffffff);
    else this.sink.u64(lo, hi);
    this.rows++;
  }

  /**
   * `end - start` of two unsigned 64-bit values (fixed64 halves) as a UInt64,
   * clamped at 0: a span that ends before it starts has no meaningful duration.
   */
  pushDifference(startLo: number, startHi: number, endLo: number, endHi: number): void {
    let lo = endLo - startLo;
    let hi = endHi - startHi;
    if (lo < 0) {
      lo += TWO_32;
      hi -= 1;
    }
    if (hi < 0) this.sink.u64(0, 0);
    else this.sink.u64(lo, hi);
    this.rows++;
  }

  /** A non-negative safe integer (durations, counts). */
  pushNumber(v: number): void {
    this.sink.u64n(v);
    this.rows++;
  }

  reset(): void {
    this.sink.reset();
    this.rows = 0;
  }
}

/** UInt8 column (one byte per value): otel_logs' TraceFlags and SeverityNumber. */
export class UInt8Column {
  readonly sink: ByteSink;
  rows = 0;

  constructor(initialRows = 128) {
    this.sink = new ByteSink(initialRows);
  }

  /** The value's low 8 bits (UInt8 wraps, as ClickHouse's own conversion does). */
  push(v: number): void {
    this.sink.u8(v & 0xff);
    this.rows++;
  }

  reset(): void {
    this.sink.reset();
    this.rows = 0;
  }
}

/** LowCardinality(String): a per-block dictionary (string → index) + one index per value. */
export class LowCardinalityColumn {
  /** The dictionary's keys in index order, as a String column (how Native writes them). */
  readonly keys = new StringColumn();
  rows = 0;
  /** Bumped by reset(): indexes from indexOf belong to one generation (block). */
  generation = 0;
  private readonly dict = new Map<string, number>();
  private indexes: Uint32Array;

  constructor(initialRows = 128) {
    this.indexes = new Uint32Array(Math.max(16, initialRows));
    this.seedDefault();
  }

  /** ClickHouse's own writer keeps the type's default at index 0; so does this one (see the file comment). */
  private seedDefault(): void {
    this.dict.set('', 0);
    this.keys.push('');
  }

  push(s: string): void {
    this.pushIndex(this.indexOf(s));
  }

  /** Index of s in this block's dictionary, adding it if new. Valid until reset(). */
  indexOf(s: string): number {
    let i = this.dict.get(s);
    if (i === undefined) {
      i = this.dict.size;
      this.dict.set(s, i);
      this.keys.push(s);
    }
    return i;
  }

  /** Appends a value by its dictionary index (from indexOf since the last reset()). */
  pushIndex(i: number): void {
    if (this.rows === this.indexes.length) {
      const next = new Uint32Array(this.indexes.length * 2);
      next.set(this.indexes);
      this.indexes = next;
    }
    this.indexes[this.rows++] = i;
  }

  /** Distinct values in the dictionary, '' included. */
  get dictionarySize(): number {
    return this.dict.size;
  }

  /**
   * Bytes per index. ClickHouse picks the width by the dictionary size
   * against the type's maximum (UInt8 up to 255 keys, not 256, though index
   * 255 would fit); the same rule keeps these blocks byte-identical to its own.
   */
  indexWidth(): 1 | 2 | 4 {
    const n = this.dict.size;
    return n <= 0xff ? 1 : n <= 0xffff ? 2 : 4;
  }

  /** @internal the indexes pushed so far (a view, not a copy). */
  indexView(): Uint32Array {
    return this.indexes.subarray(0, this.rows);
  }

  reset(): void {
    this.dict.clear();
    this.keys.reset();
    this.rows = 0;
    this.generation++;
    this.seedDefault();
  }
}

/** Cumulative element counts, one UInt64 per row, written as rows end. */
class Offsets {
  readonly sink: ByteSink;
  rows = 0;
  last = 0;

  constructor(initialRows: number) {
    this.sink = new ByteSink(initialRows * 8);
  }

  end(total: number): void {
    // Offsets stay far below 2^32 in one block; the general path is for completeness.
    if (total < TWO_32) this.sink.u64(total, 0);
    else this.sink.u64n(total);
    this.last = total;
    this.rows++;
  }

  reset(): void {
    this.sink.reset();
    this.rows = 0;
    this.last = 0;
  }
}

/** Array(T) around any element column. */
export class ArrayColumn<T extends NativeColumn> {
  readonly elements: T;
  private readonly offsets = new Offsets(128);

  constructor(elements: T) {
    this.elements = elements;
  }

  get rows(): number {
    return this.offsets.rows;
  }

  /** Ends the current row: the elements pushed since the previous endRow belong to it. */
  endRow(): void {
    this.offsets.end(this.elements.rows);
  }

  /** @internal */
  offsetsSink(): ByteSink {
    return this.offsets.sink;
  }

  /** @internal elements pushed after the last endRow (must be 0 to serialize). */
  pendingElements(): number {
    return this.elements.rows - this.offsets.last;
  }

  reset(): void {
    this.offsets.reset();
    this.elements.reset();
  }
}

/**
 * One map value encoded once for a MapColumn's current block: its keys as
 * dictionary indexes, its values as serialized String data. Resource and
 * scope attributes repeat on every span of a resource; appending them with
 * pushEncodedRow costs a few copies instead of a dictionary lookup and a
 * UTF-8 encoding per entry and span.
 */
export class EncodedMapRow {
  constructor(
    /** The owning column's key dictionary generation; a row is void after that column's reset(). */
    readonly generation: number,
    readonly keyIndexes: Uint32Array,
    /** The values as a String column would hold them (VarUInt length + bytes each). */
    readonly values: Buffer,
  ) {}

  get size(): number {
    return this.keyIndexes.length;
  }
}

/** Map(LowCardinality(String), String), which Native writes as Array(Tuple(LowCardinality(String), String)). */
export class MapColumn {
  readonly keys = new LowCardinalityColumn(1024);
  readonly values = new StringColumn(4096);
  private readonly offsets = new Offsets(128);

  /**
   * Encodes a map value for repeated use in this block (see EncodedMapRow);
   * appends nothing. Valid until reset().
   */
  encodeRow(entries: Iterable<readonly [string, string]>): EncodedMapRow {
    const idx: number[] = [];
    const values = new StringColumn(256);
    for (const [k, v] of entries) {
      idx.push(this.keys.indexOf(k));
      values.push(v);
    }
    return new EncodedMapRow(this.keys.generation, Uint32Array.from(idx), Buffer.from(values.sink.buf.subarray(0, values.sink.len)));
  }

  /** Appends a map value made by encodeRow since the last reset(), as one row (endRow included). */
  pushEncodedRow(row: EncodedMapRow): void {
    if (row.generation !== this.keys.generation) throw new Error('EncodedMapRow from before the last reset() of its column');
    const idx = row.keyIndexes;
    for (let i = 0; i < idx.length; i++) this.keys.pushIndex(idx[i] as number);
    const values = this.values;
    values.sink.bytes(row.values, 0, row.values.length);
    values.rows += idx.length;
    this.endRow();
  }

  get rows(): number {
    return this.offsets.rows;
  }

  /** Push keys/values directly into .keys/.values, then endRow() once per map value. */
  endRow(): void {
    this.offsets.end(this.keys.rows);
  }

  /** @internal */
  offsetsSink(): ByteSink {
    return this.offsets.sink;
  }

  /** @internal entries pushed after the last endRow (must be 0 to serialize). */
  pendingElements(): number {
    return this.keys.rows - this.offsets.last;
  }

  reset(): void {
    this.offsets.reset();
    this.keys.reset();
    this.values.reset();
  }
}

export type NativeColumn = StringColumn | Fixed64Column | UInt8Column | LowCardinalityColumn | ArrayColumn<NativeColumn> | MapColumn;

export interface NativeColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly column: NativeColumn;
}

const KEYS_VERSION_SHARED_WITH_ADDITIONAL_KEYS = 1;
/** IndexesSerializationType flags: HasAdditionalKeysBit (1 << 9) | NeedUpdateDictionary (1 << 10). */
const LC_FLAGS = (1 << 9) | (1 << 10);
/** Index type codes in the low byte: UInt8 = 0, UInt16 = 1, UInt32 = 2. */
const LC_INDEX_TYPE: Readonly<Record<1 | 2 | 4, number>> = { 1: 0, 2: 1, 4: 2 };

/** Checks that `type` is a ClickHouse type this column class serializes (ignoring spaces). */
function assertType(name: string, type: string, column: NativeColumn): void {
  const t = type.replace(/\s+/g, '');
  const ok = (c: NativeColumn, t: string): boolean => {
    if (c instanceof StringColumn) return t === 'String';
    if (c instanceof Fixed64Column) return t === 'UInt64' || t === 'Int64' || /^DateTime64\(9(,'[^']*')?\)$/.test(t);
    if (c instanceof UInt8Column) return t === 'UInt8';
    if (c instanceof LowCardinalityColumn) return t === 'LowCardinality(String)';
    if (c instanceof MapColumn) return t === 'Map(LowCardinality(String),String)';
    return t.startsWith('Array(') && t.endsWith(')') && ok(c.elements, t.slice(6, -1));
  };
  if (!ok(column, t)) throw new TypeError(`column ${name}: type ${type} does not match its ${column.constructor.name}`);
}

/** Bytes of the serialization state prefix (one keys version per LowCardinality inside). */
function prefixSize(c: NativeColumn): number {
  if (c instanceof LowCardinalityColumn) return 8;
  if (c instanceof MapColumn) return 8;
  if (c instanceof ArrayColumn) return prefixSize(c.elements);
  return 0;
}

function dataSize(c: NativeColumn): number {
  if (c instanceof StringColumn || c instanceof Fixed64Column || c instanceof UInt8Column) return c.sink.len;
  if (c instanceof LowCardinalityColumn) return c.rows === 0 ? 0 : 24 + c.keys.sink.len + c.rows * c.indexWidth();
  if (c instanceof MapColumn) return c.offsetsSink().len + dataSize(c.keys) + dataSize(c.values);
  return c.offsetsSink().len + dataSize(c.elements);
}

function writePrefix(out: ByteSink, c: NativeColumn): void {
  if (c instanceof LowCardinalityColumn) out.u64(KEYS_VERSION_SHARED_WITH_ADDITIONAL_KEYS, 0);
  else if (c instanceof MapColumn) writePrefix(out, c.keys);
  else if (c instanceof ArrayColumn) writePrefix(out, c.elements);
}

function copySink(out: ByteSink, s: ByteSink): void {
  out.bytes(s.buf, 0, s.len);
}

function writeData(out: ByteSink, c: NativeColumn, path: string): void {
  if (c instanceof StringColumn || c instanceof Fixed64Column || c instanceof UInt8Column) {
    copySink(out, c.sink);
  } else if (c instanceof LowCardinalityColumn) {
    if (c.rows === 0) return; // ClickHouse: "Do not write anything for empty column"
    const width = c.indexWidth();
    out.u64(LC_FLAGS | LC_INDEX_TYPE[width], 0);
    out.u64n(c.dictionarySize);
    copySink(out, c.keys.sink);
    out.u64n(c.rows);
    const idx = c.indexView();
    const n = idx.length;
    out.ensure(n * width);
    const b = out.buf;
    let p = out.len;
    if (width === 1) {
      for (let i = 0; i < n; i++) b[p++] = idx[i] as number;
    } else if (width === 2) {
      for (let i = 0; i < n; i++) {
        const v = idx[i] as number;
        b[p++] = v;
        b[p++] = v >>> 8;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = idx[i] as number;
        b[p++] = v;
        b[p++] = v >>> 8;
        b[p++] = v >>> 16;
        b[p++] = v >>> 24;
      }
    }
    out.len = p;
  } else if (c instanceof MapColumn) {
    if (c.pendingElements() !== 0) throw new Error(`column ${path}: ${c.pendingElements()} map entries pushed after the last endRow()`);
    if (c.values.rows !== c.keys.rows) throw new Error(`column ${path}: ${c.keys.rows} map keys but ${c.values.rows} values`);
    copySink(out, c.offsetsSink());
    writeData(out, c.keys, path);
    writeData(out, c.values, path);
  } else {
    if (c.pendingElements() !== 0) throw new Error(`column ${path}: ${c.pendingElements()} array elements pushed after the last endRow()`);
    copySink(out, c.offsetsSink());
    writeData(out, c.elements, path);
  }
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** One Native block: columns in order, with their ClickHouse names and types. */
export class NativeBlock {
  readonly columns: readonly NativeColumnSpec[];
  /** Each column's name and type, already serialized (they repeat in every block). */
  private readonly headers: readonly Buffer[];

  constructor(columns: readonly NativeColumnSpec[]) {
    if (columns.length === 0) throw new Error('a Native block needs at least one column');
    const headers: Buffer[] = [];
    for (const { name, type, column } of columns) {
      assertType(name, type, column);
      const h = new ByteSink(64);
      for (const s of [name, type]) {
        h.varint(Buffer.byteLength(s, 'utf8'));
        h.utf8(s);
      }
      headers.push(Buffer.from(h.buf.subarray(0, h.len)));
    }
    this.columns = columns;
    this.headers = headers;
  }

  /** Rows of the first column; serialize() throws if any column disagrees. */
  get rows(): number {
    return (this.columns[0] as NativeColumnSpec).column.rows;
  }

  /** The `structure` argument of `file(path, 'Native', structure)` for these columns. */
  structure(): string {
    return this.columns.map((c) => `\`${c.name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\` ${c.type}`).join(', ');
  }

  /**
   * The complete block: header (VarUInt #columns, VarUInt #rows), then per
   * column: name, type, and (when there are rows) state prefix + data. A
   * fresh Buffer of exactly the block's size, so it stays valid after
   * reset() and the next block.
   */
  serialize(): Buffer {
    const rows = this.rows;
    let size = varintSize(this.columns.length) + varintSize(rows);
    for (let i = 0; i < this.columns.length; i++) {
      const { name, column } = this.columns[i] as NativeColumnSpec;
      if (column.rows !== rows) throw new Error(`column ${name} has ${column.rows} rows, the block ${rows}`);
      size += (this.headers[i] as Buffer).length;
      if (rows > 0) size += prefixSize(column) + dataSize(column);
    }
    const out = new ByteSink(size);
    out.varint(this.columns.length);
    out.varint(rows);
    for (let i = 0; i < this.columns.length; i++) {
      const { name, column } = this.columns[i] as NativeColumnSpec;
      const h = this.headers[i] as Buffer;
      out.bytes(h, 0, h.length);
      // Native writes no data at all for a block of zero rows, prefixes included.
      if (rows === 0) continue;
      writePrefix(out, column);
      writeData(out, column, name);
    }
    if (out.len !== size) throw new Error(`Native block: wrote ${out.len} bytes, sized ${size}`);
    return out.buf.length === size ? out.buf : out.buf.subarray(0, size);
  }

  /** Empties every column for the next block, keeping their buffers' capacity. */
  reset(): void {
    for (const { column } of this.columns) column.reset();
  }
}

/**
 * A block with the columns `names`, in that order (a table's insert column
 * list), each taken by name from `columns` with its type from `types`.
 */
export function namedColumnsBlock<C extends object>(table: string, names: readonly string[], columns: C, types: Readonly<Record<keyof C, string>>): NativeBlock {
  const byName = columns as unknown as Readonly<Record<string, NativeColumn>>;
  const typeOf = types as Readonly<Record<string, string>>;
  return new NativeBlock(
    names.map((name) => {
      const column = byName[name];
      const type = typeOf[name];
      if (column === undefined || type === undefined) throw new Error(`${table} column ${name} has no Native builder`);
      return { name, type, column };
    }),
  );
}
