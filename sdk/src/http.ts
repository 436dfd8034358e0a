import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Histogram,
  type Meter,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/**
 * HTTP spans and RED metrics for services that share a process and so cannot rely on the
 * global auto-instrumentation (it reports everything under one service). Attribute and
 * metric names follow the stable HTTP semantic conventions, the same ones
 * `OTEL_SEMCONV_STABILITY_OPT_IN=http` makes the auto-instrumentation emit.
 */

/** The semconv's advised boundaries for http.*.request.duration, in seconds. */
export const HTTP_DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export interface HttpInstruments {
  server: Histogram;
  client: Histogram;
}

export function createHttpInstruments(meter: Meter): HttpInstruments {
  return {
    server: meter.createHistogram('http.server.request.duration', {
      unit: 's',
      description: 'Duration of HTTP server requests.',
      advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS_S },
    }),
    client: meter.createHistogram('http.client.request.duration', {
      unit: 's',
      description: 'Duration of HTTP client requests.',
      advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS_S },
    }),
  };
}

export interface HttpHandlerOptions {
  /**
   * The route template of a request (`/orders/:id`), for span names and the metric's
   * http.route; low cardinality matters, so never the raw path. Default: the path.
   */
  route?: (req: IncomingMessage) => string | undefined;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q < 0 ? raw : raw.slice(0, q);
}

function seconds(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/**
 * Wraps a node:http request listener: every request becomes a SERVER span of this
 * service, continuing the caller's trace from `traceparent`, active while the handler
 * runs (so its logs, DB spans and outgoing calls are children), ended when the response
 * finishes, and counted in http.server.request.duration. A handler that throws or
 * rejects answers 500 (if it had not answered) and marks the span as an error.
 */
export function wrapHttpHandler(
  tracer: Tracer,
  instruments: HttpInstruments,
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  options: HttpHandlerOptions = {},
): RequestListener {
  return (req, res) => {
    const startNs = process.hrtime.bigint();
    const method = (req.method ?? 'GET').toUpperCase();
    const path = pathOf(req.url);
    const route = options.route?.(req) ?? path;
    const parent = propagation.extract(context.active(), req.headers);
    const attributes: Attributes = {
      'http.request.method': method,
      'url.path': path,
      'url.scheme': 'http',
      'http.route': route,
      'network.protocol.version': req.httpVersion,
    };
    const host = req.socket.localAddress;
    if (host !== undefined) attributes['server.address'] = host;
    if (req.socket.localPort !== undefined) attributes['server.port'] = req.socket.localPort;
    if (req.socket.remoteAddress !== undefined) attributes['client.address'] = req.socket.remoteAddress;
    const ua = req.headers['user-agent'];
    if (ua !== undefined) attributes['user_agent.original'] = ua;
    const span = tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes }, parent);

    let ended = false;
    const end = (error?: unknown): void => {
      if (ended) return;
      ended = true;
      const status = res.statusCode;
      span.setAttribute('http.response.status_code', status);
      const metricAttrs: Attributes = {
        'http.request.method': method,
        'http.route': route,
        'url.scheme': 'http',
        'http.response.status_code': status,
      };
      if (error !== undefined || status >= 500) {
        const type = error instanceof Error ? error.name : String(status);
        metricAttrs['error.type'] = type;
        span.setAttribute('error.type', type);
        span.setStatus({ code: SpanStatusCode.ERROR, ...(error instanceof Error ? { message: error.message } : {}) });
      }
      if (!res.writableFinished && error === undefined) {
        // The client went away before the answer was complete.
        span.setAttribute('http.response.aborted', true);
      }
      span.end();
      instruments.server.record(seconds(startNs), metricAttrs);
    };
    res.once('finish', () => end());
    res.once('close', () => end());

    const fail = (err: unknown): void => {
      if (err instanceof Error) span.recordException(err);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      }
      end(err);
    };
    context.with(trace.setSpan(parent, span), () => {
      try {
        const result = handler(req, res);
        if (result instanceof Promise) result.catch(fail);
      } catch (err) {
        fail(err);
      }
    });
  };
}

export interface FetchOptions {
  /** The called service's name, recorded as peer.service (the service map can use it before the callee reports). */
  peerService?: string;
  /** The URL's route template (`/orders/{id}`), recorded as url.template and used in the span name. */
  urlTemplate?: string;
}

/**
 * `fetch` as a CLIENT span of this service (child of the active span), with the trace
 * context injected as `traceparent`/`baggage` and the call counted in
 * http.client.request.duration. Network errors reject as fetch does, with the span marked.
 */
export async function tracedFetch(
  tracer: Tracer,
  instruments: HttpInstruments,
  input: string | URL,
  init: RequestInit = {},
  options: FetchOptions = {},
): Promise<Response> {
  const url = new URL(input);
  const method = (init.method ?? 'GET').toUpperCase();
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const attributes: Attributes = {
    'http.request.method': method,
    'server.address': url.hostname,
    'server.port': port,
    'url.full': `${url.origin}${url.pathname}`,
  };
  if (options.peerService !== undefined) attributes['peer.service'] = options.peerService;
  if (options.urlTemplate !== undefined) attributes['url.template'] = options.urlTemplate;
  // Semconv: `{method} {url.template}` when the template is known, else the method alone.
  const name = options.urlTemplate === undefined ? method : `${method} ${options.urlTemplate}`;
  const span: Span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
  const ctx = trace.setSpan(context.active(), span);
  const headers = new Headers(init.headers);
  propagation.inject(ctx, headers, {
    set: (carrier, key, value) => carrier.set(key, value),
  });
  const startNs = process.hrtime.bigint();
  const metricAttrs: Attributes = { 'http.request.method': method, 'server.address': url.hostname, 'server.port': port };
  try {
    const res = await context.with(ctx, () => fetch(url, { ...init, headers }));
    span.setAttribute('http.response.status_code', res.status);
    metricAttrs['http.response.status_code'] = res.status;
    if (res.status >= 400) {
      // For a client every 4xx/5xx is a failed call (semconv); the server decides for itself.
      span.setAttribute('error.type', String(res.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
      metricAttrs['error.type'] = String(res.status);
    }
    return res;
  } catch (err) {
    const type = err instanceof Error ? err.name : 'Error';
    span.setAttribute('error.type', type);
    if (err instanceof Error) span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, ...(err instanceof Error ? { message: err.message } : {}) });
    metricAttrs['error.type'] = type;
    throw err;
  } finally {
    span.end();
    instruments.client.record(seconds(startNs), metricAttrs);
  }
}
