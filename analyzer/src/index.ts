export { absoluteNs } from './model/trace.ts';
export type { SpanKindName, StatusCodeName, Trace, TraceSpan } from './model/trace.ts';
