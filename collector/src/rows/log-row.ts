import { tsvString } from './tsv.ts';

/**
 * One otel_logs TSV line (columns as TABLE_COLUMNS.otel_logs). Per-record
 * strings arrive TSV-escaped; the per-scope ones are escaped here, once.
 */

/** ServiceName … ScopeAttributes: computed once per scope. */
export function logScopeColumns(
  serviceName: string,
  resourceSchemaUrl: string,
  resourceAttributes: string,
  scopeSchemaUrl: string,
  scopeName: string,
  scopeVersion: string,
  scopeAttributes: string,
): string {
  return (
    tsvString(serviceName) + '\t' + tsvString(resourceSchemaUrl) + '\t' + resourceAttributes + '\t' +
    tsvString(scopeSchemaUrl) + '\t' + tsvString(scopeName) + '\t' + tsvString(scopeVersion) + '\t' + scopeAttributes
  );
}

export function logRow(
  timestamp: string,
  traceId: string,
  spanId: string,
  /** LogRecord.flags; the column keeps the W3C trace-flags byte. */
  flags: number,
  severityText: string,
  severityNumber: number,
  scopeColumns: string,
  body: string,
  attributes: string,
  eventName: string,
): string {
  return (
    timestamp + '\t' + traceId + '\t' + spanId + '\t' + (flags & 0xff) + '\t' + severityText + '\t' +
    (severityNumber & 0xff) + '\t' + scopeColumns + '\t' + body + '\t' + attributes + '\t' + eventName + '\n'
  );
}
