/**
 * The shape every trace model (critical path, bottlenecks, pattern detectors)
 * works on: plain data, already reduced by SQL. Times are nanoseconds relative
 * to `baseNs` (the earliest span start), so they stay exact JS numbers for any
 * trace shorter than 104 days and arithmetic needs no BigInt.
 */
export type SpanKindName = 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer';
export type StatusCodeName = 'Unset' | 'Ok' | 'Error';

export interface TraceSpan {
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKindName;
  /** ns since the trace's `baseNs`. */
  readonly start: number;
  readonly end: number;
  readonly status: StatusCodeName;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface Trace {
  readonly traceId: string;
  /** Unix nanoseconds of the earliest span start. */
  readonly baseNs: bigint;
  readonly spans: readonly TraceSpan[];
}

/** Unix-nano decimal string of a trace-relative time. */
export function absoluteNs(trace: Trace, relative: number): string {
  return (trace.baseNs + BigInt(Math.round(relative))).toString();
}
