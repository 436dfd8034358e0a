import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Ingest } from '../ingest.ts';
import { encodeExportResponseProto } from '../otlp/decode.ts';
import type { Signal } from '../rows/table-batch.ts';
import { encodeRpcStatus } from './rpc-status.ts';

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

const identity = (b: Buffer): Buffer => b;

/** A service definition that hands the raw request bytes to our own decoder. */
function rawExportService(signal: Signal): grpc.ServiceDefinition {
  return {
    Export: {
      path: SERVICES[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  ingest: Ingest;
  log: Logger;
}

function failure(code: grpc.status, message: string, retryAfterMs?: number): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (retryAfterMs !== undefined) {
    metadata.set('grpc-status-details-bin', encodeRpcStatus(code, message, retryAfterMs));
  }
  return { code, details: message, metadata };
}

/** OTLP/gRPC: the three Export services, gzip accepted (grpc-js decompresses per message). */
export class GrpcReceiver {
  private server: grpc.Server | undefined;

  constructor(private readonly opts: GrpcReceiverOptions) {}

  async start(): Promise<number> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.opts.maxRequestBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
    });
    for (const signal of Object.keys(SERVICES) as Signal[]) {
      server.addService(rawExportService(signal), {
        Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          this.opts.ingest.handle(signal, 'proto', call.request).then(
            (outcome) => {
              switch (outcome.kind) {
                case 'ok':
                  callback(null, encodeExportResponseProto(signal, outcome.rejected, outcome.errorMessage));
                  return;
                case 'invalid':
                  callback(failure(grpc.status.INVALID_ARGUMENT, outcome.message));
                  return;
                case 'unavailable':
                  callback(failure(grpc.status.UNAVAILABLE, outcome.message, outcome.retryAfterMs));
                  return;
              }
            },
            (err: unknown) => {
              this.opts.log.error({ err, signal }, 'otlp grpc handler failed');
              callback(failure(grpc.status.INTERNAL, 'internal error'));
            },
          );
        },
      });
    }
    this.server = server;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${this.opts.host}:${this.opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => {
        if (err) reject(err);
        else resolve(p);
      });
    });
    return port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.forceShutdown(), 5000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

