import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  context as otelContext,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Histogram,
  type Span,
  type UpDownCounter,
} from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { effectsFor, NO_EFFECTS, type Fault, type SystemEffects } from './faults.ts';
import { statementText, type MemoryStore } from './store.ts';
import { findOperation, type CallStep, type DbStep, type Operation, type Step, type SystemName, type SystemSpec } from './topology.ts';
import type { ServiceTelemetry } from '@ppo/sdk';
import { WorkerPool } from './worker-pool.ts';

const propagator = new W3CTraceContextPropagator();
/** Keep-alive like a production service mesh client; sockets are reused across calls. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const NORMAL_POOL_SIZE = 16;
const CALL_TIMEOUT_MS = 15_000;

/** Busy-waits: CPU work that blocks the event loop, as real request processing does. */
export function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
}

class CallFailed extends Error {
  override readonly name = 'CallFailed';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface Instruments {
  serverDuration: Histogram;
  clientDuration: Histogram;
  dbDuration: Histogram;
  active: UpDownCounter;
}

export interface SystemServerOptions {
  spec: SystemSpec;
  store: MemoryStore;
  /** Resolves another system's base URL (set once every host listens). */
  urlOf: (system: SystemName) => string | undefined;
  telemetry: ServiceTelemetry;
  /** Share of successful requests that also get an info log line (errors are always logged). */
  infoLogSampling?: number;
}

/**
 * One Progressive System as a real HTTP service: a node:http server whose
 * handlers run the operation's steps (downstream calls with W3C trace
 * context, statements against the store, CPU work), instrumented by hand with
 * its own tracer/meter/logger because several systems share one process and
 * each must report under its own resource.
 */
export class SystemServer {
  readonly spec: SystemSpec;
  readonly #store: MemoryStore;
  readonly #urlOf: SystemServerOptions['urlOf'];
  readonly #pool = new WorkerPool(NORMAL_POOL_SIZE);
  readonly #infoLogSampling: number;
  #telemetry: ServiceTelemetry;
  #instruments: Instruments;
  #effects: SystemEffects = NO_EFFECTS;
  /** What a memory_leak fault retains; dropped when the fault ends. */
  #leaked: Buffer[] = [];
  #leakedBytes = 0;
  #server: Server | undefined;
  #port = 0;
  #requests = 0;
  #errors = 0;

  constructor(opts: SystemServerOptions) {
    this.spec = opts.spec;
    this.#store = opts.store;
    this.#urlOf = opts.urlOf;
    this.#infoLogSampling = opts.infoLogSampling ?? 0.05;
    this.#telemetry = opts.telemetry;
    this.#instruments = this.#instrument(opts.telemetry);
  }

