import { spanRow, spanScopeColumns } from '../rows/span-row.ts';
import { TableBatch, type DecodeResult } from '../rows/table-batch.ts';
import { quoted, tsvString } from '../rows/tsv.ts';
import { dateTime64Element, dateTime64Text, durationText, spanKindName, statusCodeName } from '../rows/values.ts';
import { attributesBody } from './any-value-json.ts';
import { maxAnyValueDepth, type DecodeLimits } from './decode-limits.ts';
import { walkEnvelopeJson } from './envelope-json.ts';
import { idAllZeroProblem, idLengthProblem, isZeroHex } from './hex-id.ts';
import { field, JsonWalker, parseJson, type JsonObject } from './json-walker.ts';
import { Rejections } from './rejections.ts';

/** OTLP/JSON ExportTraceServiceRequest → otel_traces TSV rows (the same values the protobuf path writes as a Native block; tests compare them). */

const NAMES = {
  resource: ['resourceSpans', 'resource_spans'],
  scope: ['scopeSpans', 'scope_spans'],
  item: ['spans', 'spans'],
} as const;

const NO_FIELDS: readonly string[] = [];

export const SPAN_KIND_NAMES: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

export const STATUS_CODE_NAMES: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

export function decodeTracesJson(body: string, limits?: DecodeLimits): DecodeResult {
  const w = new JsonWalker(maxAnyValueDepth(limits));
  const batch = new TableBatch();
  const rejections = new Rejections('spans');
  let accepted = 0;
  walkEnvelopeJson(w, parseJson(body), NAMES, (w, items, resource, scope) => {
    const scopeColumns = spanScopeColumns(resource.serviceName, resource.attributes, scope.name, scope.version, scope.attributes);
    const inherited = resource.problem !== '' ? resource.problem : scope.problem;
    for (let i = 0; i < items.length; i++) {
      const span = w.element(items[i], 'spans', i);
      w.path.enter('spans', i, NO_FIELDS);
      const line = decodeSpan(w, span, scopeColumns);
      if (inherited !== '') w.reject(inherited);
      if (w.itemError === '') {
        batch.append('otel_traces', line);
        accepted++;
      } else {
        rejections.add(w.itemError, w.path);
      }
      w.path.leave();
    }
  });
  return { batch, accepted, rejected: rejections.count, errorMessage: rejections.message() };
}

function decodeSpan(w: JsonWalker, s: JsonObject, scopeColumns: string): string {
  w.itemError = '';
  const traceId = w.hexId(field(s, 'traceId', 'trace_id'), 'traceId', 'trace_id', 16, false);
  const spanId = w.hexId(field(s, 'spanId', 'span_id'), 'spanId', 'span_id', 8, false);
  const parent = w.hexId(field(s, 'parentSpanId', 'parent_span_id'), 'parentSpanId', 'parent_span_id', 8, true);
  const traceState = w.string(field(s, 'traceState', 'trace_state'), 'traceState');
  const name = w.string(s['name'], 'name');
  const kind = w.enumValue(s['kind'], 'kind', SPAN_KIND_NAMES);
  const start = w.uint64(field(s, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
  const end = w.uint64(field(s, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano');
  const attrs = attributesBody(w, s['attributes'], 'attributes');
  w.uint32(field(s, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount');
  w.uint32(field(s, 'droppedEventsCount', 'dropped_events_count'), 'droppedEventsCount');
  w.uint32(field(s, 'droppedLinksCount', 'dropped_links_count'), 'droppedLinksCount');
  w.uint32(s['flags'], 'flags');

  let eventTimes = '';
  let eventNames = '';
  let eventAttrs = '';
  const events = w.array(s['events'], 'events');
  for (let i = 0; i < events.length; i++) {
    const e = w.element(events[i], 'events', i);
    w.path.enter('events', i, NO_FIELDS);
    const sep = i === 0 ? '' : ',';
    eventTimes += sep + dateTime64Element(w.uint64(field(e, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'));
    eventNames += sep + quoted(w.string(e['name'], 'name'));
    eventAttrs += sep + '{' + attributesBody(w, e['attributes'], 'attributes') + '}';
    w.uint32(field(e, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount');
    w.path.leave();
  }

  let linkTraceIds = '';
  let linkSpanIds = '';
  let linkStates = '';
  let linkAttrs = '';
  const links = w.array(s['links'], 'links');
  for (let i = 0; i < links.length; i++) {
    const l = w.element(links[i], 'links', i);
    w.path.enter('links', i, NO_FIELDS);
    const sep = i === 0 ? '' : ',';
    linkTraceIds += sep + "'" + w.hexId(field(l, 'traceId', 'trace_id'), 'traceId', 'link trace_id', 16, true) + "'";
    linkSpanIds += sep + "'" + w.hexId(field(l, 'spanId', 'span_id'), 'spanId', 'link span_id', 8, true) + "'";
    linkStates += sep + quoted(w.string(field(l, 'traceState', 'trace_state'), 'traceState'));
    linkAttrs += sep + '{' + attributesBody(w, l['attributes'], 'attributes') + '}';
    w.uint32(field(l, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount');
    w.uint32(l['flags'], 'flags');
    w.path.leave();
  }

  let statusCode = 0;
  let statusMessage = '';
  const status = w.object(s['status'], 'status');
  if (status !== undefined) {
    w.path.enter('status', -1, NO_FIELDS);
    statusMessage = w.string(status['message'], 'message');
    statusCode = w.enumValue(status['code'], 'code', STATUS_CODE_NAMES);
    w.path.leave();
  }

  // Same checks, in the same order, as the protobuf decoder.
  if (traceId === '') w.reject(idLengthProblem('trace_id', 16, 0));
  else if (isZeroHex(traceId)) w.reject(idAllZeroProblem('trace_id'));
  if (spanId === '') w.reject(idLengthProblem('span_id', 8, 0));
  else if (isZeroHex(spanId)) w.reject(idAllZeroProblem('span_id'));
  if (w.itemError !== '') return '';

  return spanRow(
    dateTime64Text(start),
    traceId,
    spanId,
    parent,
    tsvString(traceState),
    tsvString(name),
    spanKindName(kind),
    scopeColumns,
    '{' + attrs + '}',
    durationText(start, end),
    statusCodeName(statusCode),
    tsvString(statusMessage),
    eventTimes,
    eventNames,
    eventAttrs,
    linkTraceIds,
    linkSpanIds,
    linkStates,
    linkAttrs,
  );
}
