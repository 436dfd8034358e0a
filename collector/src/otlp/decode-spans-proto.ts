import type { EncodedMapRow, MapColumn } from '../rows/native-block.ts';
import { encodePairs, type EncodedPairs } from './encoded-pairs.ts';
import { createOtelTracesBlock, type OtelTracesColumns } from '../rows/native-traces.ts';
import { TableBatch, type DecodeResult } from '../rows/table-batch.ts';
import { spanKindName, statusCodeName } from '../rows/values.ts';
import { appendAttribute, appendAttributeTo, lastAttribute } from './any-value-proto.ts';
import { maxAnyValueDepth, type DecodeLimits } from './decode-limits.ts';
import { decodeScopeItems, walkEnvelope, type ItemSink } from './envelope-proto.ts';
import { bytesToHex, idAllZeroProblem, idLengthProblem, isAllZero } from './hex-id.ts';
import { LcIndexCache } from './lc-index-cache.ts';
import { ProtoReader } from './proto-reader.ts';
import { Rejections } from './rejections.ts';
import type { ResourceInfo, ScopeInfo } from './resource-scope.ts';

/**
 * ExportTraceServiceRequest bytes → one Native block of otel_traces rows.
 * A span's attributes go straight from their bytes into the SpanAttributes
 * column as they are read (undone if the span turns out invalid); the rest
 * is read into scratch first and written once the span is known to be valid
 * (its ids are checked after all its fields). Values are the ones the TSV
 * writers produce for the JSON path (tests compare the two).
 */

const NAMES = { resource: 'resource_spans', scope: 'scope_spans', item: 'spans' };

const SPAN_FIELDS: readonly string[] = [
  '', 'trace_id', 'span_id', 'trace_state', 'parent_span_id', 'name', 'kind',
  'start_time_unix_nano', 'end_time_unix_nano', 'attributes', 'dropped_attributes_count',
  'events', 'dropped_events_count', 'links', 'dropped_links_count', 'status', 'flags',
];
const ITEM = { name: 'spans', fields: SPAN_FIELDS } as const;
const EVENT_FIELDS: readonly string[] = ['', 'time_unix_nano', 'name', 'attributes', 'dropped_attributes_count'];
const LINK_FIELDS: readonly string[] = [
  '', 'trace_id', 'span_id', 'trace_state', 'attributes', 'dropped_attributes_count', 'flags',
];
const STATUS_FIELDS: readonly string[] = ['', '', 'message', 'code'];

// One block for every request (decoding is synchronous): its column buffers
// keep the size they grew to instead of growing again for each request.
const { block, columns: cols } = createOtelTracesBlock();
const attributeKeys = new LcIndexCache(cols.SpanAttributes.keys);
const spanNames = new LcIndexCache(cols.SpanName);

export function decodeTracesProto(buf: Uint8Array, limits?: DecodeLimits): DecodeResult {
  const r = new ProtoReader(buf, maxAnyValueDepth(limits));
  block.reset();
  resourceAttrs.owner = scopeAttrs.owner = undefined;
  const sink: ItemSink = { batch: new TableBatch(), rejections: new Rejections('spans'), accepted: 0 };
  walkEnvelope(r, NAMES, (r, end, resource, scope) => {
    decodeScopeItems(r, end, resource, scope, ITEM, decodeSpan, () => writeSpan(cols, r, resource, scope), sink, discardAttributes);
  });
  if (block.rows > 0) sink.batch.setEncoded('otel_traces', { format: 'Native', payload: block.serialize(), rows: block.rows });
  return { batch: sink.batch, accepted: sink.accepted, rejected: sink.rejections.count, errorMessage: sink.rejections.message() };
}

// The span being decoded (one at a time): positions of its ids in the request
// buffer, its scalars, and its attributes, events and links as flat lists.
const span = {
  nameStart: 0,
  nameEnd: 0,
  traceStart: 0,
  spanStart: 0,
  parentStart: 0,
  parentLen: 0,
  traceState: '',
  kind: 0,
  startLo: 0,
  startHi: 0,
  endLo: 0,
  endHi: 0,
  statusCode: 0,
  statusMessage: '',
};
/** SpanAttributes before the span being decoded, to undo its entries if it is rejected. */
const attrMark = { keys: 0, values: 0, bytes: 0 };

