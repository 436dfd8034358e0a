// `node --import tsx benchmarks/decode.ts [-- --seconds 3 --services 20 --spans 500 --attributes 10 --distinct]`
//
// Decode throughput of the hot path: one realistic ExportTraceServiceRequest
// (made by the OTel JS SDK and its own protobuf serializer) decoded to one Native block
// by PPO's hand-written decoder, against decoding the same bytes into message
// objects with protobufjs (reflection codegen, as the OTel transformer used to
// ship). The JSON body of the same spans is decoded too, for reference.
// Attribute values repeat across spans as real instrumentation's do (methods,
// routes, hosts); `--distinct` makes every string value unique instead, the
// worst case for the decoder's string and attribute caches.
// Progress goes to stderr; stdout gets one JSON line.
import { parseArgs } from 'node:util';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { decodeTracesJson, decodeTracesProto } from '../collector/src/otlp/decode.ts';
import { rate } from './lib/timing.ts';
import { shopServiceResource } from './lib/shop-resource.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    services: { type: 'string', default: '20' },
    spans: { type: 'string', default: '500' },
    attributes: { type: 'string', default: '10' },
    distinct: { type: 'boolean', default: false },
  },
  strict: true,
});
const seconds = Number(args.seconds);
const services = Number(args.services);
const spansPerRequest = Number(args.spans);
const attributesPerSpan = Number(args.attributes);
const distinct = args.distinct;
let serial = 0;

const ATTRIBUTE_POOL: [string, (i: number) => string | number | boolean][] = [
  ['http.request.method', (i) => ['GET', 'POST', 'PUT'][i % 3]!],
  ['http.route', (i) => `/api/v1/orders/{id}/items/${i % 17}`],
  ['http.response.status_code', (i) => (i % 23 === 0 ? 500 : 200)],
  ['server.address', () => 'orders.internal.example.com'],
  ['server.port', () => 8443],
  ['url.scheme', () => 'https'],
  ['user_agent.original', () => 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'],
  ['db.system', () => 'postgresql'],
  ['db.query.text', (i) => `SELECT id, total, status FROM orders WHERE customer_id = $1 AND created_at > $2 LIMIT ${i % 50}`],
  ['network.peer.address', (i) => `10.0.${i % 8}.${i % 250}`],
  ['thread.id', (i) => i % 64],
  ['cache.hit', (i) => i % 3 === 0],
  ['messaging.system', () => 'kafka'],
  ['retry.count', (i) => i % 4],
];

function makeSpans(): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  const perService = Math.ceil(spansPerRequest / services);
  for (let s = 0; s < services; s++) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: shopServiceResource(s, { 'process.runtime.name': 'nodejs' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.219.0');
    for (let i = 0; i < perService && spans.length + i < spansPerRequest; ) {
      const attrs = (n: number) =>
        Object.fromEntries(
          ATTRIBUTE_POOL.slice(0, attributesPerSpan).map(([k, f]) => {
            const v = f(n + s);
            return [k, distinct && typeof v === 'string' ? `${v}#${serial++}` : v];
          }),
        );
      const root = tracer.startSpan(`GET /api/v1/orders/{id}`, { kind: SpanKind.SERVER, attributes: attrs(i) });
      i++;
      const ctx = trace.setSpan(context.active(), root);
      for (let c = 0; c < 4 && i < perService; c++, i++) {
        const child = tracer.startSpan(`SELECT orders ${c}`, { kind: SpanKind.CLIENT, attributes: attrs(i) }, ctx);
        if (c === 3) {
          child.addEvent('exception', { 'exception.type': 'TimeoutError', 'exception.message': 'query timed out' });
          child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
        }
        child.end();
      }
      root.end();
    }
    spans.push(...exporter.getFinishedSpans());
  }
  return spans.slice(0, spansPerRequest);
}

/** The OTLP trace request schema for protobufjs (field numbers from opentelemetry-proto). */
function protobufjsRequestType(): protobuf.Type {
  const fields = (list: [string, string, number, ('repeated' | undefined)?][]) =>
    Object.fromEntries(list.map(([name, type, id, rule]) => [name, rule ? { type, id, rule } : { type, id }]));
  const root = protobuf.Root.fromJSON({
    nested: {
      otlp: {
        nested: {
          ExportTraceServiceRequest: { fields: fields([['resourceSpans', 'ResourceSpans', 1, 'repeated']]) },
          ResourceSpans: { fields: fields([['resource', 'Resource', 1], ['scopeSpans', 'ScopeSpans', 2, 'repeated'], ['schemaUrl', 'string', 3]]) },
          Resource: { fields: fields([['attributes', 'KeyValue', 1, 'repeated'], ['droppedAttributesCount', 'uint32', 2]]) },
          ScopeSpans: { fields: fields([['scope', 'InstrumentationScope', 1], ['spans', 'Span', 2, 'repeated'], ['schemaUrl', 'string', 3]]) },
          InstrumentationScope: {
            fields: fields([['name', 'string', 1], ['version', 'string', 2], ['attributes', 'KeyValue', 3, 'repeated'], ['droppedAttributesCount', 'uint32', 4]]),
          },
          KeyValue: { fields: fields([['key', 'string', 1], ['value', 'AnyValue', 2]]) },
          AnyValue: {
            oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
            fields: fields([
              ['stringValue', 'string', 1], ['boolValue', 'bool', 2], ['intValue', 'int64', 3], ['doubleValue', 'double', 4],
              ['arrayValue', 'ArrayValue', 5], ['kvlistValue', 'KeyValueList', 6], ['bytesValue', 'bytes', 7],
            ]),
          },
          ArrayValue: { fields: fields([['values', 'AnyValue', 1, 'repeated']]) },
          KeyValueList: { fields: fields([['values', 'KeyValue', 1, 'repeated']]) },
          Span: {
            fields: fields([
              ['traceId', 'bytes', 1], ['spanId', 'bytes', 2], ['traceState', 'string', 3], ['parentSpanId', 'bytes', 4],
              ['name', 'string', 5], ['kind', 'int32', 6], ['startTimeUnixNano', 'fixed64', 7], ['endTimeUnixNano', 'fixed64', 8],
              ['attributes', 'KeyValue', 9, 'repeated'], ['droppedAttributesCount', 'uint32', 10], ['events', 'Event', 11, 'repeated'],
              ['droppedEventsCount', 'uint32', 12], ['links', 'Link', 13, 'repeated'], ['droppedLinksCount', 'uint32', 14],
              ['status', 'Status', 15], ['flags', 'fixed32', 16],
            ]),
          },
          Event: {
            fields: fields([['timeUnixNano', 'fixed64', 1], ['name', 'string', 2], ['attributes', 'KeyValue', 3, 'repeated'], ['droppedAttributesCount', 'uint32', 4]]),
          },
          Link: {
            fields: fields([
              ['traceId', 'bytes', 1], ['spanId', 'bytes', 2], ['traceState', 'string', 3], ['attributes', 'KeyValue', 4, 'repeated'],
              ['droppedAttributesCount', 'uint32', 5], ['flags', 'fixed32', 6],
            ]),
          },
          Status: { fields: fields([['message', 'string', 2], ['code', 'int32', 3]]) },
        },
      },
    },
  });
  return root.lookupType('otlp.ExportTraceServiceRequest');
}

const spans = makeSpans();
const proto = ProtobufTraceSerializer.serializeRequest(spans)!;
const json = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);
process.stderr.write(`request: ${spans.length} spans, ${services} services, ${proto.length} protobuf bytes, ${json.length} JSON bytes\n`);

