import type { TableBatch, OtelTable } from '../table-batch.ts';
import { TABLE_COLUMNS } from '../columns.ts';
import { nativeToTsv } from './native-read.ts';

/**
 * Test-side reader for the TSV the decoders write: splits rows into named
 * columns and parses ClickHouse quoted literals (Map / Array / strings) back
 * into values, so tests assert on data rather than on escaped text.
 */

export type Row = Record<string, string>;

/** A table's rows as TSV text, whether the decoder wrote TSV or a Native block (rendered as TSV). */
export function tableText(batch: TableBatch, table: OtelTable): string | undefined {
  const encoded = batch.encoded.get(table);
  if (encoded) return encoded.format === 'Native' ? nativeToTsv(encoded.payload, TABLE_COLUMNS[table]) : encoded.payload.toString('utf8');
  return batch.tables.get(table)?.text;
}

/** Rows of one table, each field still in its TSV text form. */
export function rowsOf(batch: TableBatch, table: OtelTable): Row[] {
  const text = tableText(batch, table);
  if (text === undefined) return [];
  const columns = TABLE_COLUMNS[table];
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error(`${table}: text does not end with a newline`);
  return lines.map((line, i) => {
    const fields = line.split('\t');
    if (fields.length !== columns.length) {
      throw new Error(`${table} row ${i}: ${fields.length} fields, expected ${columns.length}`);
    }
    const row: Row = {};
    columns.forEach((c, j) => (row[c] = fields[j]!));
    return row;
  });
}

const UNESCAPE: Record<string, string> = { t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f', '\\': '\\', "'": "'" };

/** A top-level String field. */
export function unescapeTsv(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c);
}

export type Literal = string | Literal[] | { map: [Literal, Literal][] };

/** Parses a quoted/array/map literal; bare tokens (numbers) come back as strings. */
export function parseLiteral(text: string): Literal {
  let i = 0;
  const value = (): Literal => {
    const c = text[i];
    if (c === "'") {
      i++;
      let out = '';
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\') {
          const e = text[i + 1]!;
          out += UNESCAPE[e] ?? e;
          i += 2;
        } else {
          out += text[i++];
        }
      }
      if (text[i] !== "'") throw new Error(`unterminated string in ${text}`);
      i++;
      return out;
    }
    if (c === '[') {
      i++;
      const items: Literal[] = [];
      while (text[i] !== ']') {
        items.push(value());
        if (text[i] === ',') i++;
        else if (text[i] !== ']') throw new Error(`bad array at ${i} in ${text}`);
      }
      i++;
      return items;
    }
    if (c === '{') {
      i++;
      const entries: [Literal, Literal][] = [];
      while (text[i] !== '}') {
        const k = value();
        if (text[i++] !== ':') throw new Error(`bad map at ${i} in ${text}`);
        entries.push([k, value()]);
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new Error(`bad map at ${i} in ${text}`);
      }
      i++;
      return { map: entries };
    }
    const start = i;
    while (i < text.length && !',]}:'.includes(text[i]!)) i++;
    return text.slice(start, i);
  };
  const v = value();
  if (i !== text.length) throw new Error(`trailing text at ${i} in ${text}`);
  return v;
}

/** A Map(String, String) field as a plain object (first key wins, like ClickHouse's m['k']). */
export function parseMap(text: string): Record<string, string> {
  const v = parseLiteral(text);
  if (typeof v === 'string' || Array.isArray(v)) throw new Error(`not a map: ${text}`);
  return mapObject(v);
}

function mapObject(v: { map: [Literal, Literal][] }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of v.map) {
    if (typeof k !== 'string' || typeof val !== 'string') throw new Error('nested map value');
    if (!(k in out)) out[k] = val;
  }
  return out;
}

/** An Array(scalar) field. */
export function parseArray(text: string): string[] {
  const v = parseLiteral(text);
  if (!Array.isArray(v)) throw new Error(`not an array: ${text}`);
  return v.map((x) => {
    if (typeof x !== 'string') throw new Error(`not a scalar element in ${text}`);
    return x;
  });
}

/** An Array(Map(String, String)) field. */
export function parseMapArray(text: string): Record<string, string>[] {
  const v = parseLiteral(text);
  if (!Array.isArray(v)) throw new Error(`not an array: ${text}`);
  return v.map((x) => {
    if (typeof x === 'string' || Array.isArray(x)) throw new Error(`not a map element in ${text}`);
    return mapObject(x);
  });
}
