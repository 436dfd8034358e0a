import fc from 'fast-check';
/**
 * The Native block encoder: byte-level unit checks, then real chDB: blocks
 * equal the engine's own `FORMAT Native` bytes, every type round-trips
 * through `file(path, 'Native', structure)` with its edge cases, blocks
 * concatenate, and an otel_traces row inserted as Native reads back equal to
 * the same row inserted as TSV.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { openStorage, type Storage } from '@ppo/storage';
import { spanTsvRow, type SpanRowInput } from '../../../analyzer/src/queries/testing/span-tsv.ts';
import { TABLE_COLUMNS } from './columns.ts';
import { logRow, logScopeColumns } from './log-row.ts';
import {
  ArrayColumn,
  ByteSink,
  Fixed64Column,
  LowCardinalityColumn,
  MapColumn,
  NativeBlock,
  StringColumn,
  UInt8Column,
} from './native-block.ts';
import { createOtelLogsBlock, OTEL_LOGS_NATIVE_TYPES } from './native-logs.ts';
import { createOtelTracesBlock, OTEL_TRACES_NATIVE_TYPES } from './native-traces.ts';
import { quoted, tsvString } from './tsv.ts';

const MAP_TYPE = 'Map(LowCardinality(String), String)';
const lo = (v: bigint): number => Number(v & 0xffffffffn);
const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
const hexOf = (s: string | Uint8Array): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s)).toString('hex').toUpperCase();
const bytesOf = (sink: ByteSink): string => sink.buf.subarray(0, sink.len).toString('hex');

describe('ByteSink', () => {
  it('writes VarUInt as unsigned LEB128 up to 2^53 - 1', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [1, '01'],
      [127, '7f'],
      [128, '8001'],
      [300, 'ac02'],
      [16383, 'ff7f'],
      [16384, '808001'],
      [2 ** 31 - 1, 'ffffffff07'],
      [2 ** 31, '8080808008'],
      [2 ** 32, '8080808010'],
      [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f'],
    ];
    for (const [v, hex] of cases) {
      const s = new ByteSink(16);
      s.varint(v);
      expect(bytesOf(s), String(v)).toBe(hex);
    }
    expect(() => new ByteSink().varint(-1)).toThrow(RangeError);
    expect(() => new ByteSink().varint(1.5)).toThrow(RangeError);
  });

  it('writes little-endian integers from halves and from safe numbers', () => {
    const s = new ByteSink(16);
    s.u8(0xab);
    s.u32(0x01020304);
    s.u32(-1); // int32 bit pattern of 0xffffffff
    s.u64(0x05060708, 0x01020304);
    s.u64n(Number.MAX_SAFE_INTEGER);
    s.u64n(2 ** 32 + 5);
    expect(bytesOf(s)).toBe('ab' + '04030201' + 'ffffffff' + '0807060504030201' + 'ffffffffffff1f00' + '0500000001000000');
    expect(() => s.u64n(-1)).toThrow(RangeError);
    expect(() => s.u64n(2 ** 53)).toThrow(RangeError);
  });

  it('grows by doubling without losing what it holds, and reset keeps the capacity', () => {
    const s = new ByteSink(16);
    const expected: number[] = [];
    for (let i = 0; i < 5000; i++) {
      s.u8(i & 0xff);
      expected.push(i & 0xff);
    }
    expect(s.len).toBe(5000);
    expect([...s.buf.subarray(0, s.len)]).toEqual(expected);
    expect(s.buf.length).toBe(16 * 2 ** 9); // 8192: doublings only
    const cap = s.buf.length;
    s.reset();
    expect(s.len).toBe(0);
    expect(s.buf.length).toBe(cap);
  });

  it('copies byte ranges short and long', () => {
    const src = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    const s = new ByteSink(16);
    s.bytes(src, 3, 10);
    s.bytes(src, 10, 300);
    s.bytes(src, 5, 5);
    expect(Buffer.from(s.buf.subarray(0, s.len)).equals(Buffer.from(src.subarray(3, 300)))).toBe(true);
  });

  it('encodes UTF-8 exactly as Buffer does, ASCII fast path or not', () => {
    const samples = ['', 'abc', 'héllo', '日本語', '🚀', 'a'.repeat(64), 'a'.repeat(65) + 'é', '\ud800 lone', 'x\u0000y', 'é'.repeat(500)];
    for (const str of samples) {
      const s = new ByteSink(16);
      const w = s.utf8(str);
      expect(w).toBe(Buffer.byteLength(str));
      expect(bytesOf(s)).toBe(Buffer.from(str, 'utf8').toString('hex'));
    }
  });
});

describe('columns', () => {
  /** What ClickHouse writes for one String value: VarUInt length + bytes. */
  const stringValue = (b: Buffer): string => {
    const s = new ByteSink(16);
    s.varint(b.length);
    return bytesOf(s) + b.toString('hex');
  };

  it('StringColumn prefixes each value with its UTF-8 byte length, across the 1-byte length boundary', () => {
    // 42 UTF-16 units reserve one length byte; 'é' x 64 is 128 bytes (2-byte VarUInt).
    const values = ['', 'a'.repeat(42), 'é'.repeat(42), 'a'.repeat(43), 'é'.repeat(63), 'é'.repeat(64), '🚀'.repeat(21), '🚀'.repeat(22), 'x'.repeat(70_000)];
    const c = new StringColumn(16);
    for (const v of values) c.push(v);
    expect(c.rows).toBe(values.length);
    expect(bytesOf(c.sink)).toBe(values.map((v) => stringValue(Buffer.from(v, 'utf8'))).join(''));
  });

  it('StringColumn.pushBytes and pushHex', () => {
    const src = Uint8Array.from([0x00, 0xff, 0x10, 0xab, 0xcd, 0xef, 0x01, 0x23]);
    const c = new StringColumn(16);
    c.pushBytes(src, 1, 4);
    c.pushHex(src, 0, 8);
    c.pushHex(src, 2, 2);
    expect(bytesOf(c.sink)).toBe(stringValue(Buffer.from([0xff, 0x10, 0xab])) + stringValue(Buffer.from('00ff10abcdef0123', 'latin1')) + '00');
    expect(c.rows).toBe(3);
  });

  it('Fixed64Column.pushDateTime64 keeps times up to the Int64 maximum and saturates later ones there', () => {
    const c = new Fixed64Column(1);
    c.pushDateTime64(0x075bcd15, 0x17b2f2a0); // 1,708,000,000,123,456,789 ns: a 2024 time, unchanged
    c.pushDateTime64(0xffffffff, 0x7fffffff); // 2^63 - 1: the last representable nanosecond
    c.pushDateTime64(0, 0x80000000); // 2^63
    c.pushDateTime64(0xffffffff, 0xffffffff); // 2^64 - 1
    expect(c.rows).toBe(4);
    const values = Array.from({ length: 4 }, (_, i) => c.sink.buf.readBigInt64LE(i * 8));
    expect(values).toEqual([0x17b2f2a0075bcd15n, 2n ** 63n - 1n, 2n ** 63n - 1n, 2n ** 63n - 1n]);
  });

  it('Fixed64Column.pushDifference writes end - start of any two uint64, clamped at zero', () => {
    const halves = (v: bigint): [number, number] => [Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn)];
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (a, b) => {
        const c = new Fixed64Column(1);
        c.pushDifference(...halves(a), ...halves(b));
        expect(c.sink.buf.readBigUInt64LE(0)).toBe(b > a ? b - a : 0n);
      }),
      { numRuns: 2000 },
    );
  });

  it('UInt8Column writes one byte per value, keeping the low 8 bits', () => {
    const c = new UInt8Column(1);
    for (const v of [0, 1, 127, 128, 255, 256, 0x1ff, 17]) c.push(v);
    expect(bytesOf(c.sink)).toBe('00017f80ff00ff11');
    expect(c.rows).toBe(8);
    c.reset();
    expect(c.rows).toBe(0);
    expect(c.sink.len).toBe(0);
  });

  it('LowCardinalityColumn keeps one index per distinct value, with the default at 0', () => {
    const c = new LowCardinalityColumn();
    for (const v of ['b', 'a', 'b', '', 'c', 'a']) c.push(v);
    expect([...c.indexView()]).toEqual([1, 2, 1, 0, 3, 2]);
    expect(c.indexOf('a')).toBe(2);
    c.pushIndex(c.indexOf('d'));
    expect(c.dictionarySize).toBe(5);
    expect(bytesOf(c.keys.sink)).toBe(['', 'b', 'a', 'c', 'd'].map((v) => stringValue(Buffer.from(v))).join(''));
    c.reset();
    expect(c.rows).toBe(0);
    expect(c.dictionarySize).toBe(1);
    expect(c.indexOf('z')).toBe(1);
  });

  it('LowCardinality index width follows the dictionary size, default included', () => {
    const c = new LowCardinalityColumn();
    for (let i = 1; i < 255; i++) c.push(`v${i}`);
    expect(c.dictionarySize).toBe(255);
    expect(c.indexWidth()).toBe(1);
    c.push('one more');
    expect(c.indexWidth()).toBe(2);
    for (let i = 0; i < 65_279; i++) c.indexOf(`w${i}`);
    expect(c.dictionarySize).toBe(65_535);
    expect(c.indexWidth()).toBe(2);
    c.indexOf('over');
    expect(c.indexWidth()).toBe(4);
  });

  it('MapColumn.pushEncodedRow appends exactly what pushing the entries one by one does', () => {
    const resource: [string, string][] = [['service.name', 'checkout'], ['host.name', 'h-1'], ['note', 'é'.repeat(80)]];
    const expected = new MapColumn();
    const cached = new MapColumn();
    const row = cached.encodeRow(resource);
    expect(row.size).toBe(3);
    for (let span = 0; span < 3; span++) {
      for (const [k, v] of resource) (expected.keys.push(k), expected.values.push(v));
      expected.endRow();
      cached.pushEncodedRow(row);
      // Rows pushed entry by entry mix with cached rows in one block.
      for (const m of [expected, cached]) (m.keys.push('span.attr'), m.values.push(String(span)), m.endRow());
    }
    const bytes = (m: MapColumn) => new NativeBlock([{ name: 'm', type: MAP_TYPE, column: m }]).serialize().toString('hex');
    expect(bytes(cached)).toBe(bytes(expected));
    cached.reset();
    expect(() => cached.pushEncodedRow(row)).toThrow(/before the last reset/);
  });

  it('NativeBlock refuses mismatched row counts, unterminated arrays and wrong types', () => {
    const a = new StringColumn();
    const b = new Fixed64Column();
    a.push('x');
    const block = new NativeBlock([
      { name: 'a', type: 'String', column: a },
      { name: 'b', type: 'UInt64', column: b },
    ]);
    expect(() => block.serialize()).toThrow(/column b has 0 rows/);
    const arr = new ArrayColumn(new StringColumn());
    arr.elements.push('x');
    arr.endRow();
    arr.elements.push('dangling');
    expect(() => new NativeBlock([{ name: 'arr', type: 'Array(String)', column: arr }]).serialize()).toThrow(/after the last endRow/);
    const m = new MapColumn();
    m.keys.push('k');
    m.endRow();
    expect(() => new NativeBlock([{ name: 'm', type: MAP_TYPE, column: m }]).serialize()).toThrow(/1 map keys but 0 values/);
    expect(() => new NativeBlock([{ name: 'a', type: 'LowCardinality(String)', column: a }])).toThrow(TypeError);
    expect(() => new NativeBlock([{ name: 'arr', type: 'Array(UInt64)', column: arr }])).toThrow(TypeError);
    expect(() => new NativeBlock([{ name: 'u8', type: 'UInt64', column: new UInt8Column() }])).toThrow(TypeError);
    expect(() => new NativeBlock([{ name: 'u64', type: 'UInt8', column: new Fixed64Column() }])).toThrow(TypeError);
    expect(new NativeBlock([{ name: 'm', type: 'Map(LowCardinality(String),String)', column: new MapColumn() }]).rows).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// Real chDB: one storage for this file.

const dir = mkdtempSync(join(tmpdir(), 'ppo-native-block-'));
let storage: Storage;
let fileSeq = 0;

beforeAll(async () => {
  storage = openStorage({ dataDir: join(dir, 'data') });
  await migrate(storage.client, { retentionDays: 0 });
});

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows<T = Record<string, unknown>>(query: string): Promise<T[]> {
  const r = await storage.client.query({ query, format: 'JSONEachRow' });
  return r.json<T>();
}

function writeBlocks(...blocks: Buffer[]): string {
  const path = join(dir, `b${++fileSeq}.native`);
  writeFileSync(path, Buffer.concat(blocks));
  return path;
}

/** A single-quoted SQL string literal (test inputs only). */
const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** What the engine itself writes as Native for a query. */
async function engineNative(query: string): Promise<Buffer> {
  const path = join(dir, `engine${++fileSeq}.native`);
  await storage.client.command({ query: `${query} INTO OUTFILE ${lit(path)} FORMAT Native` });
  return readFileSync(path);
}

describe('Native blocks against chDB', () => {
  it('are byte for byte what chDB writes, nested LowCardinality and empty maps/arrays included', async () => {
    type Row = { s: string; lc: string; m: [string, string][]; alc: string[]; am: [string, string][][]; astr: string[]; ts: bigint; ats: bigint[]; u: bigint };
    const data: Row[] = [
      { s: 'ab', lc: 'x', m: [['k', 'v'], ['k2', '']], alc: ['e1', 'e2'], am: [[['a', 'b']], []], astr: ['p', ''], ts: 1n, ats: [5n, 6n], u: 7n },
      { s: '', lc: '', m: [], alc: [], am: [], astr: [], ts: 0n, ats: [], u: 0n },
      { s: 'héllo', lc: 'y', m: [['k', 'w']], alc: ['e2'], am: [[], [['z', '1'], ['a', '2']]], astr: ['q'], ts: 1_767_225_600_123_456_789n, ats: [1n], u: 2n ** 64n - 1n },
    ];
    const s = new StringColumn();
    const lc = new LowCardinalityColumn();
    const m = new MapColumn();
    const alc = new ArrayColumn(new LowCardinalityColumn());
    const am = new ArrayColumn(new MapColumn());
    const astr = new ArrayColumn(new StringColumn());
    const ts = new Fixed64Column();
    const ats = new ArrayColumn(new Fixed64Column());
    const u = new Fixed64Column();
    const block = new NativeBlock([
      { name: 's', type: 'String', column: s },
      { name: 'lc', type: 'LowCardinality(String)', column: lc },
      { name: 'm', type: MAP_TYPE, column: m },
      { name: 'alc', type: 'Array(LowCardinality(String))', column: alc },
      { name: 'am', type: `Array(${MAP_TYPE})`, column: am },
      { name: 'astr', type: 'Array(String)', column: astr },
      { name: 'ts', type: 'DateTime64(9)', column: ts },
      { name: 'ats', type: 'Array(DateTime64(9))', column: ats },
      { name: 'u', type: 'UInt64', column: u },
    ]);
    // One block per row: the engine writes a UNION ALL branch per block.
    const ours: Buffer[] = [];
    for (const r of data) {
      s.push(r.s);
      lc.push(r.lc);
      for (const [k, v] of r.m) (m.keys.push(k), m.values.push(v));
      m.endRow();
      for (const e of r.alc) alc.elements.push(e);
      alc.endRow();
      for (const one of r.am) {
        for (const [k, v] of one) (am.elements.keys.push(k), am.elements.values.push(v));
        am.elements.endRow();
      }
      am.endRow();
      for (const e of r.astr) astr.elements.push(e);
      astr.endRow();
      ts.push(lo(r.ts), hi(r.ts));
      for (const t of r.ats) ats.elements.push(lo(t), hi(t));
      ats.endRow();
      u.push(lo(r.u), hi(r.u));
      ours.push(block.serialize());
      block.reset();
    }
    const mapLit = (kv: [string, string][]): string => `map(${kv.flatMap(([k, v]) => [lit(k), lit(v)]).join(', ')})`;
    const select = data
      .map(
        (r) =>
          `SELECT ${lit(r.s)} AS s, toLowCardinality(${lit(r.lc)}) AS lc, CAST(${mapLit(r.m)} AS ${MAP_TYPE}) AS m, ` +
          `CAST([${r.alc.map(lit).join(', ')}] AS Array(LowCardinality(String))) AS alc, ` +
          `CAST([${r.am.map(mapLit).join(', ')}] AS Array(${MAP_TYPE})) AS am, CAST([${r.astr.map(lit).join(', ')}] AS Array(String)) AS astr, ` +
          `fromUnixTimestamp64Nano(toInt64(${r.ts})) AS ts, CAST([${r.ats.map((t) => `fromUnixTimestamp64Nano(toInt64(${t}))`).join(', ')}] AS Array(DateTime64(9))) AS ats, ` +
          `toUInt64(${r.u}) AS u`,
      )
      .join(' UNION ALL ');
    const engine = await engineNative(`SELECT * FROM (${select}) SETTINGS max_threads = 1`);
    expect(Buffer.concat(ours).toString('hex')).toBe(engine.toString('hex'));
  });

  it('UInt8 columns are byte for byte what chDB writes', async () => {
    const values = [0, 1, 9, 127, 128, 200, 255];
    const u = new UInt8Column();
    const s = new StringColumn();
    for (const v of values) (u.push(v), s.push(String(v)));
    const ours = new NativeBlock([
      { name: 'u', type: 'UInt8', column: u },
      { name: 's', type: 'String', column: s },
    ]).serialize();
    const engine = await engineNative(
      `SELECT toUInt8(v) AS u, toString(v) AS s FROM (SELECT arrayJoin([${values.join(', ')}]) AS v) SETTINGS max_threads = 1`,
    );
    expect(ours.toString('hex')).toBe(engine.toString('hex'));
  });

  it('choose the LowCardinality index width where chDB does (254/255 and 65534/65535 distinct values besides the default)', async () => {
    for (const n of [254, 255, 65_534, 65_535]) {
      const lc = new LowCardinalityColumn();
      for (let i = 0; i < n; i++) lc.push(String(i));
      const ours = new NativeBlock([{ name: 'v', type: 'LowCardinality(String)', column: lc }]).serialize();
      const engine = await engineNative(`SELECT toLowCardinality(toString(number)) AS v FROM numbers(${n}) SETTINGS max_block_size = 100000, max_threads = 1`);
      expect(ours.equals(engine), `n = ${n}`).toBe(true);
    }
  });

  it('round-trip every type with its edge cases through file(Native)', async () => {
    const strings = [
      '',
      'plain',
      'héllo wörld ✓ 日本語 🚀',
      'tab\there',
      'new\nline\r\n',
      "quote' and \"double\"",
      'back\\slash\\',
      'nul\u0000byte',
      '\ud800 lone surrogate',
      'é'.repeat(43),
      'a'.repeat(300),
    ];
    interface Row {
      ts: bigint;
      u: bigint;
      s: string;
      raw: Uint8Array;
      id: Uint8Array;
      lc: string;
      m: [string, string][];
      ats: bigint[];
      alc: string[];
      am: [string, string][][];
      astr: string[];
    }
    const tsEdges = [0n, 1n, 1_767_225_600_000_000_000n, 2n ** 63n - 1n]; // 1970 .. 2262-04-11T23:47:16.854775807
    const uEdges = [0n, 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    const data: Row[] = strings.map((str, i) => ({
      ts: tsEdges[i % tsEdges.length] as bigint,
      u: uEdges[i % uEdges.length] as bigint,
      s: str,
      raw: Uint8Array.from([0xff, 0x00, 0x80, i]), // not UTF-8: pushBytes keeps bytes as they are
      id: Uint8Array.from({ length: i % 2 === 0 ? 16 : 8 }, (_, j) => (i * 31 + j * 17) & 0xff),
      lc: strings[(i * 3) % strings.length] as string,
      m: i % 3 === 0 ? [] : [[`k${i % 2}`, str], [strings[(i + 1) % strings.length] as string, strings[(i + 2) % strings.length] as string], ['service.name', `svc-${i}`]],
      ats: i % 4 === 0 ? [] : tsEdges.slice(0, i % 4),
      alc: i % 2 === 0 ? [] : [str, 'event', str],
      am: i % 5 === 0 ? [] : [[], [['attr', str]], i % 2 === 0 ? [] : [['n', String(i)], ['', '']]],
      astr: i % 3 === 1 ? [] : [str, ''],
    }));
    const c = {
      seq: new Fixed64Column(),
      ts: new Fixed64Column(),
      u: new Fixed64Column(),
      s: new StringColumn(),
      raw: new StringColumn(),
      id: new StringColumn(),
      lc: new LowCardinalityColumn(),
      m: new MapColumn(),
      ats: new ArrayColumn(new Fixed64Column()),
      alc: new ArrayColumn(new LowCardinalityColumn()),
      am: new ArrayColumn(new MapColumn()),
      astr: new ArrayColumn(new StringColumn()),
      // Every array of this column is empty: its LowCardinality writes nothing after the prefix.
      empty: new ArrayColumn(new LowCardinalityColumn()),
      emptyMaps: new ArrayColumn(new MapColumn()),
    };
    const block = new NativeBlock([
      { name: 'seq', type: 'UInt64', column: c.seq },
      { name: 'ts', type: 'DateTime64(9)', column: c.ts },
      { name: 'u', type: 'UInt64', column: c.u },
      { name: 's', type: 'String', column: c.s },
      { name: 'raw', type: 'String', column: c.raw },
      { name: 'id', type: 'String', column: c.id },
      { name: 'lc', type: 'LowCardinality(String)', column: c.lc },
      { name: 'm', type: MAP_TYPE, column: c.m },
      { name: 'ats', type: 'Array(DateTime64(9))', column: c.ats },
      { name: 'alc', type: 'Array(LowCardinality(String))', column: c.alc },
      { name: 'am', type: `Array(${MAP_TYPE})`, column: c.am },
      { name: 'astr', type: 'Array(String)', column: c.astr },
      { name: 'empty', type: 'Array(LowCardinality(String))', column: c.empty },
      { name: 'emptyMaps', type: `Array(${MAP_TYPE})`, column: c.emptyMaps },
    ]);
    const push = (r: Row, seq: number): void => {
      c.seq.pushNumber(seq);
      c.ts.push(lo(r.ts), hi(r.ts));
      c.u.push(lo(r.u), hi(r.u));
      c.s.push(r.s);
      c.raw.pushBytes(r.raw, 0, r.raw.length);
      c.id.pushHex(r.id, 0, r.id.length);
      c.lc.push(r.lc);
      for (const [k, v] of r.m) (c.m.keys.push(k), c.m.values.push(v));
      c.m.endRow();
      for (const t of r.ats) c.ats.elements.push(lo(t), hi(t));
      c.ats.endRow();
      for (const e of r.alc) c.alc.elements.push(e);
      c.alc.endRow();
      for (const one of r.am) {
        for (const [k, v] of one) (c.am.elements.keys.push(k), c.am.elements.values.push(v));
        c.am.elements.endRow();
      }
      c.am.endRow();
      for (const e of r.astr) c.astr.elements.push(e);
      c.astr.endRow();
      c.empty.endRow();
      c.emptyMaps.endRow();
    };
    // Three blocks of one file, as the spool concatenates one block per request.
    const cut = [0, 4, 5, data.length];
    const blocks: Buffer[] = [];
    for (let b = 0; b + 1 < cut.length; b++) {
      for (let i = cut[b] as number; i < (cut[b + 1] as number); i++) push(data[i] as Row, i);
      blocks.push(block.serialize());
      block.reset();
    }
    // A zero-row block is valid too (header only) and adds nothing.
    blocks.push(block.serialize());
    const path = writeBlocks(...blocks);
    const back = await rows<Record<string, unknown>>(
      `SELECT toString(seq) AS seq, toString(toUnixTimestamp64Nano(ts)) AS ts, toString(u) AS u, hex(s) AS s, hex(raw) AS raw, id, hex(lc) AS lc,
        arrayMap(x -> hex(x), mapKeys(m)) AS mk, arrayMap(x -> hex(x), mapValues(m)) AS mv,
        arrayMap(x -> toString(toUnixTimestamp64Nano(x)), ats) AS ats, arrayMap(x -> hex(x), alc) AS alc,
        arrayMap(one -> arrayMap(x -> hex(x), mapKeys(one)), am) AS amk, arrayMap(one -> arrayMap(x -> hex(x), mapValues(one)), am) AS amv,
        arrayMap(x -> hex(x), astr) AS astr, length(empty) AS empty, length(emptyMaps) AS emptyMaps
       FROM file(${lit(path)}, 'Native', ${lit(block.structure())})`,
    );
    const expected = data.map((r, i) => ({
      seq: String(i),
      ts: r.ts.toString(),
      u: r.u.toString(),
      s: hexOf(r.s),
      raw: hexOf(r.raw),
      id: Buffer.from(r.id).toString('hex'),
      lc: hexOf(r.lc),
      mk: r.m.map(([k]) => hexOf(k)),
      mv: r.m.map(([, v]) => hexOf(v)),
      ats: r.ats.map(String),
      alc: r.alc.map(hexOf),
      amk: r.am.map((one) => one.map(([k]) => hexOf(k))),
      amv: r.am.map((one) => one.map(([, v]) => hexOf(v))),
      astr: r.astr.map(hexOf),
      empty: 0,
      emptyMaps: 0,
    }));
    expect(back).toEqual(expected);
  });

  it('round-trip 70,000 distinct LowCardinality values (UInt32 indexes) and nested dictionaries over 255 keys', async () => {
    const seq = new Fixed64Column();
    const lc = new LowCardinalityColumn();
    const m = new MapColumn();
    const alc = new ArrayColumn(new LowCardinalityColumn());
    const n = 70_000;
    for (let i = 0; i < n; i++) {
      seq.pushNumber(i);
      lc.push(`v${i}`);
      m.keys.push(`k${i % 300}`);
      m.values.push(String(i));
      m.endRow();
      if (i === 0) for (let j = 0; j < 300; j++) alc.elements.push(`e${j}`);
      alc.endRow();
    }
    expect([lc.indexWidth(), m.keys.indexWidth(), alc.elements.indexWidth()]).toEqual([4, 2, 2]);
    const block = new NativeBlock([
      { name: 'seq', type: 'UInt64', column: seq },
      { name: 'lc', type: 'LowCardinality(String)', column: lc },
      { name: 'm', type: MAP_TYPE, column: m },
      { name: 'alc', type: 'Array(LowCardinality(String))', column: alc },
    ]);
    const path = writeBlocks(block.serialize());
    const [check] = await rows<Record<string, number>>(
      `SELECT count() AS n,
        countIf(lc != concat('v', toString(seq))) AS badLc,
        countIf(m != map(concat('k', toString(seq % 300)), toString(seq))) AS badMap,
        countIf(alc != if(seq = 0, arrayMap(j -> concat('e', toString(j)), range(300)), [])) AS badArr
       FROM file(${lit(path)}, 'Native', ${lit(block.structure())})`,
    );
    expect(check).toEqual({ n, badLc: 0, badMap: 0, badArr: 0 });
  });
});

describe('otel_traces as Native', () => {
  it('declares the types otel_traces has, in TABLE_COLUMNS order', async () => {
    const cols = await rows<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'otel_traces' AND default_kind != 'ALIAS'`,
    );
    const types = Object.fromEntries(cols.map((c) => [c.name, c.type]));
    expect(Object.keys(OTEL_TRACES_NATIVE_TYPES).sort()).toEqual([...TABLE_COLUMNS.otel_traces].sort());
    for (const name of TABLE_COLUMNS.otel_traces) expect(OTEL_TRACES_NATIVE_TYPES[name as keyof typeof OTEL_TRACES_NATIVE_TYPES], name).toBe(types[name]);
    const { block } = createOtelTracesBlock();
    expect(block.columns.map((c) => c.name)).toEqual([...TABLE_COLUMNS.otel_traces]);
  });

  it('INSERT ... SELECT FROM file(Native) stores the same row as the TSV path', async () => {
    const span: SpanRowInput = {
      startNs: 1_767_225_600_123_456_789n,
      durationNs: 2_500_000_123,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '00f067aa0ba902b7',
      name: "GET /api/ünïcode 'quoted'\ttab",
      kind: 'Server',
      service: 'checkout',
      status: 'Error',
      attributes: { 'http.method': 'GET', 'http.status_code': '500', 'db.statement': 'SELECT *\nFROM t WHERE a = \'x\\y\'', empty: '' },
      resource: { 'service.version': '1.2.3', 'host.name': 'h-1' },
    };
    const columns = TABLE_COLUMNS.otel_traces;
    await storage.insertTsv('otel_traces', Buffer.from(spanTsvRow(span)), { columns });

    const { block, columns: c } = createOtelTracesBlock();
    const idBytes = (hex: string): Buffer => Buffer.from(hex, 'hex');
    c.Timestamp.push(lo(span.startNs), hi(span.startNs));
    const tid = idBytes(span.traceId);
    c.TraceId.pushHex(tid, 0, tid.length);
    const sid = idBytes(span.spanId);
    c.SpanId.pushHex(sid, 0, sid.length);
    const pid = idBytes(span.parentSpanId as string);
    c.ParentSpanId.pushHex(pid, 0, pid.length);
    c.TraceState.push('');
    c.SpanName.push(span.name);
    c.SpanKind.push(span.kind as string);
    c.ServiceName.push(span.service);
    // spanTsvRow's resource map: the extra attributes, then service.name.
    for (const [k, v] of Object.entries({ ...span.resource, 'service.name': span.service })) (c.ResourceAttributes.keys.push(k), c.ResourceAttributes.values.push(v));
    c.ResourceAttributes.endRow();
    c.ScopeName.push('ppo-test');
    c.ScopeVersion.push('1.0.0');
    c.ScopeAttributes.endRow();
    for (const [k, v] of Object.entries(span.attributes ?? {})) (c.SpanAttributes.keys.push(k), c.SpanAttributes.values.push(v));
    c.SpanAttributes.endRow();
    c.Duration.pushNumber(span.durationNs as number);
    c.StatusCode.push(span.status as string);
    c.StatusMessage.push('');
    for (const a of [c['Events.Timestamp'], c['Events.Name'], c['Events.Attributes'], c['Links.TraceId'], c['Links.SpanId'], c['Links.TraceState'], c['Links.Attributes']]) a.endRow();
    const path = writeBlocks(block.serialize());
    await storage.client.command({
      query: `INSERT INTO otel_traces (${columns.map((n) => `\`${n}\``).join(', ')}) SELECT * FROM file(${lit(path)}, 'Native', ${lit(block.structure())})`,
    });

    const stored = await rows(`SELECT * FROM otel_traces WHERE TraceId = ${lit(span.traceId)}`);
    expect(stored).toHaveLength(2);
    expect(stored[0]).toEqual(stored[1]);
    expect(stored[0]).toMatchObject({ SpanName: span.name, Duration: 2500000123, SpanAttributes: span.attributes, Timestamp: '2026-01-01 00:00:00.123456789' });
  });

  it('stores events and links (Nested columns) written as Native arrays', async () => {
    const { block, columns: c } = createOtelTracesBlock();
    const traceId = Buffer.from('11111111111111111111111111111111', 'hex');
    const t0 = 1_767_225_600_000_000_000n;
    for (let row = 0; row < 2; row++) {
      c.Timestamp.push(lo(t0), hi(t0));
      c.TraceId.pushHex(traceId, 0, 16);
      c.SpanId.push(`span${row}`);
      c.ParentSpanId.push('');
      c.TraceState.push('');
      c.SpanName.push('op');
      c.SpanKind.push('Internal');
      c.ServiceName.push('nested');
      c.ResourceAttributes.endRow();
      c.ScopeName.push('');
      c.ScopeVersion.push('');
      c.ScopeAttributes.endRow();
      c.SpanAttributes.endRow();
      c.Duration.pushNumber(1);
      c.StatusCode.push('Unset');
      c.StatusMessage.push('');
      if (row === 1) {
        for (let e = 0; e < 2; e++) {
          const t = t0 + BigInt(e + 1);
          c['Events.Timestamp'].elements.push(lo(t), hi(t));
          c['Events.Name'].elements.push(e === 0 ? 'exception' : 'retry');
          const attrs = c['Events.Attributes'].elements;
          if (e === 0) (attrs.keys.push('exception.message'), attrs.values.push('boom\nline 2'));
          attrs.endRow();
        }
        c['Links.TraceId'].elements.push('22222222222222222222222222222222');
        c['Links.SpanId'].elements.push('3333333333333333');
        c['Links.TraceState'].elements.push('k=v');
        c['Links.Attributes'].elements.keys.push('link.kind');
        c['Links.Attributes'].elements.values.push('follows');
        c['Links.Attributes'].elements.endRow();
      }
      for (const a of [c['Events.Timestamp'], c['Events.Name'], c['Events.Attributes'], c['Links.TraceId'], c['Links.SpanId'], c['Links.TraceState'], c['Links.Attributes']]) a.endRow();
    }
    const path = writeBlocks(block.serialize());
    const columns = TABLE_COLUMNS.otel_traces;
    await storage.client.command({
      query: `INSERT INTO otel_traces (${columns.map((n) => `\`${n}\``).join(', ')}) SELECT * FROM file(${lit(path)}, 'Native', ${lit(block.structure())})`,
    });
    const back = await rows(
      `SELECT SpanId, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS et, Events.Name AS en, Events.Attributes AS ea,
        Links.TraceId AS lt, Links.SpanId AS ls, Links.TraceState AS lst, Links.Attributes AS la
       FROM otel_traces WHERE ServiceName = 'nested' ORDER BY SpanId`,
    );
    expect(back).toEqual([
      { SpanId: 'span0', et: [], en: [], ea: [], lt: [], ls: [], lst: [], la: [] },
      {
        SpanId: 'span1',
        et: [String(t0 + 1n), String(t0 + 2n)],
        en: ['exception', 'retry'],
        ea: [{ 'exception.message': 'boom\nline 2' }, {}],
        lt: ['22222222222222222222222222222222'],
        ls: ['3333333333333333'],
        lst: ['k=v'],
        la: [{ 'link.kind': 'follows' }],
      },
    ]);
  });
});

describe('otel_logs as Native', () => {
  it('declares the types otel_logs has, in TABLE_COLUMNS order (materialized columns left to the engine)', async () => {
    const cols = await rows<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'otel_logs' AND default_kind NOT IN ('ALIAS', 'MATERIALIZED')`,
    );
    const types = Object.fromEntries(cols.map((c) => [c.name, c.type]));
    expect(Object.keys(OTEL_LOGS_NATIVE_TYPES).sort()).toEqual([...TABLE_COLUMNS.otel_logs].sort());
    expect(Object.keys(types).sort()).toEqual([...TABLE_COLUMNS.otel_logs].sort());
    for (const name of TABLE_COLUMNS.otel_logs) expect(OTEL_LOGS_NATIVE_TYPES[name as keyof typeof OTEL_LOGS_NATIVE_TYPES], name).toBe(types[name]);
    const { block } = createOtelLogsBlock();
    expect(block.columns.map((c) => c.name)).toEqual([...TABLE_COLUMNS.otel_logs]);
  });

  it('INSERT ... SELECT FROM file(Native) stores the same rows as the TSV path, materialized columns included', async () => {
    const ts = 1_767_225_600_123_456_789n;
    const resource: [string, string][] = [['service.name', 'billing'], ['k8s.pod.name', 'billing-7d9f'], ['deployment.environment.name', 'prod']];
    const attrs: [string, string][] = [['user.id', "o'brien"], ['exception.stacktrace', 'at x\n\tat y\\z']];
    const body = "payment failed: card 'declined'\n\tretry=2 — ünïcode";
    const mapText = (kv: [string, string][]): string => `{${kv.map(([k, v]) => `${quoted(k)}:${quoted(v)}`).join(',')}}`;
    const columns = TABLE_COLUMNS.otel_logs;
    const tsvLine = (traceId: string, severityNumber: number): string =>
      logRow(
        String(ts),
        traceId,
        'b7ad6b7169203331',
        0x101, // LogRecord.flags: only the trace-flags byte is kept
        tsvString('ERROR'),
        severityNumber,
        logScopeColumns('billing', 'https://opentelemetry.io/schemas/1.26.0', mapText(resource), '', 'app.logger', '2.0.1', mapText([['scope.k', 'v']])),
        tsvString(body),
        mapText(attrs),
        tsvString('payment.failed'),
      );
    const traceTsv = '0af7651916cd43dd8448eb211c80319c';
    const traceNative = '1af7651916cd43dd8448eb211c80319c';
    await storage.insertTsv('otel_logs', Buffer.from(tsvLine(traceTsv, 17) + tsvLine(traceTsv, 300)), { columns });

    const { block, columns: c } = createOtelLogsBlock();
    for (const severityNumber of [17, 300]) {
      c.Timestamp.push(lo(ts), hi(ts));
      const tid = Buffer.from(traceNative, 'hex');
      c.TraceId.pushHex(tid, 0, tid.length);
      c.SpanId.push('b7ad6b7169203331');
      c.TraceFlags.push(0x101);
      c.SeverityText.push('ERROR');
      c.SeverityNumber.push(severityNumber);
      c.ServiceName.push('billing');
      c.ResourceSchemaUrl.push('https://opentelemetry.io/schemas/1.26.0');
      c.ResourceAttributes.pushEncodedRow(c.ResourceAttributes.encodeRow(resource));
      c.ScopeSchemaUrl.push('');
      c.ScopeName.push('app.logger');
      c.ScopeVersion.push('2.0.1');
      c.ScopeAttributes.pushEncodedRow(c.ScopeAttributes.encodeRow([['scope.k', 'v']]));
      c.Body.push(body);
      for (const [k, v] of attrs) (c.LogAttributes.keys.push(k), c.LogAttributes.values.push(v));
      c.LogAttributes.endRow();
      c.EventName.push('payment.failed');
    }
    const path = writeBlocks(block.serialize());
    await storage.client.command({
      query: `INSERT INTO otel_logs (${columns.map((n) => `\`${n}\``).join(', ')}) SELECT * FROM file(${lit(path)}, 'Native', ${lit(block.structure())})`,
    });
    const select = (traceId: string) =>
      rows(
        `SELECT * EXCEPT TraceId, toString(toUnixTimestamp64Nano(Timestamp)) AS ns,
          \`__otel_materialized_k8s.pod.name\` AS pod, \`__otel_materialized_deployment.environment.name\` AS env
         FROM otel_logs WHERE TraceId = ${lit(traceId)} ORDER BY SeverityNumber`,
      );
    const fromTsv = await select(traceTsv);
    expect(fromTsv).toHaveLength(2);
    expect(fromTsv[0]).toMatchObject({ ns: String(ts), TraceFlags: 1, SeverityNumber: 17, Body: body, pod: 'billing-7d9f', env: 'prod', LogAttributes: Object.fromEntries(attrs) });
    expect(fromTsv[1]).toMatchObject({ SeverityNumber: 300 & 0xff });
    expect(await select(traceNative)).toEqual(fromTsv);
  });
});