function discardAttributes(): void {
  const map = cols.SpanAttributes;
  map.keys.rows = attrMark.keys;
  map.values.rows = attrMark.values;
  map.values.sink.len = attrMark.bytes;
}
const evLo: number[] = [];
const evHi: number[] = [];
const evNames: string[] = [];
/** Events' attributes, key, value… ; event i has pairs [evAttrEnd[i-1], evAttrEnd[i]) (in pair units ×2). */
const evAttrs: string[] = [];
const evAttrEnd: number[] = [];
let nEvents = 0;
let nEvAttrs = 0;
const lkTraceIds: string[] = [];
const lkSpanIds: string[] = [];
const lkStates: string[] = [];
const lkAttrs: string[] = [];
const lkAttrEnd: number[] = [];
let nLinks = 0;
let nLkAttrs = 0;

/** Reads one Span into the scratch above; sets `r.itemError` when it is invalid. */
function decodeSpan(r: ProtoReader, end: number): void {
  r.itemError = '';
  const buf = r.buf;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let parentStart = 0;
  let parentEnd = 0;
  span.traceState = '';
  span.nameStart = span.nameEnd = 0;
  span.kind = 0;
  span.startLo = span.startHi = span.endLo = span.endHi = 0;
  span.statusCode = 0;
  span.statusMessage = '';
  nEvents = nEvAttrs = nLinks = nLkAttrs = 0;
  const attributes = cols.SpanAttributes;
  attrMark.keys = attributes.keys.rows;
  attrMark.values = attributes.values.rows;
  attrMark.bytes = attributes.values.sink.len;
  let attrIndex = 0;
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
        span.traceState = r.string(end, wire);
        break;
      case 4:
        parentEnd = r.lenEnd(end, wire);
        parentStart = r.pos;
        r.pos = parentEnd;
        break;
      case 5:
        span.nameEnd = r.lenEnd(end, wire);
        span.nameStart = r.pos;
        r.pos = span.nameEnd;
        break;
      case 6:
        span.kind = r.uint32(end, wire) | 0;
        break;
      case 7:
        r.fixed64(end, wire);
        span.startLo = r.lo;
        span.startHi = r.hi;
        break;
      case 8:
        r.fixed64(end, wire);
        span.endLo = r.lo;
        span.endHi = r.hi;
        break;
      case 9:
        appendAttributeTo(r, end, wire, 'attributes', attrIndex++, attributes, attributeKeys);
        break;
      case 11: {
        const e = r.lenEnd(end, wire);
        r.path.enter('events', nEvents, EVENT_FIELDS);
        decodeEvent(r, e);
        r.path.leave();
        r.pos = e;
        break;
      }
      case 13: {
        const e = r.lenEnd(end, wire);
        r.path.enter('links', nLinks, LINK_FIELDS);
        decodeLink(r, e);
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
          if (f === 2) span.statusMessage = r.string(e, w);
          else if (f === 3) span.statusCode = r.uint32(e, w) | 0;
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
  span.traceStart = traceStart;
  span.spanStart = spanStart;
  span.parentStart = parentStart;
  span.parentLen = parentLen === 0 || isAllZero(buf, parentStart, parentEnd) ? 0 : parentLen;
}

/** Writes the span in scratch as the next row of `block` (ids and name are read from the request, `r.buf`). */
function writeSpan(cols: OtelTracesColumns, r: ProtoReader, resource: ResourceInfo, scope: ScopeInfo): void {
  const buf = r.buf;
  cols.Timestamp.pushDateTime64(span.startLo, span.startHi);
  cols.TraceId.pushHex(buf, span.traceStart, span.traceStart + 16);
  cols.SpanId.pushHex(buf, span.spanStart, span.spanStart + 8);
  if (span.parentLen === 0) cols.ParentSpanId.push('');
  else cols.ParentSpanId.pushHex(buf, span.parentStart, span.parentStart + 8);
  cols.TraceState.push(span.traceState);
  if (span.nameStart === span.nameEnd) cols.SpanName.push('');
  else spanNames.push(buf, r.view, span.nameStart, span.nameEnd);
  cols.SpanKind.push(spanKindName(span.kind));
  if (resourceAttrs.owner !== resource) {
    encodePairs(resourceAttrs, resource, cols.ResourceAttributes, resource.attributePairs);
    serviceIndex = cols.ServiceName.indexOf(resource.serviceName);
  }
  cols.ServiceName.pushIndex(serviceIndex);
  cols.ResourceAttributes.pushEncodedRow(resourceAttrs.row as EncodedMapRow);
  cols.ScopeName.push(scope.name);
  cols.ScopeVersion.push(scope.version);
  if (scopeAttrs.owner !== scope) encodePairs(scopeAttrs, scope, cols.ScopeAttributes, scope.attributePairs);
  cols.ScopeAttributes.pushEncodedRow(scopeAttrs.row as EncodedMapRow);
  cols.SpanAttributes.endRow();
  cols.Duration.pushDifference(span.startLo, span.startHi, span.endLo, span.endHi);
  cols.StatusCode.push(statusCodeName(span.statusCode));
  cols.StatusMessage.push(span.statusMessage);

  const evTimes = cols['Events.Timestamp'].elements;
  const evNameCol = cols['Events.Name'].elements;
  const evAttrCol = cols['Events.Attributes'].elements;
  let from = 0;
  for (let i = 0; i < nEvents; i++) {
    evTimes.pushDateTime64(evLo[i] as number, evHi[i] as number);
    evNameCol.push(evNames[i] as string);
    const to = evAttrEnd[i] as number;
    pushPairs(evAttrCol, evAttrs, from, to);
    from = to;
  }
  cols['Events.Timestamp'].endRow();
  cols['Events.Name'].endRow();
  cols['Events.Attributes'].endRow();

  const lkTraceCol = cols['Links.TraceId'].elements;
  const lkSpanCol = cols['Links.SpanId'].elements;
  const lkStateCol = cols['Links.TraceState'].elements;
  const lkAttrCol = cols['Links.Attributes'].elements;
  from = 0;
  for (let i = 0; i < nLinks; i++) {
    lkTraceCol.push(lkTraceIds[i] as string);
    lkSpanCol.push(lkSpanIds[i] as string);
    lkStateCol.push(lkStates[i] as string);
    const to = lkAttrEnd[i] as number;
    pushPairs(lkAttrCol, lkAttrs, from, to);
    from = to;
  }
  cols['Links.TraceId'].endRow();
  cols['Links.SpanId'].endRow();
  cols['Links.TraceState'].endRow();
  cols['Links.Attributes'].endRow();
}

const resourceAttrs: EncodedPairs = { owner: undefined, row: undefined };
const scopeAttrs: EncodedPairs = { owner: undefined, row: undefined };
let serviceIndex = 0;

/** One Map value from pairs [from, to) of a key, value… list. */
function pushPairs(map: MapColumn, pairs: readonly string[], from: number, to: number): void {
  const keys = map.keys;
  const values = map.values;
  for (let i = from; i < to; i += 2) {
    keys.push(pairs[i] as string);
    values.push(pairs[i + 1] as string);
  }
  map.endRow();
}

function decodeEvent(r: ProtoReader, end: number): void {
  let lo = 0;
  let hi = 0;
  let name = '';
  let index = 0;
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        r.fixed64(end, wire);
        lo = r.lo;
        hi = r.hi;
        break;
      case 2:
        name = r.string(end, wire);
        break;
      case 3:
        // (events and links are rare: their attributes go through scratch, read as strings)
        appendAttribute(r, end, wire, 'attributes', index++, '', true);
        evAttrs[nEvAttrs++] = lastAttribute.key;
        evAttrs[nEvAttrs++] = lastAttribute.value;
        break;
      case 4:
        r.uint32(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  evLo[nEvents] = lo;
  evHi[nEvents] = hi;
  evNames[nEvents] = name;
  evAttrEnd[nEvents] = nEvAttrs;
  nEvents++;
}

function decodeLink(r: ProtoReader, end: number): void {
  const buf = r.buf;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let state = '';
  let index = 0;
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
        state = r.string(end, wire);
        break;
      case 4:
        appendAttribute(r, end, wire, 'attributes', index++, '', true);
        lkAttrs[nLkAttrs++] = lastAttribute.key;
        lkAttrs[nLkAttrs++] = lastAttribute.value;
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
  lkTraceIds[nLinks] = traceLen === 0 || isAllZero(buf, traceStart, traceEnd) ? '' : bytesToHex(buf, traceStart, traceEnd);
  lkSpanIds[nLinks] = spanLen === 0 || isAllZero(buf, spanStart, spanEnd) ? '' : bytesToHex(buf, spanStart, spanEnd);
  lkStates[nLinks] = state;
  lkAttrEnd[nLinks] = nLkAttrs;
  nLinks++;
}
