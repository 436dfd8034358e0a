import { spanRow, spanScopeColumns } from '../rows/span-row.ts';
import { TableBatch, type DecodeResult } from '../rows/table-batch.ts';
import { dateTime64Element, dateTime64Text, spanKindName, statusCodeName } from '../rows/values.ts';
import { appendAttribute } from './any-value-proto.ts';
import { maxAnyValueDepth, type DecodeLimits } from './decode-limits.ts';
import { decodeScopeItems, walkEnvelope, type ItemSink } from './envelope-proto.ts';
import { bytesToHex, idAllZeroProblem, idLengthProblem, isAllZero } from './hex-id.ts';
import { ProtoReader } from './proto-reader.ts';
import { Rejections } from './rejections.ts';
import { uint64Decimal, uint64DiffDecimal } from './uint64-decimal.ts';

/** ExportTraceServiceRequest bytes → otel_traces TSV rows. */

const NAMES = { resource: 'resource_spans', scope: 'scope_spans', item: 'spans' };

const SPAN_FIELDS: readonly string[] = [
  '', 'trace_id', 'span_id', 'trace_state', 'parent_span_id', 'name', 'kind',
  'start_time_unix_nano', 'end_time_unix_nano', 'attributes', 'dropped_attributes_count',
  'events', 'dropped_events_count', 'links', 'dropped_links_count', 'status', 'flags',
];
const ITEM = { name: 'spans', fields: SPAN_FIELDS, table: 'otel_traces' } as const;
const EVENT_FIELDS: readonly string[] = ['', 'time_unix_nano', 'name', 'attributes', 'dropped_attributes_count'];
const LINK_FIELDS: readonly string[] = [
  '', 'trace_id', 'span_id', 'trace_state', 'attributes', 'dropped_attributes_count', 'flags',
];
const STATUS_FIELDS: readonly string[] = ['', '', 'message', 'code'];

export function decodeTracesProto(buf: Uint8Array, limits?: DecodeLimits): DecodeResult {
  const r = new ProtoReader(buf, maxAnyValueDepth(limits));
  const sink: ItemSink = { batch: new TableBatch(), rejections: new Rejections('spans'), accepted: 0 };
  walkEnvelope(r, NAMES, (r, end, resource, scope) => {
    const scopeColumns = spanScopeColumns(resource.serviceName, resource.attributes, scope.name, scope.version, scope.attributes);
    decodeScopeItems(r, end, resource, scope, ITEM, (r, e) => decodeSpan(r, e, scopeColumns), sink);
  });
  return { batch: sink.batch, accepted: sink.accepted, rejected: sink.rejections.count, errorMessage: sink.rejections.message() };
}

