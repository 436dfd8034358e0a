import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { FaultRejected } from './fault-manager.ts';
import { FAULT_KINDS, faultRequestSchema } from './faults.ts';
import type { Fleet } from './fleet.ts';
import { edges } from './topology.ts';

export interface ControlApi {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new HttpProblem(413, 'Payload Too Large', `the body exceeds ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpProblem(400, 'Bad Request', 'the body is not valid JSON');
  }
}

function zodProblem(err: z.ZodError): HttpProblem {
  return new HttpProblem(
    400,
    'Bad Request',
    'the fault request is invalid',
    err.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
  );
}

/**
 * The fleet's control API (plain node:http: a handful of routes on a port of
 * its own, separate from PPO's API so the demo's controls never look like
 * part of the product):
 *   GET  /health, GET /systems, GET /edges, GET /load
 *   GET  /faults                 active faults + where the truth log is
 *   POST /faults                 {kind, target?, edge?: "A->B", duration?: "5m", params?}
 *   POST /faults/{id}/fix        removes it and redeploys the system with the next version
 *   DELETE /faults/{id}          removes it without a deploy
 * Errors are application/problem+json; validation errors list errors[].
 */
export async function startControlApi(fleet: Fleet, opts: { port: number; host: string; log: Logger }): Promise<ControlApi> {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', systems: fleet.systems.length });
    if (method === 'GET' && path === '/systems') return sendJson(res, 200, { systems: fleet.status(), rss: fleet.rss() });
    if (method === 'GET' && path === '/edges') return sendJson(res, 200, { edges: edges(fleet.systems) });
    if (method === 'GET' && path === '/load') return sendJson(res, 200, { load: fleet.load?.stats ?? null });
    if (path === '/faults') {
      if (method === 'GET') return sendJson(res, 200, { faults: fleet.faults.list(), kinds: FAULT_KINDS, truthLog: fleet.faults.truthLogPath });
      if (method === 'POST') {
        const parsed = faultRequestSchema.safeParse(await readJson(req));
        if (!parsed.success) throw zodProblem(parsed.error);
        try {
          const fault = fleet.faults.inject(parsed.data);
          opts.log.info({ fault }, 'fault injected');
          return sendJson(res, 201, fault);
        } catch (err) {
          if (err instanceof FaultRejected) throw new HttpProblem(422, 'Unprocessable Content', err.message);
          throw err;
        }
      }
      throw new HttpProblem(405, 'Method Not Allowed', `${method} /faults is not supported; use GET or POST`);
    }
    const fix = /^\/faults\/([^/]+)\/fix$/.exec(path);
    if (fix && method === 'POST') {
      const id = decodeURIComponent(fix[1]!);
      const fixed = fleet.faults.fix(id);
      if (!fixed) throw new HttpProblem(404, 'Not Found', `no active fault ${id}`);
      opts.log.info({ id, system: fixed.fault.target, version: fixed.serviceVersion }, 'fault fixed');
      return sendJson(res, 200, { fault: fixed.fault, fixedAt: new Date().toISOString(), serviceVersion: fixed.serviceVersion });
    }
    const one = /^\/faults\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]!);
      if (method === 'GET') {
        const f = fleet.faults.get(id);
        if (!f) throw new HttpProblem(404, 'Not Found', `no active fault ${id}`);
        return sendJson(res, 200, f);
      }
      if (method === 'DELETE') {
        const f = fleet.faults.clear(id);
        if (!f) throw new HttpProblem(404, 'Not Found', `no active fault ${id}`);
        return sendJson(res, 200, { fault: f, clearedAt: new Date().toISOString() });
      }
    }
    throw new HttpProblem(404, 'Not Found', `no route ${method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const p = err instanceof HttpProblem ? err : new HttpProblem(500, 'Internal Server Error', err instanceof Error ? err.message : String(err));
      if (p.status >= 500) opts.log.error({ err }, 'control API error');
      if (!res.headersSent) {
        sendJson(res, p.status, { type: 'about:blank', title: p.title, status: p.status, detail: p.message, ...(p.errors.length ? { errors: p.errors } : {}) }, 'application/problem+json');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
