import type { EncodedMapRow } from '../rows/native-block.ts';
import { createOtelLogsBlock } from '../rows/native-logs.ts';
import { TableBatch, type DecodeResult } from '../rows/table-batch.ts';
import { appendAttributeTo, ANY_VALUE_FIELDS, pushAnyValueText } from './any-value-proto.ts';
import { maxAnyValueDepth, type DecodeLimits } from './decode-limits.ts';
import { encodePairs, type EncodedPairs } from './encoded-pairs.ts';
import { decodeScopeItems, walkEnvelope, type ItemSink } from './envelope-proto.ts';
import { idLengthProblem, isAllZero } from './hex-id.ts';
import { LcIndexCache } from './lc-index-cache.ts';
import { ProtoReader } from './proto-reader.ts';
import { Rejections } from './rejections.ts';
import type { ResourceInfo, ScopeInfo } from './resource-scope.ts';

/**
 * ExportLogsServiceRequest bytes → one Native block of otel_logs rows, as
 * the span decoder writes otel_traces: a record's attributes and body go
 * straight from their bytes into the LogAttributes and Body columns as they
 * are read (undone if the record turns out invalid), the rest is kept in
 * scratch and written once the record is known to be valid. Values are the
 * ones the TSV writers produce for the JSON path (tests compare the two).
 */

const NAMES = { resource: 'resource_logs', scope: 'scope_logs', item: 'log_records' };

const LOG_FIELDS: readonly string[] = [
  '', 'time_unix_nano', 'severity_number', 'severity_text', '', 'body', 'attributes',
  'dropped_attributes_count', 'flags', 'trace_id', 'span_id', 'observed_time_unix_nano', 'event_name',
];
const ITEM = { name: 'log_records', fields: LOG_FIELDS } as const;

// One block for every request (decoding is synchronous): its column buffers
// keep the size they grew to instead of growing again for each request.
const { block, columns: cols } = createOtelLogsBlock();
const attributeKeys = new LcIndexCache(cols.LogAttributes.keys);
const severityTexts = new LcIndexCache(cols.SeverityText);

const resourceAttrs: EncodedPairs = { owner: undefined, row: undefined };
const scopeAttrs: EncodedPairs = { owner: undefined, row: undefined };
/** Dictionary indexes of the current resource's and scope's LowCardinality values in this block. */
const resourceIdx = { service: 0, schemaUrl: 0 };
const scopeIdx = { schemaUrl: 0, version: 0 };

export function decodeLogsProto(buf: Uint8Array, limits?: DecodeLimits): DecodeResult {
  const r = new ProtoReader(buf, maxAnyValueDepth(limits));
  block.reset();
  resourceAttrs.owner = scopeAttrs.owner = undefined;
  const sink: ItemSink = { batch: new TableBatch(), rejections: new Rejections('log records'), accepted: 0 };
  walkEnvelope(r, NAMES, (r, end, resource, scope) => {
    decodeScopeItems(r, end, resource, scope, ITEM, decodeLogRecord, () => writeLogRecord(r, resource, scope), sink, discardRecord);
  });
  if (block.rows > 0) sink.batch.setEncoded('otel_logs', { format: 'Native', payload: block.serialize(), rows: block.rows });
  return { batch: sink.batch, accepted: sink.accepted, rejected: sink.rejections.count, errorMessage: sink.rejections.message() };
}

// The record being decoded (one at a time): its scalars and the positions of its ids in the request.
const rec = {
  timeLo: 0,
  timeHi: 0,
  severityNumber: 0,
  severityStart: 0,
  severityEnd: 0,
  flags: 0,
  traceStart: 0,
  traceLen: 0,
  spanStart: 0,
  spanLen: 0,
  eventName: '',
};
/** LogAttributes and Body before the record being decoded, to undo what it wrote if it is rejected. */
const mark = { keys: 0, values: 0, valueBytes: 0, bodies: 0, bodyBytes: 0 };

function discardRecord(): void {
  const map = cols.LogAttributes;
  map.keys.rows = mark.keys;
  map.values.rows = mark.values;
  map.values.sink.len = mark.valueBytes;
  cols.Body.rows = mark.bodies;
  cols.Body.sink.len = mark.bodyBytes;
}

