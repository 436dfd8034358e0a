export { absoluteNs } from './model/trace.ts';
export type { SpanKindName, StatusCodeName, Trace, TraceSpan } from './model/trace.ts';
export { detectPatterns } from './models/patterns/detect-patterns.ts';
export { normalizeStatement } from './models/patterns/normalize-statement.ts';
export { countOutboundCalls } from './models/patterns/trace-calls.ts';
export { DEFAULT_PATTERN_OPTIONS } from './models/patterns/types.ts';
export type { PatternFinding, PatternKind, PatternOptions } from './models/patterns/types.ts';
