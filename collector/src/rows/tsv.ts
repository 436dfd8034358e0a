/**
 * ClickHouse TabSeparated escaping. Top-level String fields escape \\, \t, \n
 * (and \r, \0, \b, \f for safety); values inside composite literals (Map,
 * Array, Tuple) are single-quoted, so ' is escaped too, and the literal
 * itself is then a TSV field.
 */

// Fast path: most strings need no escaping at all.
// eslint-disable-next-line no-control-regex
const NEEDS_TSV_ESCAPE = /[\\\t\n\r\0\b\f]/;
// eslint-disable-next-line no-control-regex
const NEEDS_QUOTED_ESCAPE = /[\\\t\n\r\0\b\f']/;

function escapeChars(s: string, quote: boolean): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    switch (c) {
      case 0x5c: rep = '\\\\'; break;
      case 0x09: rep = '\\t'; break;
      case 0x0a: rep = '\\n'; break;
      case 0x0d: rep = '\\r'; break;
      case 0x00: rep = '\\0'; break;
      case 0x08: rep = '\\b'; break;
      case 0x0c: rep = '\\f'; break;
      case 0x27: if (quote) rep = "\\'"; break;
      default: break;
    }
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return out + s.slice(last);
}

/** A String column value. */
export function tsvString(s: string): string {
  return NEEDS_TSV_ESCAPE.test(s) ? escapeChars(s, false) : s;
}

/** A quoted string inside a composite literal: 'it\'s'. Not yet TSV-escaped: see `tsvComposite`. */
export function quoted(s: string): string {
  return "'" + (NEEDS_QUOTED_ESCAPE.test(s) ? escapeChars(s, true) : s) + "'";
}

/**
 * In TabSeparated, a composite value (Map/Array) is written as its literal and
 * the literal's backslashes are *not* escaped a second time: ClickHouse reads
 * Map/Array fields of TSV with the quoted-literal parser directly. Tabs and
 * newlines inside are already escaped by `quoted`, so the literal is TSV-safe.
 */
export function tsvComposite(literal: string): string {
  return literal;
}

/** Builds `{'k':'v',...}` for Map(LowCardinality(String), String) columns. */
export class MapLiteral {
  private body = '';

  add(key: string, value: string): void {
    if (this.body.length !== 0) this.body += ',';
    this.body += quoted(key) + ':' + quoted(value);
  }

  toString(): string {
    return '{' + this.body + '}';
  }
}

export const EMPTY_MAP = '{}';
export const EMPTY_ARRAY = '[]';

/** `['a','b']` from already-quoted or numeric element literals. */
export function arrayLiteral(elements: readonly string[]): string {
  return '[' + elements.join(',') + ']';
}
