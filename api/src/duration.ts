import { z } from 'zod';

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

const PART = /(\d+)(?:\.(\d+))?(ns|us|µs|μs|ms|s|m|h|d)/y;

/**
 * Durations as Jaeger and Go write them: a bare integer is nanoseconds (Go's
 * time.Duration in JSON), otherwise one or more `<number><unit>` parts
 * (`150ms`, `1.5s`, `1m30s`; units ns, us/µs, ms, s, m, h, d). Exact in
 * bigint nanoseconds: `1.5s` must not become 1499999999 through a float.
 */
export function parseDurationNanos(text: string): bigint | undefined {
  const s = text.trim();
  if (/^\d{1,20}$/.test(s)) return BigInt(s);
  if (s === '') return undefined;
  let total = 0n;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) return undefined;
    const unit = UNIT_NANOS[m[3] ?? ''];
    if (unit === undefined) return undefined;
    const frac = m[2] ?? '';
    total += BigInt(m[1] ?? '0') * unit + (frac === '' ? 0n : (BigInt(frac) * unit) / 10n ** BigInt(frac.length));
  }
  return total;
}

/** zod field for a duration query parameter → bigint nanoseconds. */
export const durationParam = z.string().transform((s, ctx) => {
  const n = parseDurationNanos(s);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration (e.g. 150ms, 1.5s, 2m, or integer nanoseconds)` });
    return z.NEVER;
  }
  return n;
});
