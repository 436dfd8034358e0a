import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { Signal } from './http.ts';

/**
 * Raw OTLP clients for fuzz and abuse tests: exact bytes in, exact status and
 * body out, a timeout on every call (an unanswered request is a failure, not
 * a hung test), keep-alive connections so thousands of requests are cheap.
 */

export class TimeoutError extends Error {}

export interface RawHttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RawHttpRequest {
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs?: number;
}

/** POSTs to an OTLP/HTTP receiver through a keep-alive agent. */
export class OtlpHttpClient {
  readonly agent: Agent;

  constructor(readonly port: number, maxSockets = 16) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  post({ path, headers, body, timeoutMs = 10_000 }: RawHttpRequest): Promise<RawHttpReply> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path,
          agent: this.agent,
          headers: { ...headers, 'Content-Length': String(body.length) },
        },
        (res) => {
          answered = true;
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) });
          });
          res.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new TimeoutError(`no answer to POST ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (err) => {
        // EPIPE/ECONNRESET while still uploading is expected once the server has answered (413).
        if (!answered) {
          clearTimeout(timer);
          reject(err);
        }
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export const GRPC_PATHS: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export interface GrpcReply {
  code: grpc.status;
  details: string;
  response: Buffer | undefined;
}

const identity = (b: Buffer): Buffer => b;

/** Unary OTLP/gRPC Export calls with raw bytes as request and response. */
export class OtlpGrpcClient {
  readonly client: grpc.Client;

  constructor(port: number, options: grpc.ClientOptions = {}) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
  }

  export(signal: Signal, body: Uint8Array, timeoutMs = 10_000, metadata = new grpc.Metadata()): Promise<GrpcReply> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        GRPC_PATHS[signal],
        identity,
        identity,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          if (error) resolve({ code: error.code, details: error.details, response: undefined });
          else resolve({ code: grpc.status.OK, details: '', response });
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Runs `task` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
