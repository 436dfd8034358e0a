// Requests with known, unique span ids for the chaos tests, encoded by the
// real OTel JS transformer (the bytes an SDK would send).
import { SpanKind, SpanStatusCode, TraceFlags, type HrTime } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface ChaosRequest {
  /** Index in the order the test built them. */
  readonly index: number;
  readonly body: Buffer;
  /** 16-hex-char span ids, as ClickHouse stores them. */
  readonly spanIds: readonly string[];
}

const resource = resourceFromAttributes({ 'service.name': 'chaos', 'service.instance.id': 'chaos-1' });
const scope = { name: 'chaos', version: '1.0.0' };

const hex = (n: number, chars: number): string => n.toString(16).padStart(chars, '0');

function hrAt(ms: number, offsetNs: number): HrTime {
  const ns = (ms % 1000) * 1e6 + offsetNs;
  return [Math.floor(ms / 1000) + Math.floor(ns / 1e9), ns % 1e9];
}

export interface RequestOptions {
  /** Distinguishes runs that share a table (4 hex chars in every id). */
  run: number;
  index: number;
  spans: number;
  /** Bytes of filler in one attribute per span, to fill the spool faster. */
  padBytes?: number;
  /** Start time of the spans (default now), e.g. days back to spread a batch over partitions. */
  atMs?: number;
}

/** One ExportTraceServiceRequest: `spans` spans of one trace, span ids `<run><index><n>`. */
export function buildRequest({ run, index, spans, padBytes = 0, atMs = Date.now() }: RequestOptions): ChaosRequest {
  const traceId = hex(run, 8) + hex(index, 12) + hex(0xc4a05, 12);
  const pad = padBytes > 0 ? 'x'.repeat(padBytes) : undefined;
  const batch: ReadableSpan[] = [];
  const spanIds: string[] = [];
  for (let n = 0; n < spans; n++) {
    const spanId = hex(run & 0xffff, 4) + hex(index, 8) + hex(n, 4);
    spanIds.push(spanId);
    const start = hrAt(atMs, n * 1000);
    const end = hrAt(atMs, n * 1000 + 500_000);
    batch.push({
      name: `chaos ${index}`,
      kind: SpanKind.INTERNAL,
      spanContext: () => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
      startTime: start,
      endTime: end,
      status: { code: SpanStatusCode.UNSET },
      attributes: pad === undefined ? { 'chaos.request': index, 'chaos.span': n } : { 'chaos.request': index, 'chaos.span': n, 'chaos.pad': pad },
      links: [],
      events: [],
      duration: [0, 500_000],
      ended: true,
      resource,
      instrumentationScope: scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
  }
  const encoded = ProtobufTraceSerializer.serializeRequest(batch);
  if (!encoded) throw new Error('the OTLP transformer returned no request');
  return { index, body: Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength), spanIds };
}
