import { z } from 'zod';

const UNIX_NANO = /^\d{1,20}$/;

/**
 * API times: RFC 3339 strings or unix-nanosecond decimal strings in, bigint
 * nanoseconds inside (DateTime64(9) precision), RFC 3339 with ms out.
 */
export function parseTimeToNanos(s: string): bigint | undefined {
  if (UNIX_NANO.test(s)) return BigInt(s);
  // Date.parse accepts too much; insist on an RFC 3339 shape first.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s)) return undefined;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return undefined;
  // Keep sub-millisecond digits that Date drops.
  const frac = /\.(\d+)/.exec(s)?.[1] ?? '';
  const subMsNanos = frac.length > 3 ? BigInt(frac.slice(3, 9).padEnd(6, '0')) : 0n;
  return BigInt(ms) * 1_000_000n + subMsNanos;
}

/** zod field for a time parameter. */
export const timeParam = z.string().transform((s, ctx) => {
  const n = parseTimeToNanos(s);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is neither an RFC 3339 time nor unix nanoseconds` });
    return z.NEVER;
  }
  return n;
});

export function nanosToIso(nanos: bigint | string): string {
  return new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString();
}

export function nowNanos(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export const HOUR_NANOS = 3_600_000_000_000n;
