import { logRow, logScopeColumns } from '../rows/log-row.ts';
import { TableBatch, type DecodeResult } from '../rows/table-batch.ts';
import { tsvString } from '../rows/tsv.ts';
import { dateTime64Text } from '../rows/values.ts';
import { ANY_VALUE_FIELDS, anyValueText, appendAttribute } from './any-value-proto.ts';
import { maxAnyValueDepth, type DecodeLimits } from './decode-limits.ts';
import { decodeScopeItems, walkEnvelope, type ItemSink } from './envelope-proto.ts';
import { bytesToHex, idLengthProblem, isAllZero } from './hex-id.ts';
import { ProtoReader } from './proto-reader.ts';
import { Rejections } from './rejections.ts';
import { uint64Decimal } from './uint64-decimal.ts';

/** ExportLogsServiceRequest bytes → otel_logs TSV rows. */

const NAMES = { resource: 'resource_logs', scope: 'scope_logs', item: 'log_records' };

const LOG_FIELDS: readonly string[] = [
  '', 'time_unix_nano', 'severity_number', 'severity_text', '', 'body', 'attributes',
  'dropped_attributes_count', 'flags', 'trace_id', 'span_id', 'observed_time_unix_nano', 'event_name',
];
const ITEM = { name: 'log_records', fields: LOG_FIELDS, table: 'otel_logs' } as const;

export function decodeLogsProto(buf: Uint8Array, limits?: DecodeLimits): DecodeResult {
  const r = new ProtoReader(buf, maxAnyValueDepth(limits));
  const sink: ItemSink = { batch: new TableBatch(), rejections: new Rejections('log records'), accepted: 0 };
  walkEnvelope(r, NAMES, (r, end, resource, scope) => {
    const scopeColumns = logScopeColumns(
      resource.serviceName,
      resource.schemaUrl,
      resource.attributes,
      scope.schemaUrl,
      scope.name,
      scope.version,
      scope.attributes,
    );
    decodeScopeItems(r, end, resource, scope, ITEM, (r, e) => decodeLogRecord(r, e, scopeColumns), (line) => sink.batch.append(ITEM.table, line), sink);
  });
  return { batch: sink.batch, accepted: sink.accepted, rejected: sink.rejections.count, errorMessage: sink.rejections.message() };
}

function decodeLogRecord(r: ProtoReader, end: number, scopeColumns: string): string {
  r.itemError = '';
  const buf = r.buf;
  let timeLo = 0;
  let timeHi = 0;
  let observedLo = 0;
  let observedHi = 0;
  let severityNumber = 0;
  let severityText = '';
  let bodyStart = -1;
  let bodyEnd = -1;
  let attrs = '';
  let nAttrs = 0;
  let flags = 0;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let eventName = '';
  while (r.pos < end) {
    const wire = r.tag(end);
    switch (r.field) {
      case 1:
        r.fixed64(end, wire);
        timeLo = r.lo;
        timeHi = r.hi;
        break;
      case 2:
        severityNumber = r.uint32(end, wire) | 0;
        break;
      case 3:
        severityText = r.tsvString(end, wire);
        break;
      case 5:
        bodyEnd = r.lenEnd(end, wire);
        bodyStart = r.pos;
        r.pos = bodyEnd;
        break;
      case 6:
        attrs = appendAttribute(r, end, wire, 'attributes', nAttrs++, attrs);
        break;
      case 7:
        r.uint32(end, wire);
        break;
      case 8:
        flags = r.fixed32(end, wire);
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
        eventName = r.tsvString(end, wire);
        break;
      default:
        r.skip(end, wire);
    }
  }
  let body = '';
  if (bodyStart >= 0) {
    r.pos = bodyStart;
    r.path.enter('body', -1, ANY_VALUE_FIELDS);
    body = tsvString(anyValueText(r, bodyEnd, 1));
    r.path.leave();
  }
  const traceLen = traceEnd - traceStart;
  const spanLen = spanEnd - spanStart;
  // Ids are optional on logs; present ones must have the right length.
  if (traceLen !== 0 && traceLen !== 16) r.reject(idLengthProblem('trace_id', 16, traceLen));
  if (spanLen !== 0 && spanLen !== 8) r.reject(idLengthProblem('span_id', 8, spanLen));
  if (r.itemError !== '') return '';

  // The exporter falls back to the observed time when the event time is unset.
  const useObserved = timeLo === 0 && timeHi === 0;
  const ts = useObserved ? uint64Decimal(observedLo, observedHi) : uint64Decimal(timeLo, timeHi);
  return logRow(
    dateTime64Text(ts),
    traceLen === 0 || isAllZero(buf, traceStart, traceEnd) ? '' : bytesToHex(buf, traceStart, traceEnd),
    spanLen === 0 || isAllZero(buf, spanStart, spanEnd) ? '' : bytesToHex(buf, spanStart, spanEnd),
    flags,
    severityText,
    severityNumber,
    scopeColumns,
    body,
    '{' + attrs + '}',
    eventName,
  );
}
