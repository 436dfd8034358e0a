import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { Logger } from 'pino';
import type { Encoding, Ingest, IngestOutcome } from '../ingest.ts';
import { encodeExportResponseProto, exportResponseJson } from '../otlp/decode.ts';
import type { Signal } from '../rows/table-batch.ts';
import { encodeRpcStatus, GrpcCode, rpcStatusJson } from './rpc-status.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

export interface HttpReceiverOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  ingest: Ingest;
  log: Logger;
}

class HttpProblem extends Error {
  constructor(readonly status: number, message: string, readonly grpcCode: number = GrpcCode.INVALID_ARGUMENT) {
    super(message);
  }
}

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const mime = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'proto';
  if (mime === 'application/json') return 'json';
  return undefined;
}

/** Reads the body, refusing (and not buffering) more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new HttpProblem(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`, GrpcCode.RESOURCE_EXHAUSTED));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(new HttpProblem(413, `request body exceeds the limit of ${limit} bytes`, GrpcCode.RESOURCE_EXHAUSTED));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
  });
}

async function decompress(body: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  if (enc !== 'gzip' && enc !== 'deflate') {
    throw new HttpProblem(415, `unsupported Content-Encoding "${enc}"; use gzip or none`);
  }
  try {
    // maxOutputLength stops inflation at the limit: a gzip bomb costs at most `limit` bytes.
    return await (enc === 'gzip' ? gunzipAsync : inflateAsync)(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpProblem(413, `decompressed request body exceeds the limit of ${limit} bytes`, GrpcCode.RESOURCE_EXHAUSTED);
    }
    throw new HttpProblem(400, `invalid ${enc} body: ${(err as Error).message}`);
  }
}

function sendStatus(res: ServerResponse, encoding: Encoding, status: number, code: number, message: string, retryAfterMs?: number): void {
  if (retryAfterMs !== undefined) res.setHeader('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
  if (encoding === 'json') {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(rpcStatusJson(code, message, retryAfterMs)));
  } else {
    res.writeHead(status, { 'Content-Type': 'application/x-protobuf' });
    res.end(encodeRpcStatus(code, message, retryAfterMs));
  }
}

function sendOutcome(res: ServerResponse, signal: Signal, encoding: Encoding, outcome: IngestOutcome): void {
  switch (outcome.kind) {
    case 'ok':
      if (encoding === 'json') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(exportResponseJson(signal, outcome.rejected, outcome.errorMessage)));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
        res.end(encodeExportResponseProto(signal, outcome.rejected, outcome.errorMessage));
      }
      return;
    case 'invalid':
      sendStatus(res, encoding, 400, GrpcCode.INVALID_ARGUMENT, outcome.message);
      return;
    case 'unavailable':
      sendStatus(res, encoding, 503, GrpcCode.UNAVAILABLE, outcome.message, outcome.retryAfterMs);
      return;
  }
}

/** OTLP/HTTP: POST /v1/{traces,metrics,logs}, protobuf or JSON, optionally gzip. */
export class HttpReceiver {
  private server: Server | undefined;

  constructor(private readonly opts: HttpReceiverOptions) {}

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.opts.log.error({ err }, 'otlp http handler failed');
        if (!res.headersSent) sendStatus(res, 'json', 500, GrpcCode.INTERNAL, 'internal error');
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const signal = PATHS[path];
    const encoding = encodingOf(req.headers['content-type']) ?? 'json';
    if (!signal) {
      req.resume();
      sendStatus(res, encoding, 404, GrpcCode.INVALID_ARGUMENT, `unknown path ${path}; OTLP/HTTP accepts POST /v1/traces, /v1/metrics, /v1/logs`);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST');
      sendStatus(res, encoding, 405, GrpcCode.INVALID_ARGUMENT, `method ${req.method ?? ''} not allowed on ${path}; use POST`);
      return;
    }
    if (!encodingOf(req.headers['content-type'])) {
      req.resume();
      sendStatus(res, 'json', 415, GrpcCode.INVALID_ARGUMENT, `unsupported Content-Type "${req.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`);
      return;
    }
    let body: Buffer;
    try {
      const raw = await readBody(req, this.opts.maxRequestBytes);
      body = await decompress(raw, req.headers['content-encoding'], this.opts.maxRequestBytes);
    } catch (err) {
      if (!(err instanceof HttpProblem)) throw err;
      if (err.status === 413) res.setHeader('Connection', 'close');
      sendStatus(res, encoding, err.status, err.grpcCode, err.message);
      if (err.status === 413) req.resume();
      return;
    }
    sendOutcome(res, signal, encoding, await this.opts.ingest.handle(signal, encoding, body));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}
