import { quoted } from '../rows/tsv.ts';
import { depthProblem } from './any-value-proto.ts';
import { goDoubleAsString, goJsonNumber, goJsonObject, goJsonQuote, UnsupportedJsonValue } from './go-value-text.ts';
import { field, type JsonObject, type JsonWalker } from './json-walker.ts';

/** OTLP/JSON AnyValue / KeyValue → the same text the protobuf path produces. */

const NO_FIELDS: readonly string[] = [];

type ValueKind = 'string' | 'bool' | 'int' | 'double' | 'array' | 'kvlist' | 'bytes' | 'none';

let kindOf: ValueKind = 'none';
let payload: unknown;

/** Finds which oneof member is set (JSON cannot order them; the first present wins). */
function scan(o: JsonObject): void {
  const keys: [string, string, ValueKind][] = VALUE_KEYS;
  for (let i = 0; i < keys.length; i++) {
    const [camel, snake, kind] = keys[i]!;
    const v = field(o, camel, snake);
    if (v !== undefined && v !== null) {
      kindOf = kind;
      payload = v;
      return;
    }
  }
  kindOf = 'none';
  payload = undefined;
}

const VALUE_KEYS: [string, string, ValueKind][] = [
  ['stringValue', 'string_value', 'string'],
  ['boolValue', 'bool_value', 'bool'],
  ['intValue', 'int_value', 'int'],
  ['doubleValue', 'double_value', 'double'],
  ['arrayValue', 'array_value', 'array'],
  ['kvlistValue', 'kvlist_value', 'kvlist'],
  ['bytesValue', 'bytes_value', 'bytes'],
];

function base64(w: JsonWalker, v: unknown, key: string): string {
  // Re-encoding normalizes URL-safe or unpadded input to what the proto path emits.
  return Buffer.from(w.string(v, key), 'base64').toString('base64');
}

/** `Value.AsString()` of a JSON AnyValue at nesting `depth` (1 = attribute value). */
export function anyValueText(w: JsonWalker, v: unknown, key: string, depth: number): string {
  const o = w.object(v, key);
  if (o === undefined) return '';
  scan(o);
  const p = payload;
  switch (kindOf) {
    case 'string':
      return w.string(p, `${key}.stringValue`);
    case 'bool':
      return w.bool(p, `${key}.boolValue`) ? 'true' : 'false';
    case 'int':
      return w.attributeInt64(p, `${key}.intValue`);
    case 'double':
      return goDoubleAsString(w.double(p, `${key}.doubleValue`));
    case 'bytes':
      return base64(w, p, `${key}.bytesValue`);
    case 'array':
    case 'kvlist': {
      const kind = kindOf;
      const depthPath = w.path.depth;
      try {
        return compositeJson(w, kind, p, key, depth);
      } catch (err) {
        if (!(err instanceof UnsupportedJsonValue)) throw err;
        w.path.depth = depthPath;
        return '';
      }
    }
    default:
      return '';
  }
}

function compositeJson(w: JsonWalker, kind: ValueKind, p: unknown, key: string, depth: number): string {
  const memberKey = kind === 'array' ? 'arrayValue' : 'kvlistValue';
  const container = w.object(p, `${key}.${memberKey}`);
  const values = container === undefined ? [] : w.array(container['values'], `${key}.${memberKey}.values`);
  if (values.length > 0 && depth >= w.maxDepth) {
    w.reject(depthProblem(w.maxDepth));
    return '';
  }
  w.path.enter(key, -1, NO_FIELDS);
  w.path.enter(memberKey, -1, NO_FIELDS);
  let out: string;
  if (kind === 'array') {
    out = '[';
    for (let i = 0; i < values.length; i++) {
      const j = anyValueJson(w, values[i], `values[${i}]`, depth + 1);
      out += i === 0 ? j : ',' + j;
    }
    out += ']';
  } else {
    const keys: string[] = [];
    const json: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const kv = w.element(values[i], 'values', i);
      w.path.enter('values', i, NO_FIELDS);
      keys.push(w.string(kv['key'], 'key'));
      json.push(anyValueJson(w, kv['value'], 'value', depth + 1));
      w.path.leave();
    }
    out = goJsonObject(keys, json);
  }
  w.path.leave();
  w.path.leave();
  return out;
}

function anyValueJson(w: JsonWalker, v: unknown, key: string, depth: number): string {
  const o = w.object(v, key);
  if (o === undefined) return 'null';
  scan(o);
  const p = payload;
  switch (kindOf) {
    case 'string':
      return goJsonQuote(w.string(p, `${key}.stringValue`));
    case 'bool':
      return w.bool(p, `${key}.boolValue`) ? 'true' : 'false';
    case 'int':
      return w.attributeInt64(p, `${key}.intValue`);
    case 'double':
      return goJsonNumber(w.double(p, `${key}.doubleValue`));
    case 'bytes':
      return '"' + base64(w, p, `${key}.bytesValue`) + '"';
    case 'array':
    case 'kvlist': {
      const out = compositeJson(w, kindOf, p, key, depth);
      return out === '' ? 'null' : out;
    }
    default:
      return 'null';
  }
}

/** Key and AsString value of the last KeyValue read by `attributesBody`'s callback. */
export interface AttributeVisitor {
  (key: string, value: string): void;
}

/**
 * A JSON KeyValue list as a Map literal body (`'k':'v',...`, no braces);
 * `visit` sees each key/value (used to pick out service.name).
 */
export function attributesBody(w: JsonWalker, v: unknown, key: string, visit?: AttributeVisitor): string {
  const list = w.array(v, key);
  let body = '';
  for (let i = 0; i < list.length; i++) {
    const kv = w.element(list[i], key, i);
    w.path.enter(key, i, NO_FIELDS);
    const k = w.string(kv['key'], 'key');
    const text = anyValueText(w, kv['value'], 'value', 1);
    w.path.leave();
    if (visit) visit(k, text);
    const entry = quoted(k) + ':' + quoted(text);
    body = body === '' ? entry : body + ',' + entry;
  }
  return body;
}
