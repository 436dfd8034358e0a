/** Per-request bounds a decoder enforces on otherwise valid input. */
export interface DecodeLimits {
  /**
   * Deepest AnyValue nesting accepted (a top-level attribute value is depth 1).
   * Deeper values reject their span / data point / log record. Default 32.
   */
  maxAnyValueDepth?: number;
}

export const DEFAULT_MAX_ANY_VALUE_DEPTH = 32;

export function maxAnyValueDepth(limits: DecodeLimits | undefined): number {
  const d = limits?.maxAnyValueDepth;
  return d !== undefined && d >= 1 ? Math.floor(d) : DEFAULT_MAX_ANY_VALUE_DEPTH;
}
