import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { diag, type Meter, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { HostMetrics } from '@opentelemetry/host-metrics';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resolveMetricIntervalMs, serviceTelemetryOptionsSchema, type Env, type ServiceTelemetryOptions } from './config.ts';
import { installContext } from './context.ts';
import { createLogExporter, createMetricExporter, createTraceExporter } from './exporters.ts';
import { createHttpInstruments, tracedFetch, wrapHttpHandler, type FetchOptions, type HttpHandlerOptions } from './http.ts';
import { runtimeInstrumentation } from './instrumentations.ts';
import { createDbInstrument, dbCall, inSpan, type DbCall } from './spans.ts';
import { appPackageVersion, composeResource, detectHostResource } from './resource.ts';
import { boundedWait, describeShutdown, SDK_NAME, SDK_VERSION, SHUTDOWN_TIMEOUT_MS } from './shared.ts';

/** One service's telemetry inside a process that may host several. */
export interface ServiceTelemetry {
  /** Spans of this service (server, client, internal); parent/child through the global context. */
  readonly tracer: Tracer;
  /** Instruments of this service; exported every `metricIntervalMs`. */
  readonly meter: Meter;
  /** OTLP log records of this service; emitted inside a span they carry its trace and span id. */
  readonly logger: Logger;
  readonly resource: Resource;
  /** The providers, for instrumentation libraries that accept one (`setTracerProvider`, …). */
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  readonly loggerProvider: LoggerProvider;
  /**
   * Wraps a node:http request listener so each request is a SERVER span of this service
   * (continuing the caller's trace) and counted in http.server.request.duration.
   */
  httpHandler(handler: (req: IncomingMessage, res: ServerResponse) => unknown, options?: HttpHandlerOptions): RequestListener;
  /** `fetch` as a CLIENT span of this service with traceparent injected, counted in http.client.request.duration. */
  fetch(input: string | URL, init?: RequestInit, options?: FetchOptions): Promise<Response>;
  /** Runs `fn` in a new active span that ends when it settles; errors are recorded and rethrown. */
  span<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T>;
  /** A database call as a CLIENT span with db.system.name/db.query.text, counted in db.client.operation.duration. */
  db<T>(call: DbCall, fn: () => Promise<T> | T): Promise<T>;
  /** Exports everything buffered so far (spans, metrics, logs); never rejects (failures go to the diag log). */
  forceFlush(): Promise<void>;
  /** Flushes, then stops the exporters and instruments; idempotent; never rejects (failures go to the diag log). */
  shutdown(): Promise<void>;
}

/**
 * Telemetry for one logical service (`service.name` + its own resource) with its own
 * tracer, meter and logger providers and OTLP exporters — none registered globally, so a
 * process can host many services side by side, each reporting as itself. Context
 * propagation is process-wide (installed here if `start()` did not): an active span of
 * service A is the parent of a client span service A starts, and `propagation.inject/extract`
 * carries it to service B across HTTP.
 *
 * Synchronous so it can be called at module top level; attributes detected from files
 * (host.id, container.id) settle in the background and exporters wait for them.
 */
export function createServiceTelemetry(options: ServiceTelemetryOptions, env: Env = process.env): ServiceTelemetry {
  const opts = serviceTelemetryOptionsSchema.parse(options);
  installContext();
  const resource = composeResource(
    detectHostResource(),
    { serviceName: opts.serviceName, serviceVersion: opts.serviceVersion, resourceAttributes: opts.resourceAttributes },
    env,
    { packageVersion: appPackageVersion(process.argv[1], process.cwd()), envOverrides: false },
  );
  const intervalMs = resolveMetricIntervalMs(env, opts.metricIntervalMs);

  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(createTraceExporter(env, opts.endpoint))],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: createMetricExporter(env, opts.endpoint),
        exportIntervalMillis: intervalMs,
        // The reader refuses a timeout above the interval.
        exportTimeoutMillis: Math.min(intervalMs, 30_000),
      }),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor(createLogExporter(env, opts.endpoint))],
  });

  const runtime: Instrumentation[] = [];
  if (opts.runtimeMetrics === true) {
    const instr = runtimeInstrumentation(false);
    instr.setMeterProvider(meterProvider);
    instr.enable();
    runtime.push(instr);
    new HostMetrics({ meterProvider, name: SDK_NAME }).start();
  }

  const version = opts.serviceVersion ?? SDK_VERSION;
  const tracer = tracerProvider.getTracer(opts.serviceName, version);
  const meter = meterProvider.getMeter(opts.serviceName, version);
  let http: ReturnType<typeof createHttpInstruments> | undefined;
  const httpInstruments = (): ReturnType<typeof createHttpInstruments> => (http ??= createHttpInstruments(meter));
  let dbDuration: ReturnType<typeof createDbInstrument> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    tracer,
    meter,
    logger: loggerProvider.getLogger(opts.serviceName, version),
    resource,
    tracerProvider,
    meterProvider,
    loggerProvider,
    httpHandler: (handler, handlerOptions) => wrapHttpHandler(tracer, httpInstruments(), handler, handlerOptions),
    fetch: (input, init, fetchOptions) => tracedFetch(tracer, httpInstruments(), input, init, fetchOptions),
    span: (name, spanOptions, fn) => inSpan(tracer, name, spanOptions, fn),
    db: (call, fn) => dbCall(tracer, (dbDuration ??= createDbInstrument(meter)), call, fn),
    async forceFlush() {
      const flush = async (): Promise<void> => {
        // Spans first: a metric or log may describe a span the backend should already hold.
        await tracerProvider.forceFlush();
        await Promise.all([meterProvider.forceFlush(), loggerProvider.forceFlush()]);
      };
      const problem = describeShutdown(await boundedWait(flush(), SHUTDOWN_TIMEOUT_MS), SHUTDOWN_TIMEOUT_MS, 'flush');
      if (problem !== undefined) diag.warn(`${problem} (service ${opts.serviceName})`);
    },
    shutdown() {
      stopped ??= (async () => {
        const outcome = await boundedWait(
          Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]).then(() => undefined),
          SHUTDOWN_TIMEOUT_MS,
        );
        const problem = describeShutdown(outcome, SHUTDOWN_TIMEOUT_MS);
        if (problem !== undefined) diag.warn(`${problem} (service ${opts.serviceName})`);
        // After the final collection, which still reads the runtime instruments.
        for (const instr of runtime) instr.disable();
      })();
      return stopped;
    },
  };
}
