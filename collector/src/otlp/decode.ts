import type { DecodeResult, Signal } from '../rows/table-batch.ts';
import type { DecodeLimits } from './decode-limits.ts';
import { decodeLogsJson } from './decode-logs-json.ts';
import { decodeLogsProto } from './decode-logs-proto.ts';
import { decodeMetricsJson } from './decode-metrics-json.ts';
import { decodeMetricsProto } from './decode-metrics-proto.ts';
import { decodeTracesJson } from './decode-spans-json.ts';
import { decodeTracesProto } from './decode-spans-proto.ts';

/**
 * OTLP export request bodies (already decompressed) → rows per table: Native
 * blocks for protobuf spans and logs, TabSeparated text for the rest.
 * Throws OtlpDecodeError when the body is not valid OTLP; individually
 * invalid items are counted in `rejected` instead.
 */
export function decodeRequest(
  signal: Signal,
  encoding: 'proto' | 'json',
  body: Uint8Array,
  limits?: DecodeLimits,
): DecodeResult {
  if (encoding === 'proto') {
    switch (signal) {
      case 'traces':
        return decodeTracesProto(body, limits);
      case 'metrics':
        return decodeMetricsProto(body, limits);
      case 'logs':
        return decodeLogsProto(body, limits);
    }
  }
  // Invalid UTF-8 becomes U+FFFD, as the protobuf path does for strings.
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  switch (signal) {
    case 'traces':
      return decodeTracesJson(text, limits);
    case 'metrics':
      return decodeMetricsJson(text, limits);
    case 'logs':
      return decodeLogsJson(text, limits);
  }
}

export { decodeLogsJson, decodeLogsProto, decodeMetricsJson, decodeMetricsProto, decodeTracesJson, decodeTracesProto };
export { DEFAULT_MAX_ANY_VALUE_DEPTH } from './decode-limits.ts';
export type { DecodeLimits } from './decode-limits.ts';
export { encodeExportResponseProto, exportResponseJson } from './export-response.ts';
export type { ExportResponseJson } from './export-response.ts';
