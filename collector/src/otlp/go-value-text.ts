/**
 * Attribute values are stored as text exactly as the contrib exporter writes
 * them: pdata `Value.AsString()`. Scalars use Go's formatting; arrays and
 * kvlists are `json.Marshal` of the raw value, so strings use Go's escaping
 * (HTML-safe `\u003c`, `\u2028`, ...), map keys are sorted bytewise, and a
 * NaN/Inf anywhere inside makes Marshal fail, which AsString turns into "".
 */

/** Thrown while building composite JSON when Go's json.Marshal would fail. */
export class UnsupportedJsonValue extends Error {}

/** strconv-style shortest float, with encoding/json's ES6 exponent cut-offs. */
function finiteFloatText(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  // JS Number::toString uses exponent form for |x| < 1e-6 and |x| >= 1e21,
  // the same cut-offs and exponent style Go's float64AsString produces.
  return String(x);
}

/** `Value.AsString()` of a double. */
export function goDoubleAsString(x: number): string {
  if (x !== x) return 'json: unsupported value: NaN';
  if (x === Infinity) return 'json: unsupported value: +Inf';
  if (x === -Infinity) return 'json: unsupported value: -Inf';
  return finiteFloatText(x);
}

/** A double inside a composite value. */
export function goJsonNumber(x: number): string {
  if (x !== x || x === Infinity || x === -Infinity) throw new UnsupportedJsonValue();
  return finiteFloatText(x);
}

// eslint-disable-next-line no-control-regex
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029]/;
const HEX = '0123456789abcdef';

/** encoding/json string quoting (escapeHTML on, as json.Marshal uses). */
export function goJsonQuote(s: string): string {
  if (!NEEDS_JSON_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      switch (c) {
        case 0x08: rep = '\\b'; break;
        case 0x0c: rep = '\\f'; break;
        case 0x0a: rep = '\\n'; break;
        case 0x0d: rep = '\\r'; break;
        case 0x09: rep = '\\t'; break;
        default: rep = '\\u00' + HEX[c >> 4]! + HEX[c & 0xf]!; break;
      }
    } else if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      rep = '\\u' + c.toString(16).padStart(4, '0');
    }
    if (rep !== undefined) {
      out += s.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return out + s.slice(last) + '"';
}

/** Go compares map keys as UTF-8 bytes; UTF-16 order differs only above the BMP. */
function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (supplementary planes) sort after U+E000..U+FFFF in UTF-8.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * JSON object of a kvlist: `keys[i]` → already-encoded `values[i]`. Duplicate
 * keys keep the last value (Go builds a map first), output sorted by key.
 */
export function goJsonObject(keys: string[], values: string[]): string {
  const n = keys.length;
  if (n === 0) return '{}';
  const order: number[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const at = seen.get(k);
    if (at === undefined) {
      seen.set(k, order.length);
      order.push(i);
    } else {
      order[at] = i;
    }
  }
  order.sort((i, j) => compareKeys(keys[i]!, keys[j]!));
  let out = '{';
  for (let i = 0; i < order.length; i++) {
    const idx = order[i]!;
    if (i > 0) out += ',';
    out += goJsonQuote(keys[idx]!) + ':' + values[idx]!;
  }
  return out + '}';
}