const check = decodeTracesProto(proto);
if (check.accepted !== spans.length) throw new Error(`decoded ${check.accepted} of ${spans.length} spans`);
const RequestType = protobufjsRequestType();
const viaProtobufjs = RequestType.decode(proto) as unknown as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
const pbjsSpans = viaProtobufjs.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
if (pbjsSpans !== spans.length) throw new Error(`protobufjs decoded ${pbjsSpans} spans`);

// Timed up to the bytes the spool stores (a TSV decoder's text still has to be encoded).
const ppoProto = rate('ppo protobuf → Native block', () => decodeTracesProto(proto).batch.payloads(), seconds);
const pbjs = rate('protobufjs decode (objects only)', () => RequestType.decode(proto), seconds);
const ppoJson = rate('ppo JSON → TSV', () => decodeTracesJson(json).batch.payloads(), seconds);

const nativeBytes = check.batch.payloads().reduce((n, p) => n + p.payload.length, 0);
const tsvBytes = decodeTracesJson(json).batch.payloads().reduce((n, p) => n + p.payload.length, 0);
process.stdout.write(
  JSON.stringify({
    benchmark: 'decode-traces',
    node: process.version,
    spansPerRequest: spans.length,
    services,
    attributesPerSpan,
    distinctValues: distinct,
    protobufBytes: proto.length,
    jsonBytes: json.length,
    nativeBytes,
    tsvBytes,
    ppoProtobufSpansPerSec: Math.round(ppoProto * spans.length),
    protobufjsDecodeSpansPerSec: Math.round(pbjs * spans.length),
    ppoJsonSpansPerSec: Math.round(ppoJson * spans.length),
    ppoProtobufMBPerSec: Number(((ppoProto * proto.length) / 1e6).toFixed(1)),
    speedupVsProtobufjs: Number((ppoProto / pbjs).toFixed(2)),
  }) + '\n',
);
