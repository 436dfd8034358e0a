import { tsvString } from './tsv.ts';

/**
 * One otel_traces TSV line (columns as TABLE_COLUMNS.otel_traces). Values
 * arrive in column text form (strings already TSV-escaped, so the protobuf
 * decoder can reuse cached escaped forms); both decoders go through this one
 * function.
 */

/** ServiceName, ResourceAttributes, ScopeName, ScopeVersion: computed once per scope. */
export function spanScopeColumns(serviceName: string, resourceAttributes: string, scopeName: string, scopeVersion: string, scopeAttributes: string): string {
  return tsvString(serviceName) + '\t' + resourceAttributes + '\t' + tsvString(scopeName) + '\t' + tsvString(scopeVersion) + '\t' + scopeAttributes;
}

export function spanRow(
  timestamp: string,
  traceId: string,
  spanId: string,
  parentSpanId: string,
  traceState: string,
  name: string,
  kind: string,
  scopeColumns: string,
  attributes: string,
  duration: string,
  statusCode: string,
  statusMessage: string,
  /** Bodies of the Events.* array literals (no brackets). */
  eventTimes: string,
  eventNames: string,
  eventAttributes: string,
  /** Bodies of the Links.* array literals (no brackets). */
  linkTraceIds: string,
  linkSpanIds: string,
  linkStates: string,
  linkAttributes: string,
): string {
  return (
    timestamp + '\t' + traceId + '\t' + spanId + '\t' + parentSpanId + '\t' +
    traceState + '\t' + name + '\t' + kind + '\t' + scopeColumns + '\t' +
    attributes + '\t' + duration + '\t' + statusCode + '\t' + statusMessage +
    '\t[' + eventTimes + ']\t[' + eventNames + ']\t[' + eventAttributes +
    ']\t[' + linkTraceIds + ']\t[' + linkSpanIds + ']\t[' + linkStates + ']\t[' + linkAttributes + ']\n'
  );
}
