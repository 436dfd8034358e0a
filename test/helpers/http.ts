import { gzipSync } from 'node:zlib';
import { settled } from './start-ppo.ts';

export type Signal = 'traces' | 'metrics' | 'logs';

export interface HttpReply {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: unknown;
}

async function toReply(res: Response): Promise<HttpReply> {
  const body = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body, json };
}

export interface PostOptions {
  contentType?: string;
  gzip?: boolean;
  headers?: Record<string, string>;
}

/** POSTs an OTLP/HTTP request (JSON object → JSON body; Buffer → as is). */
export async function postOtlp(
  otlpHttpUrl: string,
  signal: Signal,
  payload: unknown,
  { contentType, gzip = false, headers = {} }: PostOptions = {},
): Promise<HttpReply> {
  const isBinary = Buffer.isBuffer(payload) || payload instanceof Uint8Array;
  let body: Buffer = isBinary ? Buffer.from(payload as Uint8Array) : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const h: Record<string, string> = {
    'Content-Type': contentType ?? (isBinary ? 'application/x-protobuf' : 'application/json'),
    ...headers,
  };
  if (gzip) {
    body = gzipSync(body);
    h['Content-Encoding'] = 'gzip';
  }
  const res = await fetch(`${otlpHttpUrl}/v1/${signal}`, { method: 'POST', headers: h, body });
  return toReply(res);
}

/** GET against the API; `path` is relative to /api/ppo (e.g. `/health`). */
export async function apiGet(apiBase: string, path: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  await settled();
  const res = await fetch(`${apiBase}${path}`, { headers });
  return toReply(res);
}

/**
 * Any method against the API (`path` relative to /api/ppo), a JSON body when
 * given, once earlier writes are in ClickHouse. `json` is loosely typed: tests
 * read deep into responses and assert on what they find.
 */
export async function apiCall(apiBase: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  await settled();
  const res = await fetch(`${apiBase}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const reply = await toReply(res);
  return { status: reply.status, json: reply.json };
}

/** Unix nanoseconds of an HrTime-like [seconds, nanos] pair, as a decimal string. */
export function hrNanos([seconds, nanos]: readonly [number, number]): string {
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();
}