  get port(): number {
    return this.#port;
  }
  get stats(): { requests: number; errors: number; leakedBytes: number; poolBusy: number; poolQueued: number } {
    return { requests: this.#requests, errors: this.#errors, leakedBytes: this.#leakedBytes, poolBusy: this.#pool.busy, poolQueued: this.#pool.queued };
  }

  async listen(host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    this.#log(SeverityNumber.INFO, `${this.spec.name} ${this.spec.version} listening on :${this.#port}`, {}, ROOT_CONTEXT);
    return this.#port;
  }

  /** Applies the fleet's active faults (only those targeting this system have an effect). */
  setFaults(faults: readonly Fault[]): void {
    this.#effects = effectsFor(faults, this.spec.name);
    this.#pool.resize(this.#effects.poolSize ?? NORMAL_POOL_SIZE);
    if (this.#effects.leakBytesPerRequest === 0 && this.#leakedBytes > 0) {
      // The leak's owner is gone: the retained buffers become garbage.
      this.#leaked = [];
      this.#leakedBytes = 0;
    }
  }

  /**
   * A deploy: flushes and shuts down the old telemetry and reports from now
   * on under the new one (same service.name, new service.version and instance).
   */
  async redeploy(telemetry: ServiceTelemetry, version: string): Promise<void> {
    const old = this.#telemetry;
    this.spec.version = version;
    this.#telemetry = telemetry;
    this.#instruments = this.#instrument(telemetry);
    this.#log(SeverityNumber.INFO, `${this.spec.name} deployed version ${version}`, { 'deployment.version': version }, ROOT_CONTEXT);
    await old.forceFlush().catch(() => undefined);
    await old.shutdown();
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.#telemetry.forceFlush().catch(() => undefined);
    await this.#telemetry.shutdown();
  }

  #instrument(t: ServiceTelemetry): Instruments {
    const m = t.meter;
    // OTel semantic-convention names and units (seconds), so PPO and any OTel backend read them as such.
    const instruments: Instruments = {
      serverDuration: m.createHistogram('http.server.request.duration', { unit: 's', description: 'Duration of HTTP server requests' }),
      clientDuration: m.createHistogram('http.client.request.duration', { unit: 's', description: 'Duration of HTTP client requests' }),
      dbDuration: m.createHistogram('db.client.operation.duration', { unit: 's', description: 'Duration of database client operations' }),
      active: m.createUpDownCounter('http.server.active_requests', { unit: '{request}', description: 'In-flight HTTP server requests' }),
    };
    m.createObservableGauge('demo.worker_pool.busy', { unit: '{worker}', description: 'Workers handling a request' }).addCallback((r) => r.observe(this.#pool.busy));
    m.createObservableGauge('demo.worker_pool.queued', { unit: '{request}', description: 'Requests waiting for a worker' }).addCallback((r) => r.observe(this.#pool.queued));
    m.createObservableGauge('demo.worker_pool.size', { unit: '{worker}', description: 'Workers in the pool' }).addCallback((r) => r.observe(this.#pool.size));
    m.createObservableGauge('demo.worker_pool.utilization', { unit: '1', description: 'Busy workers over pool size' }).addCallback((r) =>
      r.observe(this.#pool.busy / this.#pool.size),
    );
    m.createObservableGauge('demo.retained_memory', { unit: 'By', description: 'Memory this system holds beyond its working set (caches, leaks)' }).addCallback((r) =>
      r.observe(this.#leakedBytes),
    );
    return instruments;
  }

  #log(severity: SeverityNumber, body: string, attributes: Record<string, string | number | boolean>, ctx: Context): void {
    const severityText = severity >= SeverityNumber.ERROR ? 'ERROR' : severity >= SeverityNumber.WARN ? 'WARN' : 'INFO';
    this.#telemetry.logger.emit({ severityNumber: severity, severityText, body, attributes, context: ctx });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method === 'POST' ? 'POST' : 'GET';
    const op = this.spec.operations.find((o) => o.route === url.pathname && o.method === method);
    // Drain the body: keep-alive needs it consumed; the demo's payloads are small.
    req.resume();
    if (!op) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route ${method} ${url.pathname}` }));
      return;
    }
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const { tracer } = this.#telemetry;
    const instruments = this.#instruments;
    const span = tracer.startSpan(
      `${method} ${op.route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'http.route': op.route,
          'url.path': url.pathname,
          'url.scheme': 'http',
          'server.address': '127.0.0.1',
          'server.port': this.#port,
          'network.protocol.version': req.httpVersion,
          ...(req.headers['user-agent'] ? { 'user_agent.original': req.headers['user-agent'] } : {}),
        },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    const routeAttrs = { 'http.request.method': method, 'http.route': op.route };
    instruments.active.add(1, routeAttrs);
    this.#requests++;
    let status = 200;
    const release = await this.#pool.acquire();
    try {
      const effects = this.#effects;
      if (effects.poolHoldMs > 0) await sleep(effects.poolHoldMs);
      if (effects.extraLatencyMs > 0) await sleep(effects.extraLatencyMs);
      if (effects.cpuMsPerRequest > 0) burnCpu(effects.cpuMsPerRequest);
      if (effects.leakBytesPerRequest > 0 && this.#leakedBytes < effects.leakCapBytes) {
        const b = Buffer.alloc(effects.leakBytesPerRequest, this.#requests & 0xff);
        this.#leaked.push(b);
        this.#leakedBytes += b.length;
      }
      const items = await otelContext.with(ctx, () => this.#run(op, ctx, effects));
      if (effects.errorRate > 0 && Math.random() < effects.errorRate) {
        throw new Error(`${this.spec.name}: internal error while handling ${op.name}: state conflict`);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ system: this.spec.name, operation: op.name, items }));
      if (Math.random() < this.#infoLogSampling) {
        this.#log(SeverityNumber.INFO, `${method} ${op.route} handled in ${(performance.now() - started).toFixed(1)} ms`, { 'http.route': op.route, items }, ctx);
      }
    } catch (err) {
      status = err instanceof CallFailed && err.status === 504 ? 504 : 500;
      this.#errors++;
      const e = err instanceof Error ? err : new Error(String(err));
      span.recordException(e);
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
      span.setAttribute('error.type', e.name === 'CallFailed' ? String((err as CallFailed).status) : e.name);
      this.#log(SeverityNumber.ERROR, `${method} ${op.route} failed: ${e.message}`, { 'http.route': op.route, 'exception.type': e.name, 'exception.message': e.message }, ctx);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message }));
    } finally {
      release();
      span.setAttribute('http.response.status_code', status);
      span.end();
      instruments.active.add(-1, routeAttrs);
      instruments.serverDuration.record((performance.now() - started) / 1000, { ...routeAttrs, 'http.response.status_code': status });
    }
  }

  async #run(op: Operation, ctx: Context, effects: SystemEffects): Promise<number> {
    let items = 0;
    for (const step of op.steps) items += await this.#step(step, ctx, effects);
    return items;
  }

  async #step(step: Step, ctx: Context, effects: SystemEffects): Promise<number> {
    switch (step.kind) {
      case 'compute':
        burnCpu(step.ms);
        return 0;
      case 'db':
        return this.#db(step, ctx, effects);
      case 'call':
        return this.#callStep(step, ctx, effects);
      case 'parallel': {
        if (effects.sequential) {
          let n = 0;
          for (const c of step.calls) n += await this.#callStep(c, ctx, effects);
          return n;
        }
        const results = await Promise.all(step.calls.map((c) => this.#callStep(c, ctx, effects)));
        return results.reduce((a, b) => a + b, 0);
      }
    }
  }

  async #db(step: DbStep, ctx: Context, effects: SystemEffects): Promise<number> {
    const rows = step.rows ?? 1;
    const ids = this.#store.randomIds(step.table, rows);
    // N+1: the batched IN (...) read becomes one read per id, in a loop.
    const batches = step.op === 'select' && rows > 1 && effects.nPlusOne ? ids.map((id) => [id]) : [ids];
    let n = 0;
    for (const batch of batches) {
      const text = statementText(step.op, step.table, batch.length);
      const opName = step.op.toUpperCase();
      const span = this.#telemetry.tracer.startSpan(
        `${opName} ${step.table}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system': 'other_sql',
            'db.name': 'fleet',
            'db.namespace': 'fleet',
            'db.operation': opName,
            'db.operation.name': opName,
            'db.sql.table': step.table,
            'db.collection.name': step.table,
            'db.statement': text,
            'db.query.text': text,
            'server.address': 'fleet-store',
          },
        },
        ctx,
      );
      const t0 = performance.now();
      try {
        const out = await this.#store.execute({ op: step.op, table: step.table, text, ids: batch }, effects.slowDbMs);
        n += out.length;
        span.setAttribute('db.response.returned_rows', out.length);
      } finally {
        span.end();
        this.#instruments.dbDuration.record((performance.now() - t0) / 1000, { 'db.system': 'other_sql', 'db.operation.name': opName, 'db.collection.name': step.table });
      }
    }
    return n;
  }

  async #callStep(step: CallStep, ctx: Context, effects: SystemEffects): Promise<number> {
    const batch = step.batch ?? 1;
    // N+1: one request per item instead of one request carrying every id.
    const calls = batch > 1 && effects.nPlusOne ? Array.from({ length: batch }, () => 1) : [batch];
    let n = 0;
    for (const size of calls) {
      try {
        n += await this.#call(step, size, ctx, effects);
      } catch (err) {
        if (!step.optional) throw err;
        this.#log(SeverityNumber.WARN, `optional call to ${step.target} failed, degrading: ${(err as Error).message}`, { 'peer.service': step.target }, ctx);
      }
    }
    return n;
  }

  async #call(step: CallStep, size: number, ctx: Context, effects: SystemEffects): Promise<number> {
    const base = this.#urlOf(step.target);
    if (!base) throw new CallFailed(`${step.target} is not reachable (no address)`, 502);
    const op = findOperation(step.target, step.operation);
    const method = op?.method ?? 'GET';
    const route = op?.route ?? `/api/${step.operation}`;
    const url = new URL(`${base}${route}`);
    url.searchParams.set('ids', String(size));
    const span: Span = this.#telemetry.tracer.startSpan(
      method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'url.full': url.toString(),
          'server.address': url.hostname,
          'server.port': Number(url.port),
          'peer.service': step.target,
          'url.template': route,
        },
      },
      ctx,
    );
    const t0 = performance.now();
    let status = 0;
    try {
      const edgeDelay = effects.edgeLatencyMs[step.target] ?? 0;
      // Latency on the edge: the network between the two, so the caller's client span grows and the callee's server span does not.
      if (edgeDelay > 0) await sleep(edgeDelay);
      const headers: Record<string, string> = { 'user-agent': `${this.spec.name}/${this.spec.version}`, 'content-type': 'application/json' };
      propagator.inject(trace.setSpan(ctx, span), headers, defaultTextMapSetter);
      const res = await send(url, method, headers);
      status = res.status;
      span.setAttribute('http.response.status_code', status);
      if (status >= 400) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
        span.setAttribute('error.type', String(status));
        throw new CallFailed(`${step.target} answered ${status} to ${method} ${route}`, status);
      }
      const body = JSON.parse(res.body) as { items?: number };
      return typeof body.items === 'number' ? body.items : 0;
    } catch (err) {
      if (!(err instanceof CallFailed)) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        span.setAttribute('error.type', (err as Error).name);
        throw new CallFailed(`${step.target}: ${(err as Error).message}`, 502);
      }
      throw err;
    } finally {
      span.end();
      this.#instruments.clientDuration.record((performance.now() - t0) / 1000, {
        'http.request.method': method,
        'server.address': url.hostname,
        'peer.service': step.target,
        ...(status > 0 ? { 'http.response.status_code': status } : {}),
      });
    }
  }
}

/**
 * One HTTP request over the keep-alive agent; resolves with status and body.
 * A request that fails with ECONNRESET on a reused socket is retried once on a
 * fresh one: the server closed the idle connection as it was being reused (the
 * race Node's docs describe for keep-alive agents), not a failure of the callee.
 */
export function send(url: URL, method: string, headers: Record<string, string>, timeoutMs = CALL_TIMEOUT_MS, retried = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { name: 'TimeoutError' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && err.code === 'ECONNRESET') send(url, method, headers, timeoutMs, true).then(resolve, reject);
      else reject(err);
    });
    req.end(method === 'POST' ? '{}' : undefined);
  });
}
