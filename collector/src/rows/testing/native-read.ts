import { quoted, tsvString } from '../tsv.ts';
import { dateTime64Element, dateTime64Text } from '../values.ts';

/**
 * Test-side reader for Native blocks (the types the decoders write), written
 * from ClickHouse's format description independently of the encoder, and a
 * rendering of the rows as the TabSeparated writers would have written them:
 * tests then compare the protobuf decoder's Native output with the JSON
 * decoder's TSV byte for byte.
 */

export interface NativeColumnData {
  name: string;
  type: string;
  values: unknown[];
}

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated varint');
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    const n = this.varint();
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

const inner = (type: string, wrapper: string): string | undefined =>
  type.startsWith(wrapper + '(') && type.endsWith(')') ? type.slice(wrapper.length + 1, -1) : undefined;

const MAP_LC = 'Map(LowCardinality(String), String)';

function readPrefix(type: string, c: Cursor): void {
  if (type === 'LowCardinality(String)') {
    const version = c.u64();
    if (version !== 1n) throw new Error(`LowCardinality keys version ${version}`);
    return;
  }
  if (type === MAP_LC) return readPrefix('LowCardinality(String)', c);
  const element = inner(type, 'Array');
  if (element !== undefined) readPrefix(element, c);
}

function readOffsets(n: number, c: Cursor): number[] {
  const ends: number[] = [];
  for (let i = 0; i < n; i++) ends.push(Number(c.u64()));
  return ends;
}

function split<T>(items: T[], ends: number[]): T[][] {
  let from = 0;
  return ends.map((to) => {
    const part = items.slice(from, to);
    from = to;
    return part;
  });
}

function readData(type: string, n: number, c: Cursor): unknown[] {
  if (type === 'String') return Array.from({ length: n }, () => c.string());
  if (type === 'UInt8') {
    const values = Array.from({ length: n }, (_, i) => String(c.buf.readUInt8(c.pos + i)));
    c.pos += n;
    return values;
  }
  if (type === 'UInt64' || type === 'DateTime64(9)') return Array.from({ length: n }, () => c.u64().toString());
  if (type === 'LowCardinality(String)') {
    if (n === 0) return [];
    const flags = c.u64();
    const width = [1, 2, 4, 8][Number(flags & 0xffn)];
    if (width === undefined) throw new Error(`LowCardinality index type ${flags & 0xffn}`);
    const keys = readData('String', Number(c.u64()), c) as string[];
    const count = Number(c.u64());
    if (count !== n) throw new Error(`LowCardinality has ${count} indexes for ${n} rows`);
    return Array.from({ length: n }, () => {
      const i = width === 8 ? Number(c.buf.readBigUInt64LE(c.pos)) : c.buf.readUIntLE(c.pos, width);
      c.pos += width;
      const key = keys[i];
      if (key === undefined) throw new Error(`LowCardinality index ${i} outside ${keys.length} keys`);
      return key;
    });
  }
  if (type === MAP_LC) {
    const ends = readOffsets(n, c);
    const total = ends[ends.length - 1] ?? 0;
    const keys = readData('LowCardinality(String)', total, c);
    const values = readData('String', total, c);
    return split(keys.map((k, i) => [k, values[i]]), ends);
  }
  const element = inner(type, 'Array');
  if (element !== undefined) {
    const ends = readOffsets(n, c);
    return split(readData(element, ends[ends.length - 1] ?? 0, c), ends);
  }
  throw new Error(`native-read: type ${type} not supported`);
}

/** The blocks in `buf` (concatenated Native blocks), each as its columns. */
export function readNativeBlocks(buf: Buffer): NativeColumnData[][] {
  const c = new Cursor(buf);
  const blocks: NativeColumnData[][] = [];
  while (c.pos < buf.length) {
    const columns = c.varint();
    const rows = c.varint();
    const block: NativeColumnData[] = [];
    for (let i = 0; i < columns; i++) {
      const name = c.string();
      const type = c.string();
      readPrefix(type, c);
      block.push({ name, type, values: readData(type, rows, c) });
    }
    blocks.push(block);
  }
  return blocks;
}

function mapLiteral(pairs: unknown): string {
  return '{' + (pairs as [string, string][]).map(([k, v]) => quoted(k) + ':' + quoted(v)).join(',') + '}';
}

function tsvField(type: string, v: unknown): string {
  switch (type) {
    case 'String':
    case 'LowCardinality(String)':
      return tsvString(v as string);
    case 'UInt8':
    case 'UInt64':
      return v as string; // decimal, as the TSV writers print integers
    case 'DateTime64(9)':
      return dateTime64Text(v as string);
    case MAP_LC:
      return mapLiteral(v);
    case 'Array(DateTime64(9))':
      return '[' + (v as string[]).map(dateTime64Element).join(',') + ']';
    case 'Array(String)':
    case 'Array(LowCardinality(String))':
      return '[' + (v as string[]).map(quoted).join(',') + ']';
    case `Array(${MAP_LC})`:
      return '[' + (v as unknown[]).map(mapLiteral).join(',') + ']';
    default:
      throw new Error(`native-read: no TSV form for ${type}`);
  }
}

/** Native blocks → the TSV lines the TabSeparated writers produce for the same rows (columns must be `columns`). */
export function nativeToTsv(buf: Buffer, columns: readonly string[]): string {
  let out = '';
  for (const block of readNativeBlocks(buf)) {
    const names = block.map((col) => col.name);
    if (names.join() !== columns.join()) throw new Error(`block columns ${names.join()} differ from ${columns.join()}`);
    const rows = block[0]?.values.length ?? 0;
    for (let r = 0; r < rows; r++) out += block.map((col) => tsvField(col.type, col.values[r])).join('\t') + '\n';
  }
  return out;
}