/** Reads one LogRecord: attributes and body into their columns, the rest into `rec`; sets `r.itemError` when it is invalid. */
function decodeLogRecord(r: ProtoReader, end: number): void {
  r.itemError = '';
  const attributes = cols.LogAttributes;
  const body = cols.Body;
  mark.keys = attributes.keys.rows;
  mark.values = attributes.values.rows;
  mark.valueBytes = attributes.values.sink.len;
  mark.bodies = body.rows;
  mark.bodyBytes = body.sink.len;
  let timeLo = 0;
  let timeHi = 0;
  let observedLo = 0;
  let observedHi = 0;
  let bodyStart = -1;
  let bodyEnd = -1;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let attrIndex = 0;
  rec.severityNumber = 0;
  rec.severityStart = rec.severityEnd = 0;
  rec.flags = 0;
  rec.eventName = '';
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        r.fixed64(end, wire);
        timeLo = r.lo;
        timeHi = r.hi;
        break;
      case 2:
        rec.severityNumber = r.uint32(end, wire) | 0;
        break;
      case 3:
        rec.severityEnd = r.lenEnd(end, wire);
        rec.severityStart = r.pos;
        r.pos = rec.severityEnd;
        break;
      case 5:
        bodyEnd = r.lenEnd(end, wire);
        bodyStart = r.pos;
        r.pos = bodyEnd;
        break;
      case 6:
        appendAttributeTo(r, end, wire, 'attributes', attrIndex++, attributes, attributeKeys);
        break;
      case 7:
        r.uint32(end, wire);
        break;
      case 8:
        rec.flags = r.fixed32(end, wire);
        break;
      case 9:
        traceEnd = r.lenEnd(end, wire);
        traceStart = r.pos;
        r.pos = traceEnd;
        break;
      case 10:
        spanEnd = r.lenEnd(end, wire);
        spanStart = r.pos;
        r.pos = spanEnd;
        break;
      case 11:
        r.fixed64(end, wire);
        observedLo = r.lo;
        observedHi = r.hi;
        break;
      case 12:
        rec.eventName = r.string(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  // The body is read after every field, so the last body field on the wire wins (proto3).
  if (bodyStart >= 0) {
    r.pos = bodyStart;
    r.path.enter('body', -1, ANY_VALUE_FIELDS);
    pushAnyValueText(r, bodyEnd, body);
    r.path.leave();
  } else {
    body.push('');
  }
  const traceLen = traceEnd - traceStart;
  const spanLen = spanEnd - spanStart;
  // Ids are optional on logs; present ones must have the right length.
  if (traceLen !== 0 && traceLen !== 16) r.reject(idLengthProblem('trace_id', 16, traceLen));
  if (spanLen !== 0 && spanLen !== 8) r.reject(idLengthProblem('span_id', 8, spanLen));
  const buf = r.buf;
  rec.traceStart = traceStart;
  rec.traceLen = traceLen === 0 || isAllZero(buf, traceStart, traceEnd) ? 0 : traceLen;
  rec.spanStart = spanStart;
  rec.spanLen = spanLen === 0 || isAllZero(buf, spanStart, spanEnd) ? 0 : spanLen;
  // The exporter falls back to the observed time when the event time is unset.
  if (timeLo === 0 && timeHi === 0) {
    rec.timeLo = observedLo;
    rec.timeHi = observedHi;
  } else {
    rec.timeLo = timeLo;
    rec.timeHi = timeHi;
  }
}

/** Writes the record in `rec` as the next row (its attributes and body are already in their columns). */
function writeLogRecord(r: ProtoReader, resource: ResourceInfo, scope: ScopeInfo): void {
  const buf = r.buf;
  cols.Timestamp.pushDateTime64(rec.timeLo, rec.timeHi);
  if (rec.traceLen === 0) cols.TraceId.push('');
  else cols.TraceId.pushHex(buf, rec.traceStart, rec.traceStart + rec.traceLen);
  if (rec.spanLen === 0) cols.SpanId.push('');
  else cols.SpanId.pushHex(buf, rec.spanStart, rec.spanStart + rec.spanLen);
  // The column keeps the W3C trace-flags byte of LogRecord.flags.
  cols.TraceFlags.push(rec.flags);
  if (rec.severityStart === rec.severityEnd) cols.SeverityText.pushIndex(0); // '' is index 0 of every block's dictionary
  else severityTexts.push(buf, r.view, rec.severityStart, rec.severityEnd);
  cols.SeverityNumber.push(rec.severityNumber);
  if (resourceAttrs.owner !== resource) {
    encodePairs(resourceAttrs, resource, cols.ResourceAttributes, resource.attributePairs);
    resourceIdx.service = cols.ServiceName.indexOf(resource.serviceName);
    resourceIdx.schemaUrl = cols.ResourceSchemaUrl.indexOf(resource.schemaUrl);
  }
  cols.ServiceName.pushIndex(resourceIdx.service);
  cols.ResourceSchemaUrl.pushIndex(resourceIdx.schemaUrl);
  cols.ResourceAttributes.pushEncodedRow(resourceAttrs.row as EncodedMapRow);
  if (scopeAttrs.owner !== scope) {
    encodePairs(scopeAttrs, scope, cols.ScopeAttributes, scope.attributePairs);
    scopeIdx.schemaUrl = cols.ScopeSchemaUrl.indexOf(scope.schemaUrl);
    scopeIdx.version = cols.ScopeVersion.indexOf(scope.version);
  }
  cols.ScopeSchemaUrl.pushIndex(scopeIdx.schemaUrl);
  cols.ScopeName.push(scope.name);
  cols.ScopeVersion.pushIndex(scopeIdx.version);
  cols.ScopeAttributes.pushEncodedRow(scopeAttrs.row as EncodedMapRow);
  cols.LogAttributes.endRow();
  cols.EventName.push(rec.eventName);
}
