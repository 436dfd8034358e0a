import type { SpoolDrainer } from './batcher/spool-drainer.ts';
import { decodeRequest } from './otlp/decode.ts';
import { OtlpDecodeError, type Signal } from './rows/table-batch.ts';
import { SpoolClosedError, SpoolFullError, type Spool, type SpoolPart } from './spool/spool.ts';

export type Encoding = 'proto' | 'json';

/** What a receiver should answer, independent of the transport. */
export type IngestOutcome =
  | { kind: 'ok'; accepted: number; rejected: number; errorMessage: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'unavailable'; message: string; retryAfterMs: number };

/** Why a request was refused as retryable, for /metrics. */
export type RefusalReason = 'memory' | 'spool_full' | 'shutting_down' | 'spool_error';

/** Counters for self-observability, per signal. */
export interface IngestCounters {
  requests: number;
  accepted: number;
  rejected: number;
  invalidRequests: number;
  refused: Record<RefusalReason, number>;
}

export function emptyCounters(): IngestCounters {
  return { requests: 0, accepted: 0, rejected: 0, invalidRequests: 0, refused: { memory: 0, spool_full: 0, shutting_down: 0, spool_error: 0 } };
}

export interface IngestOptions {
  spool: Spool;
  drainer: SpoolDrainer;
  /** Request bytes being decoded and spooled at once; beyond it requests are refused (memory bound). */
  maxInFlightBytes: number;
  onRefused?: (reason: RefusalReason, message: string) => void;
}

/**
 * decode → append to the spool (durable) → acknowledge; the drainer inserts
 * later. The one place that classifies failures: bad data is permanent
 * (400 / INVALID_ARGUMENT), load and storage trouble are retryable
 * (503 / UNAVAILABLE), and nothing is acknowledged before it is on disk.
 */
export class Ingest {
  readonly counters: Record<Signal, IngestCounters> = {
    traces: emptyCounters(),
    metrics: emptyCounters(),
    logs: emptyCounters(),
  };
  private inFlightBytes = 0;

  constructor(private readonly opts: IngestOptions) {}

  get bytesInFlight(): number {
    return this.inFlightBytes;
  }

  private refuse(c: IngestCounters, reason: RefusalReason, message: string, retryAfterMs: number): IngestOutcome {
    c.refused[reason]++;
    this.opts.onRefused?.(reason, message);
    return { kind: 'unavailable', message, retryAfterMs };
  }

  async handle(signal: Signal, encoding: Encoding, body: Uint8Array): Promise<IngestOutcome> {
    const c = this.counters[signal];
    c.requests++;
    if (this.inFlightBytes > 0 && this.inFlightBytes + body.length > this.opts.maxInFlightBytes) {
      return this.refuse(c, 'memory', `PPO is at capacity (${this.inFlightBytes} request bytes in flight); retry later`, 1000);
    }
    // Decoded TSV is ~2-3x the protobuf; count that against the bound too.
    const charge = body.length * 3;
    this.inFlightBytes += charge;
    try {
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
      if (decoded.accepted > 0) {
        const parts: SpoolPart[] = decoded.batch.payloads();
        try {
          this.opts.drainer.enqueue(await this.opts.spool.append(parts));
        } catch (err) {
          if (err instanceof SpoolFullError) return this.refuse(c, 'spool_full', err.message, 5000);
          if (err instanceof SpoolClosedError) return this.refuse(c, 'shutting_down', err.message, 1000);
          return this.refuse(c, 'spool_error', `PPO could not persist the request: ${(err as Error).message}`, 5000);
        }
      }
      c.accepted += decoded.accepted;
      c.rejected += decoded.rejected;
      return { kind: 'ok', accepted: decoded.accepted, rejected: decoded.rejected, errorMessage: decoded.errorMessage };
    } finally {
      this.inFlightBytes -= charge;
    }
  }
}
