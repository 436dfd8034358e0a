/**
 * google.rpc.Status and RetryInfo, the error bodies OTLP uses: gRPC carries
 * them in `grpc-status-details-bin`, OTLP/HTTP as the response body (protobuf
 * or JSON, in the request's encoding). Hand-encoded: three tiny messages do
 * not justify a protobuf runtime.
 */

/** gRPC status codes used by OTLP receivers (same numbers in HTTP error bodies). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function lenField(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(payload.length)]), payload]);
}

function varintField(field: number, n: number): Buffer {
  return n === 0 ? Buffer.alloc(0) : Buffer.from([(field << 3) | 0, ...varint(n)]);
}

function retryInfo(retryAfterMs: number): Buffer {
  const seconds = Math.floor(retryAfterMs / 1000);
  const nanos = (retryAfterMs % 1000) * 1e6;
  const duration = Buffer.concat([varintField(1, seconds), varintField(2, nanos)]);
  return lenField(1, duration);
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * Serialized google.rpc.Status; with `retryAfterMs`, a RetryInfo detail. The
 * OTel Collector and the Go/Java/Python SDKs retry UNAVAILABLE after that
 * delay; the JS gRPC exporter (0.219) treats every gRPC error as final, so JS
 * senders that must ride out back-pressure should use OTLP/HTTP (503 + Retry-After).
 */
export function encodeRpcStatus(code: number, message: string, retryAfterMs?: number): Buffer {
  const parts = [varintField(1, code), lenField(2, Buffer.from(message, 'utf8'))];
  if (retryAfterMs !== undefined) {
    const any = Buffer.concat([lenField(1, Buffer.from(RETRY_INFO_TYPE)), lenField(2, retryInfo(retryAfterMs))]);
    parts.push(lenField(3, any));
  }
  return Buffer.concat(parts);
}

/** The JSON form of google.rpc.Status (proto3 JSON mapping). */
export function rpcStatusJson(code: number, message: string, retryAfterMs?: number): object {
  if (retryAfterMs === undefined) return { code, message };
  return { code, message, details: [{ '@type': RETRY_INFO_TYPE, retryDelay: `${(retryAfterMs / 1000).toFixed(3)}s` }] };
}
