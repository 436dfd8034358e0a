import { tsvString } from './tsv.ts';

/**
 * otel_metrics_* TSV lines (columns as TABLE_COLUMNS). Every table starts with
 * the same eleven resource/scope/metric columns, built once per metric; the
 * point builders append the per-point columns.
 */

/** ResourceAttributes … ScopeSchemaUrl, ServiceName: once per scope. */
export function metricScopeColumns(
  resourceAttributes: string,
  resourceSchemaUrl: string,
  scopeName: string,
  scopeVersion: string,
  scopeAttributes: string,
  scopeDroppedAttributesCount: number,
  scopeSchemaUrl: string,
  serviceName: string,
): string {
  return (
    resourceAttributes + '\t' + tsvString(resourceSchemaUrl) + '\t' + tsvString(scopeName) + '\t' +
    tsvString(scopeVersion) + '\t' + scopeAttributes + '\t' + scopeDroppedAttributesCount + '\t' +
    tsvString(scopeSchemaUrl) + '\t' + tsvString(serviceName)
  );
}

/** Scope columns + MetricName, MetricDescription, MetricUnit, each followed by a tab. */
export function metricPrefix(scopeColumns: string, name: string, description: string, unit: string): string {
  return scopeColumns + '\t' + tsvString(name) + '\t' + tsvString(description) + '\t' + tsvString(unit) + '\t';
}

/** Bodies (no brackets) of the five Exemplars.* array literals. */
export interface ExemplarsText {
  attributes: string;
  times: string;
  values: string;
  spanIds: string;
  traceIds: string;
}

function exemplarColumns(x: ExemplarsText): string {
  return '[' + x.attributes + ']\t[' + x.times + ']\t[' + x.values + ']\t[' + x.spanIds + ']\t[' + x.traceIds + ']';
}

/** otel_metrics_gauge; for otel_metrics_sum pass `sumColumns`. */
export function numberPointRow(
  prefix: string,
  attributes: string,
  startTime: string,
  time: string,
  value: string,
  flags: number,
  exemplars: ExemplarsText,
  sumColumns: string,
): string {
  return (
    prefix + attributes + '\t' + startTime + '\t' + time + '\t' + value + '\t' + flags + '\t' +
    exemplarColumns(exemplars) + sumColumns + '\n'
  );
}

/** The two extra otel_metrics_sum columns, with their leading tab. */
export function sumColumns(aggregationTemporality: number, isMonotonic: boolean): string {
  return '\t' + aggregationTemporality + '\t' + (isMonotonic ? 'true' : 'false');
}

export function histogramPointRow(
  prefix: string,
  attributes: string,
  startTime: string,
  time: string,
  count: string,
  sum: string,
  bucketCounts: string,
  explicitBounds: string,
  exemplars: ExemplarsText,
  flags: number,
  min: string,
  max: string,
  aggregationTemporality: number,
): string {
  return (
    prefix + attributes + '\t' + startTime + '\t' + time + '\t' + count + '\t' + sum + '\t[' + bucketCounts +
    ']\t[' + explicitBounds + ']\t' + exemplarColumns(exemplars) + '\t' + flags + '\t' + min + '\t' + max + '\t' +
    aggregationTemporality + '\n'
  );
}

export function exponentialHistogramPointRow(
  prefix: string,
  attributes: string,
  startTime: string,
  time: string,
  count: string,
  sum: string,
  scale: number,
  zeroCount: string,
  positiveOffset: number,
  positiveBucketCounts: string,
  negativeOffset: number,
  negativeBucketCounts: string,
  exemplars: ExemplarsText,
  flags: number,
  min: string,
  max: string,
  aggregationTemporality: number,
): string {
  return (
    prefix + attributes + '\t' + startTime + '\t' + time + '\t' + count + '\t' + sum + '\t' + scale + '\t' +
    zeroCount + '\t' + positiveOffset + '\t[' + positiveBucketCounts + ']\t' + negativeOffset + '\t[' +
    negativeBucketCounts + ']\t' + exemplarColumns(exemplars) + '\t' + flags + '\t' + min + '\t' + max + '\t' +
    aggregationTemporality + '\n'
  );
}

export function summaryPointRow(
  prefix: string,
  attributes: string,
  startTime: string,
  time: string,
  count: string,
  sum: string,
  quantiles: string,
  values: string,
  flags: number,
): string {
  return (
    prefix + attributes + '\t' + startTime + '\t' + time + '\t' + count + '\t' + sum + '\t[' + quantiles + ']\t[' +
    values + ']\t' + flags + '\n'
  );
}
