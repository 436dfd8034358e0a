/**
 * Text forms of scalar column values, shared by the protobuf and JSON decoders
 * so both produce byte-identical TSV. Timestamps arrive as canonical decimal
 * nanosecond strings (no sign, no leading zeros).
 */

const INT64_MAX = '9223372036854775807';
const UINT32_MAX = '4294967295';

/**
 * A top-level DateTime64(9) field. ClickHouse reads a 19-digit integer as
 * ticks but shorter integers as seconds or even as a year ("0" fails, "1" is
 * 2026-01-01), so anything before 2001-09-09 is written as zero-padded
 * `SSSSSSSSSS.FFFFFFFFF`, which it always reads exactly.
 */
export function dateTime64Text(ns: string): string {
  const n = ns.length;
  if (n === 19) return ns <= INT64_MAX ? ns : INT64_MAX;
  if (n > 19) return INT64_MAX;
  const p = '0000000000000000000'.slice(n) + ns;
  return p.slice(0, 10) + '.' + p.slice(10);
}

/** An element of Array(DateTime64(9)): inside array literals integers are always ticks. */
export function dateTime64Element(ns: string): string {
  const n = ns.length;
  if (n < 19 || (n === 19 && ns <= INT64_MAX)) return ns;
  return INT64_MAX;
}

/**
 * A DateTime (second precision) field or array element, as the metric tables
 * declare their times. Ten zero-padded digits, because ClickHouse reads short
 * integers as dates; saturates at DateTime's upper bound like ClickHouse does.
 */
export function dateTimeText(ns: string): string {
  const n = ns.length;
  if (n <= 9) return '0000000000';
  if (n > 19) return UINT32_MAX;
  const secs = ns.slice(0, n - 9);
  if (secs.length === 10) return secs <= UINT32_MAX ? secs : UINT32_MAX;
  return '0000000000'.slice(secs.length) + secs;
}

/** An element of Array(DateTime): whole seconds. */
export function dateTimeElement(ns: string): string {
  const n = ns.length;
  if (n <= 9) return '0';
  if (n > 19) return UINT32_MAX;
  const secs = ns.slice(0, n - 9);
  return secs.length === 10 && secs > UINT32_MAX ? UINT32_MAX : secs;
}

/** Float64 text ClickHouse parses; String() handles every finite value exactly. */
export function float64Text(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

/** pdata `SpanKind.String()`: unknown values map to ''. */
export function spanKindName(kind: number): string {
  return SPAN_KINDS[kind] ?? '';
}

const STATUS_CODES = ['Unset', 'Ok', 'Error'];

/** pdata `StatusCode.String()`: unknown values map to ''. */
export function statusCodeName(code: number): string {
  return STATUS_CODES[code] ?? '';
}

/**
 * Nanosecond difference `end - start` of two canonical decimal strings,
 * clamped at 0 (a span ending before it starts has no meaningful duration).
 */
export function durationText(startNs: string, endNs: string): string {
  if (startNs.length < 16 && endNs.length < 16) {
    const d = Number(endNs) - Number(startNs);
    return d > 0 ? String(d) : '0';
  }
  const d = BigInt(endNs) - BigInt(startNs);
  return d > 0n ? d.toString() : '0';
}
