import { OtlpDecodeError } from '../rows/table-batch.ts';
import { DecodePath } from './decode-path.ts';
import { idHexProblem, idLengthProblem, isZeroHex, normalizeHexId } from './hex-id.ts';

/**
 * Typed access to a parsed OTLP/JSON request. Accepts what OTLP/JSON
 * receivers must (lowerCamelCase keys, 64-bit integers as strings or numbers,
 * hex ids in any case, unknown fields ignored) and, leniently, the proto
 * snake_case keys and enum names. A value of the wrong JSON type is an
 * OtlpDecodeError naming its path; null means absent.
 */

export type JsonObject = Record<string, unknown>;

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
}

/** `o[camel]`, falling back to the proto field name. */
export function field(o: JsonObject, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined || v === null ? o[snake] : v;
}

const MAX_SHOWN = 64;

/**
 * A rejected value as error messages quote it: JSON, cut short. Messages go
 * back to the sender and into logs, so a multi-megabyte bad value must not
 * come back whole. Arrays and objects are only named: stringifying one nested
 * 100,000 levels deep (a 200 KB request) overflows the stack.
 */
function shown(v: unknown): string {
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
  const text = JSON.stringify(v) ?? String(v);
  if (text.length <= MAX_SHOWN) return text;
  return `${text.slice(0, MAX_SHOWN)}… (${text.length} characters)`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

const UINT64_MAX = 18446744073709551615n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const CANONICAL_UINT = /^(?:0|[1-9]\d{0,18})$/;
const DIGITS = /^\d+$/;
const SIGNED_DIGITS = /^-?\d+$/;

export class JsonWalker {
  readonly path = new DecodePath();
  /** Why the item being decoded must be rejected; '' if valid. */
  itemError = '';

  constructor(readonly maxDepth: number) {}

  fail(key: string, problem: string): OtlpDecodeError {
    const where = this.path.toString();
    return new OtlpDecodeError(`${where === 'request' ? '' : where + '.'}${key}: ${problem}`);
  }

  private wrongType(key: string, want: string, v: unknown): OtlpDecodeError {
    return this.fail(key, `expected ${want}, got ${typeName(v)}`);
  }

  reject(reason: string): void {
    if (this.itemError === '') this.itemError = reason;
  }

  root(v: unknown): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new OtlpDecodeError(`request: expected object, got ${typeName(v)}`);
    }
    return v as JsonObject;
  }

  array(v: unknown, key: string): readonly unknown[] {
    if (v === undefined || v === null) return EMPTY;
    if (!Array.isArray(v)) throw this.wrongType(key, 'array', v);
    return v;
  }

  /** An object, or undefined when absent. */
  object(v: unknown, key: string): JsonObject | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.wrongType(key, 'object', v);
    return v as JsonObject;
  }

  /** An element of a repeated message field. */
  element(v: unknown, key: string, index: number): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.wrongType(`${key}[${index}]`, 'object', v);
    return v as JsonObject;
  }

  string(v: unknown, key: string): string {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw this.wrongType(key, 'string', v);
    return v;
  }

  bool(v: unknown, key: string): boolean {
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw this.wrongType(key, 'boolean', v);
    return v;
  }

  uint32(v: unknown, key: string): number {
    if (v === undefined || v === null) return 0;
    const n = typeof v === 'string' && DIGITS.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw this.fail(key, `expected uint32, got ${shown(v)}`);
    }
    return n;
  }

  int32(v: unknown, key: string): number {
    if (v === undefined || v === null) return 0;
    const n = typeof v === 'string' && SIGNED_DIGITS.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) {
      throw this.fail(key, `expected int32, got ${shown(v)}`);
    }
    return n | 0;
  }

  /** An enum as its number or (leniently) its proto name. */
  enumValue(v: unknown, key: string, names: Readonly<Record<string, number>>): number {
    if (typeof v === 'string' && !SIGNED_DIGITS.test(v)) {
      const n = names[v];
      if (n === undefined) throw this.fail(key, `unknown enum value ${shown(v)}`);
      return n;
    }
    return this.int32(v, key);
  }

  /** fixed64/uint64 as canonical decimal text ('0' when absent). */
  uint64(v: unknown, key: string): string {
    if (v === undefined || v === null) return '0';
    if (typeof v === 'string') {
      if (CANONICAL_UINT.test(v)) return v;
      if (DIGITS.test(v)) {
        const b = BigInt(v);
        if (b <= UINT64_MAX) return b.toString();
      }
    } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
      if (v <= Number.MAX_SAFE_INTEGER) return String(v);
      const b = BigInt(v);
      if (b <= UINT64_MAX) return b.toString();
    }
    throw this.fail(key, `expected uint64, got ${shown(v)}`);
  }

  /** int64/sfixed64 as canonical decimal text ('0' when absent). */
  int64(v: unknown, key: string): string {
    if (v === undefined || v === null) return '0';
    if (typeof v === 'number' && Number.isInteger(v)) {
      if (Math.abs(v) <= Number.MAX_SAFE_INTEGER) return String(v === 0 ? 0 : v);
      const b = BigInt(v);
      if (b >= INT64_MIN && b <= INT64_MAX) return b.toString();
    } else if (typeof v === 'string' && SIGNED_DIGITS.test(v)) {
      const b = BigInt(v);
      if (b >= INT64_MIN && b <= INT64_MAX) return b.toString();
    }
    throw this.fail(key, `expected int64, got ${shown(v)}`);
  }

  /**
   * An attribute's intValue. An integer beyond int64 (the JS SDK sends doubles
   * ≥ 2^63 this way) cannot be stored faithfully: it rejects the item it is
   * in, like any other invalid item, instead of failing the whole request.
   */
  attributeInt64(v: unknown, key: string): string {
    const outOfRange =
      (typeof v === 'number' && Number.isInteger(v) && (v > 9223372036854775807 || v < -9223372036854775808)) ||
      (typeof v === 'string' && SIGNED_DIGITS.test(v) && (BigInt(v) > INT64_MAX || BigInt(v) < INT64_MIN));
    if (outOfRange) {
      this.reject(`${key}: ${typeof v === 'string' ? v.slice(0, 40) : String(v)} is outside the int64 range`);
      return '0';
    }
    return this.int64(v, key);
  }

  /** A double: a number, or one of the proto3 JSON strings (including numeric text). */
  double(v: unknown, key: string): number {
    if (v === undefined || v === null) return 0;
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      const n = Number(v);
      if (v.trim() !== '' && !Number.isNaN(n)) return n;
    }
    throw this.fail(key, `expected number, got ${shown(v)}`);
  }

  /**
   * A hex trace/span id as stored: lowercase hex, '' for absent or (with
   * `zeroAsEmpty`) all-zero ids. Wrong length or bad hex rejects the item.
   */
  hexId(v: unknown, key: string, name: string, bytes: number, zeroAsEmpty: boolean): string {
    const s = this.string(v, key);
    if (s === '') return '';
    const hex = normalizeHexId(s);
    if (hex === undefined) {
      this.reject(idHexProblem(name));
      return '';
    }
    if (hex.length !== bytes * 2) {
      this.reject(idLengthProblem(name, bytes, hex.length / 2));
      return '';
    }
    return zeroAsEmpty && isZeroHex(hex) ? '' : hex;
  }
}

const EMPTY: readonly unknown[] = Object.freeze([]);