/** Decodes one Span; returns its TSV line, or '' with `r.itemError` set when it is invalid. */
function decodeSpan(r: ProtoReader, end: number, scopeColumns: string): string {
  r.itemError = '';
  const buf = r.buf;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let parentStart = 0;
  let parentEnd = 0;
  let traceState = '';
  let name = '';
  let kind = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  let attrs = '';
  let nAttrs = 0;
  let statusCode = 0;
  let statusMessage = '';
  let nEvents = 0;
  let nLinks = 0;
  ev.times = ev.names = ev.attrs = '';
  lk.traceIds = lk.spanIds = lk.states = lk.attrs = '';
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        traceEnd = r.lenEnd(end, wire);
        traceStart = r.pos;
        r.pos = traceEnd;
        break;
      case 2:
        spanEnd = r.lenEnd(end, wire);
        spanStart = r.pos;
        r.pos = spanEnd;
        break;
      case 3:
        traceState = r.tsvString(end, wire);
        break;
      case 4:
        parentEnd = r.lenEnd(end, wire);
        parentStart = r.pos;
        r.pos = parentEnd;
        break;
      case 5:
        name = r.tsvString(end, wire);
        break;
      case 6:
        kind = r.uint32(end, wire) | 0;
        break;
      case 7:
        r.fixed64(end, wire);
        startLo = r.lo;
        startHi = r.hi;
        break;
      case 8:
        r.fixed64(end, wire);
        endLo = r.lo;
        endHi = r.hi;
        break;
      case 9:
        attrs = appendAttribute(r, end, wire, 'attributes', nAttrs++, attrs);
        break;
      case 11: {
        const e = r.lenEnd(end, wire);
        r.path.enter('events', nEvents, EVENT_FIELDS);
        decodeEvent(r, e, nEvents++ === 0);
        r.path.leave();
        r.pos = e;
        break;
      }
      case 13: {
        const e = r.lenEnd(end, wire);
        r.path.enter('links', nLinks, LINK_FIELDS);
        decodeLink(r, e, nLinks++ === 0);
        r.path.leave();
        r.pos = e;
        break;
      }
      case 15: {
        const e = r.lenEnd(end, wire);
        r.path.enter('status', -1, STATUS_FIELDS);
        while (r.pos < e) {
          const w = r.tag(e);
          const f: number = r.field; // (re-read: the outer switch narrowed r.field)
          if (f === 2) statusMessage = r.tsvString(e, w);
          else if (f === 3) statusCode = r.uint32(e, w) | 0;
          else r.skip(e, w);
        }
        r.path.leave();
        break;
      }
      case 10:
      case 12:
      case 14:
        r.uint32(end, wire);
        break;
      case 16:
        r.fixed32(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  const traceLen = traceEnd - traceStart;
  if (traceLen !== 16) r.reject(idLengthProblem('trace_id', 16, traceLen));
  else if (isAllZero(buf, traceStart, traceEnd)) r.reject(idAllZeroProblem('trace_id'));
  const spanLen = spanEnd - spanStart;
  if (spanLen !== 8) r.reject(idLengthProblem('span_id', 8, spanLen));
  else if (isAllZero(buf, spanStart, spanEnd)) r.reject(idAllZeroProblem('span_id'));
  const parentLen = parentEnd - parentStart;
  if (parentLen !== 0 && parentLen !== 8) r.reject(idLengthProblem('parent_span_id', 8, parentLen));
  if (r.itemError !== '') return '';

  const parent = parentLen === 0 || isAllZero(buf, parentStart, parentEnd) ? '' : bytesToHex(buf, parentStart, parentEnd);
  return spanRow(
    dateTime64Text(uint64Decimal(startLo, startHi)),
    traceIdHex(r.view, buf, traceStart),
    bytesToHex(buf, spanStart, spanEnd),
    parent,
    traceState,
    name,
    spanKindName(kind),
    scopeColumns,
    '{' + attrs + '}',
    uint64DiffDecimal(startLo, startHi, endLo, endHi),
    statusCodeName(statusCode),
    statusMessage,
    ev.times,
    ev.names,
    ev.attrs,
    lk.traceIds,
    lk.spanIds,
    lk.states,
    lk.attrs,
  );
}

// Spans of one trace usually arrive together: remember the last trace id's hex.
const lastTraceId = new DataView(new ArrayBuffer(16));
let lastTraceHex = '';

function traceIdHex(view: DataView, buf: Uint8Array, start: number): string {
  if (
    lastTraceHex !== '' &&
    view.getInt32(start) === lastTraceId.getInt32(0) &&
    view.getInt32(start + 4) === lastTraceId.getInt32(4) &&
    view.getInt32(start + 8) === lastTraceId.getInt32(8) &&
    view.getInt32(start + 12) === lastTraceId.getInt32(12)
  ) {
    return lastTraceHex;
  }
  for (let i = 0; i < 16; i += 4) lastTraceId.setInt32(i, view.getInt32(start + i));
  lastTraceHex = bytesToHex(buf, start, start + 16);
  return lastTraceHex;
}

// Array-literal bodies of the span being decoded (one span at a time).
const ev = { times: '', names: '', attrs: '' };
const lk = { traceIds: '', spanIds: '', states: '', attrs: '' };

function decodeEvent(r: ProtoReader, end: number, first: boolean): void {
  let lo = 0;
  let hi = 0;
  let name = "''";
  let attrs = '';
  let nAttrs = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        r.fixed64(end, wire);
        lo = r.lo;
        hi = r.hi;
        break;
      case 2:
        name = r.quotedString(end, wire);
        break;
      case 3:
        attrs = appendAttribute(r, end, wire, 'attributes', nAttrs++, attrs);
        break;
      case 4:
        r.uint32(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  const sep = first ? '' : ',';
  ev.times += sep + dateTime64Element(uint64Decimal(lo, hi));
  ev.names += sep + name;
  ev.attrs += sep + '{' + attrs + '}';
}

function decodeLink(r: ProtoReader, end: number, first: boolean): void {
  const buf = r.buf;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let state = "''";
  let attrs = '';
  let nAttrs = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        traceEnd = r.lenEnd(end, wire);
        traceStart = r.pos;
        r.pos = traceEnd;
        break;
      case 2:
        spanEnd = r.lenEnd(end, wire);
        spanStart = r.pos;
        r.pos = spanEnd;
        break;
      case 3:
        state = r.quotedString(end, wire);
        break;
      case 4:
        attrs = appendAttribute(r, end, wire, 'attributes', nAttrs++, attrs);
        break;
      case 5:
        r.uint32(end, wire);
        break;
      case 6:
        r.fixed32(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  const traceLen = traceEnd - traceStart;
  const spanLen = spanEnd - spanStart;
  if (traceLen !== 0 && traceLen !== 16) r.reject(idLengthProblem('link trace_id', 16, traceLen));
  if (spanLen !== 0 && spanLen !== 8) r.reject(idLengthProblem('link span_id', 8, spanLen));
  // Like the exporter, an all-zero link id is written as ''.
  const traceId = traceLen === 0 || isAllZero(buf, traceStart, traceEnd) ? '' : bytesToHex(buf, traceStart, traceEnd);
  const spanId = spanLen === 0 || isAllZero(buf, spanStart, spanEnd) ? '' : bytesToHex(buf, spanStart, spanEnd);
  const sep = first ? '' : ',';
  lk.traceIds += sep + "'" + traceId + "'";
  lk.spanIds += sep + "'" + spanId + "'";
  lk.states += sep + state;
  lk.attrs += sep + '{' + attrs + '}';
}
