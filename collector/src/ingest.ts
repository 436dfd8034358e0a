import { BackpressureError, InsertFailedError, type InsertBatcher } from './batcher/insert-batcher.ts';
import { decodeRequest } from './otlp/decode.ts';
import { OtlpDecodeError, type Signal } from './rows/table-batch.ts';

export type Encoding = 'proto' | 'json';

/** What a receiver should answer, independent of the transport. */
export type IngestOutcome =
  | { kind: 'ok'; accepted: number; rejected: number; errorMessage: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'unavailable'; message: string; retryAfterMs: number };

/** Counters for self-observability, per signal. */
export interface IngestCounters {
  requests: number;
  accepted: number;
  rejected: number;
  invalidRequests: number;
  refusedRequests: number;
}

export function emptyCounters(): IngestCounters {
  return { requests: 0, accepted: 0, rejected: 0, invalidRequests: 0, refusedRequests: 0 };
}

/**
 * decode → hand rows to the batcher → wait until stored. The one place that
 * classifies failures: bad data is permanent (400 / INVALID_ARGUMENT), load
 * and storage trouble are retryable (503 / UNAVAILABLE), so senders keep
 * ownership of anything not stored.
 */
export class Ingest {
  readonly counters: Record<Signal, IngestCounters> = {
    traces: emptyCounters(),
    metrics: emptyCounters(),
    logs: emptyCounters(),
  };

  constructor(private readonly batcher: InsertBatcher) {}

  async handle(signal: Signal, encoding: Encoding, body: Uint8Array): Promise<IngestOutcome> {
    const c = this.counters[signal];
    c.requests++;
    let decoded;
    try {
      decoded = decodeRequest(signal, encoding, body);
    } catch (err) {
      if (err instanceof OtlpDecodeError) {
        c.invalidRequests++;
        return { kind: 'invalid', message: `invalid OTLP ${encoding === 'proto' ? 'protobuf' : 'JSON'} ${signal} request: ${err.message}` };
      }
      throw err;
    }
    try {
      await this.batcher.submit(decoded.batch);
    } catch (err) {
      if (err instanceof BackpressureError || err instanceof InsertFailedError) {
        c.refusedRequests++;
        return { kind: 'unavailable', message: err.message, retryAfterMs: err.retryAfterMs };
      }
      throw err;
    }
    c.accepted += decoded.accepted;
    c.rejected += decoded.rejected;
    return { kind: 'ok', accepted: decoded.accepted, rejected: decoded.rejected, errorMessage: decoded.errorMessage };
  }
}
