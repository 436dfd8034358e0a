import { tsvString } from './tsv.ts';

/**
 * One otel_traces TSV line (columns as TABLE_COLUMNS.otel_traces). Callers
 * pass values already in column text form except the free-text strings,
 * which are escaped here; both decoders go through this one function.
 */

/** ServiceName, ResourceAttributes, ScopeName, ScopeVersion: computed once per scope. */
export function spanScopeColumns(serviceName: string, resourceAttributes: string, scopeName: string, scopeVersion: string): string {
  return tsvString(serviceName) + '\t' + resourceAttributes + '\t' + tsvString(scopeName) + '\t' + tsvString(scopeVersion);
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
    tsvString(traceState) + '\t' + tsvString(name) + '\t' + kind + '\t' + scopeColumns + '\t' +
    attributes + '\t' + duration + '\t' + statusCode + '\t' + tsvString(statusMessage) +
    '\t[' + eventTimes + ']\t[' + eventNames + ']\t[' + eventAttributes +
    ']\t[' + linkTraceIds + ']\t[' + linkSpanIds + ']\t[' + linkStates + ']\t[' + linkAttributes + ']\n'
  );
}
