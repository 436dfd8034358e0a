// A bare OTLP trace client for the chaos tests: sends pre-encoded requests
// over gRPC or HTTP/protobuf and classifies the answer as an SDK would —
// success, retryable (UNAVAILABLE / 503 / 429, with the server's retry hint)
// or a permanent error — so tests can assert PPO never answers non-retryable
// under load.
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const identity = (b: Buffer): Buffer => b;

export type SendOutcome =
  | { kind: 'ok'; rejected: number }
  /** Refused but safe to resend; `hint` says whether the server sent RetryInfo / Retry-After. */
  | { kind: 'retryable'; status: string; hint: boolean; message: string }
  | { kind: 'error'; status: string; message: string };

export interface TraceSender {
  send(body: Buffer, timeoutMs?: number): Promise<SendOutcome>;
  close(): void;
}

function rejectedSpans(response: Buffer | Uint8Array | undefined): number {
  if (!response || response.length === 0) return 0;
  const res = ProtobufTraceSerializer.deserializeResponse(response);
  return Number(res.partialSuccess?.rejectedSpans ?? 0);
}

/** gRPC codes the OTLP spec calls retryable. */
const GRPC_RETRYABLE = new Set([
  grpc.status.CANCELLED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
]);

export function grpcSender(port: number): TraceSender {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  });
  return {
    send: (body, timeoutMs = 30_000) =>
      new Promise((resolve) => {
        client.makeUnaryRequest<Buffer, Buffer>(TRACE_EXPORT, identity, identity, body, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, response) => {
          if (!err) {
            resolve({ kind: 'ok', rejected: rejectedSpans(response) });
            return;
          }
          const status = grpc.status[err.code] ?? String(err.code);
          const message = err.details || err.message;
          if (GRPC_RETRYABLE.has(err.code)) {
            resolve({ kind: 'retryable', status, hint: err.metadata?.get('grpc-status-details-bin').length > 0, message });
          } else {
            resolve({ kind: 'error', status, message });
          }
        });
      }),
    close: () => client.close(),
  };
}

export function httpSender(port: number): TraceSender {
  const url = `http://127.0.0.1:${port}/v1/traces`;
  return {
    async send(body, timeoutMs = 30_000) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        // Connection refused or reset: an SDK retries these.
        return { kind: 'retryable', status: 'network', hint: false, message: (err as Error).message };
      }
      const payload = Buffer.from(await res.arrayBuffer());
      if (res.status === 200) return { kind: 'ok', rejected: rejectedSpans(payload) };
      const status = `HTTP ${res.status}`;
      const message = payload.toString('latin1').replace(/[^\x20-\x7e]+/g, ' ').trim();
      if (res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504) {
        return { kind: 'retryable', status, hint: res.headers.has('retry-after'), message };
      }
      return { kind: 'error', status, message };
    },
    close: () => undefined,
  };
}
