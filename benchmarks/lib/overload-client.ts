import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { readVarint } from './otlp-offsets.ts';

const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';
const identity = (b: Buffer): Buffer => b;

/** How one OTLP/gRPC export attempt ended, classified as an SDK would. */
export type ExportOutcome =
  | { kind: 'ok'; rejected: number }
  /** UNAVAILABLE: PPO did not take the request (spool or queue full); resend later, after `retryAfterMs` when the server said so. */
  | { kind: 'unavailable'; retryAfterMs: number | undefined; message: string }
  | { kind: 'error'; code: string; message: string };

/** Length-delimited and varint fields of one protobuf message, by field number (last wins). */
function fields(buf: Uint8Array): Map<number, Uint8Array | number> {
  const out = new Map<number, Uint8Array | number>();
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    const wire = tag & 7;
    if (wire === 0) {
      const [v, next] = readVarint(buf, afterTag);
      out.set(Math.floor(tag / 8), v);
      pos = next;
    } else if (wire === 2) {
      const [len, from] = readVarint(buf, afterTag);
      out.set(Math.floor(tag / 8), buf.subarray(from, from + len));
      pos = from + len;
    } else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

/**
 * The retry delay in a `grpc-status-details-bin` google.rpc.Status, if it
 * carries a google.rpc.RetryInfo (what OTLP asks clients to honour).
 */
export function retryDelayMs(statusDetails: Buffer): number | undefined {
  try {
    let pos = 0;
    // Status.details (field 3) is repeated: walk every entry.
    while (pos < statusDetails.length) {
      const [tag, afterTag] = readVarint(statusDetails, pos);
      const wire = tag & 7;
      if (wire === 0) {
        pos = readVarint(statusDetails, afterTag)[1];
        continue;
      }
      if (wire !== 2) return undefined;
      const [len, from] = readVarint(statusDetails, afterTag);
      pos = from + len;
      if (Math.floor(tag / 8) !== 3) continue;
      const any = fields(statusDetails.subarray(from, from + len));
      const type = any.get(1);
      const value = any.get(2);
      if (!(type instanceof Uint8Array) || !(value instanceof Uint8Array)) continue;
      if (Buffer.from(type).toString() !== RETRY_INFO_TYPE) continue;
      const duration = fields(value).get(1);
      if (!(duration instanceof Uint8Array)) return 0;
      const d = fields(duration);
      const seconds = d.get(1);
      const nanos = d.get(2);
      return (typeof seconds === 'number' ? seconds * 1000 : 0) + (typeof nanos === 'number' ? nanos / 1e6 : 0);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * `channels` OTLP/gRPC connections used round-robin (as that many SDK
 * processes or gateway collectors would hold), sending pre-encoded requests.
 */
export class OverloadClient {
  private readonly clients: grpc.Client[];
  private next = 0;

  constructor(target: string, channels: number) {
    this.clients = Array.from(
      { length: channels },
      () =>
        new grpc.Client(target, grpc.credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
          'grpc.max_receive_message_length': -1,
          'grpc.max_send_message_length': -1,
        }),
    );
  }

  async ready(timeoutMs = 10_000): Promise<void> {
    await Promise.all(
      this.clients.map((c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())))),
    );
  }

  send(body: Buffer, timeoutMs = 60_000): Promise<ExportOutcome> {
    const client = this.clients[this.next++ % this.clients.length] as grpc.Client;
    return new Promise((resolve) => {
      client.makeUnaryRequest<Buffer, Buffer>(TRACE_EXPORT, identity, identity, body, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (!err) {
          let rejected = 0;
          if (response && response.length > 0) rejected = Number(ProtobufTraceSerializer.deserializeResponse(response).partialSuccess?.rejectedSpans ?? 0);
          resolve({ kind: 'ok', rejected });
          return;
        }
        const message = err.details || err.message;
        if (err.code === grpc.status.UNAVAILABLE) {
          const details = err.metadata?.get('grpc-status-details-bin')[0];
          resolve({ kind: 'unavailable', retryAfterMs: Buffer.isBuffer(details) ? retryDelayMs(details) : undefined, message });
        } else {
          resolve({ kind: 'error', code: grpc.status[err.code] ?? String(err.code), message });
        }
      });
    });
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}
