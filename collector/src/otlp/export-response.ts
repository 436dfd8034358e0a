import type { Signal } from '../rows/table-batch.ts';

/**
 * Export<Signal>ServiceResponse in both encodings. `partial_success` is
 * present only when something was rejected or there is a message to pass on.
 */

const REJECTED_KEY: Record<Signal, 'rejectedSpans' | 'rejectedDataPoints' | 'rejectedLogRecords'> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

function varintBytes(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Protobuf response: empty, or field 1 partial_success {1: rejected (int64), 2: error_message}. */
export function encodeExportResponseProto(signal: Signal, rejected: number, errorMessage: string): Buffer {
  void signal; // all three responses share one wire layout
  if (rejected === 0 && errorMessage === '') return Buffer.alloc(0);
  const inner: number[] = [];
  if (rejected !== 0) inner.push(0x08, ...varintBytes(rejected));
  if (errorMessage !== '') {
    const msg = Buffer.from(errorMessage, 'utf8');
    inner.push(0x12, ...varintBytes(msg.length), ...msg);
  }
  return Buffer.from([0x0a, ...varintBytes(inner.length), ...inner]);
}

export type ExportResponseJson =
  | Record<string, never>
  | { partialSuccess: { rejectedSpans?: string; rejectedDataPoints?: string; rejectedLogRecords?: string; errorMessage?: string } };

/** OTLP/JSON response body: `{}` or `{partialSuccess: {rejectedX: "N", errorMessage}}` (int64 as a string). */
export function exportResponseJson(signal: Signal, rejected: number, errorMessage: string): ExportResponseJson {
  if (rejected === 0 && errorMessage === '') return {};
  const partialSuccess: Record<string, string> = { [REJECTED_KEY[signal]]: String(rejected) };
  if (errorMessage !== '') partialSuccess['errorMessage'] = errorMessage;
  return { partialSuccess };
}
