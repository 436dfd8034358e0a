/**
 * ClickHouse error codes that mean "this data will never go in as it is"
 * (a value it cannot parse, a type it cannot convert), as opposed to an
 * outage or overload, which a retry fixes. Codes from ClickHouse's
 * ErrorCodes.cpp; both clients carry them: chDB as `clickhouseCode` (number),
 * @clickhouse/client's ClickHouseError as `code` (decimal string).
 */
const REJECTED_DATA_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  130, // CANNOT_READ_ARRAY_FROM_TEXT
  131, // TOO_LARGE_STRING_SIZE
]);

function codeOf(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const o = e as { clickhouseCode?: unknown; code?: unknown };
    if (typeof o.clickhouseCode === 'number') return o.clickhouseCode;
    if (typeof o.code === 'string' && /^\d+$/.test(o.code)) return Number(o.code);
  }
  return undefined;
}

export function isRejectedData(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && REJECTED_DATA_CODES.has(code);
}
