import { logRow, logScopeColumns } from '../rows/log-row.ts';
import { TableBatch, type DecodeResult } from '../rows/table-batch.ts';
import { tsvString } from '../rows/tsv.ts';
import { dateTime64Text } from '../rows/values.ts';
import { anyValueText, attributesBody } from './any-value-json.ts';
import { maxAnyValueDepth, type DecodeLimits } from './decode-limits.ts';
import { walkEnvelopeJson } from './envelope-json.ts';
import { field, JsonWalker, parseJson, type JsonObject } from './json-walker.ts';
import { Rejections } from './rejections.ts';

/** OTLP/JSON ExportLogsServiceRequest → otel_logs TSV rows (the same values the protobuf path writes as a Native block; tests compare them). */

const NAMES = {
  resource: ['resourceLogs', 'resource_logs'],
  scope: ['scopeLogs', 'scope_logs'],
  item: ['logRecords', 'log_records'],
} as const;

const NO_FIELDS: readonly string[] = [];

const SEVERITY_NAMES: Readonly<Record<string, number>> = (() => {
  const names: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  levels.forEach((level, i) => {
    for (let k = 0; k < 4; k++) names[`SEVERITY_NUMBER_${level}${k === 0 ? '' : k + 1}`] = i * 4 + k + 1;
  });
  return names;
})();

export function decodeLogsJson(body: string, limits?: DecodeLimits): DecodeResult {
  const w = new JsonWalker(maxAnyValueDepth(limits));
  const batch = new TableBatch();
  const rejections = new Rejections('log records');
  let accepted = 0;
  walkEnvelopeJson(w, parseJson(body), NAMES, (w, items, resource, scope) => {
    const scopeColumns = logScopeColumns(
      resource.serviceName,
      resource.schemaUrl,
      resource.attributes,
      scope.schemaUrl,
      scope.name,
      scope.version,
      scope.attributes,
    );
    const inherited = resource.problem !== '' ? resource.problem : scope.problem;
    for (let i = 0; i < items.length; i++) {
      const record = w.element(items[i], 'logRecords', i);
      w.path.enter('logRecords', i, NO_FIELDS);
      const line = decodeLogRecord(w, record, scopeColumns);
      if (inherited !== '') w.reject(inherited);
      if (w.itemError === '') {
        batch.append('otel_logs', line);
        accepted++;
      } else {
        rejections.add(w.itemError, w.path);
      }
      w.path.leave();
    }
  });
  return { batch, accepted, rejected: rejections.count, errorMessage: rejections.message() };
}

function decodeLogRecord(w: JsonWalker, l: JsonObject, scopeColumns: string): string {
  w.itemError = '';
  const time = w.uint64(field(l, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano');
  const observed = w.uint64(field(l, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano');
  const severityNumber = w.enumValue(field(l, 'severityNumber', 'severity_number'), 'severityNumber', SEVERITY_NAMES);
  const severityText = w.string(field(l, 'severityText', 'severity_text'), 'severityText');
  const body = anyValueText(w, l['body'], 'body', 1);
  const attrs = attributesBody(w, l['attributes'], 'attributes');
  w.uint32(field(l, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount');
  const flags = w.uint32(l['flags'], 'flags');
  const traceId = w.hexId(field(l, 'traceId', 'trace_id'), 'traceId', 'trace_id', 16, true);
  const spanId = w.hexId(field(l, 'spanId', 'span_id'), 'spanId', 'span_id', 8, true);
  const eventName = w.string(field(l, 'eventName', 'event_name'), 'eventName');
  if (w.itemError !== '') return '';
  return logRow(
    dateTime64Text(time === '0' ? observed : time),
    traceId,
    spanId,
    flags,
    tsvString(severityText),
    severityNumber,
    scopeColumns,
    tsvString(body),
    '{' + attrs + '}',
    tsvString(eventName),
  );
}
