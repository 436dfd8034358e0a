import { diag, DiagConsoleLogger, DiagLogLevel, metrics, type ContextManager } from '@opentelemetry/api';
import { HostMetrics } from '@opentelemetry/host-metrics';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  resolveLogLevel,
  resolveMetricIntervalMs,
  sdkDisabled,
  signalEnabled,
  startOptionsSchema,
  type Env,
  type LogLevel,
  type StartOptions,
} from './config.ts';
import { installContext } from './context.ts';
import { registerEsmHook } from './esm-hook.ts';
import { createLogExporter, createMetricExporter, createTraceExporter } from './exporters.ts';
import { autoInstrumentations, runtimeInstrumentation } from './instrumentations.ts';
import { appPackageVersion, composeResource, detectHostResource, settledResource } from './resource.ts';
import { boundedWait, describeShutdown, SDK_NAME, SHUTDOWN_TIMEOUT_MS } from './shared.ts';

/** What `start()` returns: the process-wide SDK. */
export interface PpoSdk {
  /**
   * Flushes everything buffered, stops exporters and instrumentations; idempotent. Never
   * rejects: a failed or overdue last export is reported through the OTel diag log.
   */
  shutdown(): Promise<void>;
  /** Exports spans, metrics and logs buffered so far; like shutdown, never rejects. */
  forceFlush(): Promise<void>;
  /** The resource every signal of this process carries. */
  readonly resource: Resource;
}

const DIAG_LEVELS: Record<LogLevel, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

let started: Promise<PpoSdk> | undefined;

/**
 * Starts OpenTelemetry for the whole process, sending traces, metrics and logs over OTLP
 * (gRPC by default) to PPO: resource detection (host, OS, process, container,
 * service.version from the app's package.json), auto-instrumentation, runtime and host
 * metrics, a flush on SIGTERM/SIGINT and when the event loop runs dry.
 * Call it before the app imports what it wants instrumented — best through
 * `node --import @ppo/sdk/register app.js`. A second call returns the first SDK.
 */
export function start(options: StartOptions = {}, env: Env = process.env): Promise<PpoSdk> {
  started ??= startOnce(options, env).catch((err: unknown) => {
    started = undefined;
    throw err;
  });
  return started;
}

async function startOnce(options: StartOptions, env: Env): Promise<PpoSdk> {
  const opts = startOptionsSchema.parse(options);
  const level = resolveLogLevel(env, opts.logLevel);
  const setDiagLogger = (): void => {
    if (level !== 'none') diag.setLogger(new DiagConsoleLogger(), { logLevel: DIAG_LEVELS[level], suppressOverrideMessage: true });
  };
  setDiagLogger();

  const resource = await settledResource(
    composeResource(
      detectHostResource(),
      { serviceName: opts.serviceName, serviceVersion: opts.serviceVersion, resourceAttributes: opts.resourceAttributes },
      env,
      { packageVersion: appPackageVersion(process.argv[1], process.cwd()), envOverrides: true },
    ),
  );
  if (sdkDisabled(env)) {
    return { resource, shutdown: () => Promise.resolve(), forceFlush: () => Promise.resolve() };
  }

  installContext();
  const auto = opts.instrumentations !== 'none';
  const runtimeMetrics = opts.runtimeMetrics !== false;
  const waitForEsmHook = auto ? registerEsmHook() : () => Promise.resolve();

  const intervalMs = resolveMetricIntervalMs(env, opts.metricIntervalMs);
  const spanProcessors: SpanProcessor[] = signalEnabled('traces', env)
    ? [new BatchSpanProcessor(createTraceExporter(env, opts.endpoint))]
    : [];
  const metricReaders: IMetricReader[] = signalEnabled('metrics', env)
    ? [
        new PeriodicExportingMetricReader({
          exporter: createMetricExporter(env, opts.endpoint),
          exportIntervalMillis: intervalMs,
          exportTimeoutMillis: Math.min(intervalMs, 30_000),
        }),
      ]
    : [];
  const logRecordProcessors: LogRecordProcessor[] = signalEnabled('logs', env)
    ? [new BatchLogRecordProcessor(createLogExporter(env, opts.endpoint))]
    : [];
  const instrumentations: Instrumentation[] = auto ? autoInstrumentations() : [];
  if (runtimeMetrics && metricReaders.length > 0) instrumentations.push(runtimeInstrumentation());

  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    // installContext() registered both already; null tells NodeSDK not to register its own.
    contextManager: null as unknown as ContextManager,
    textMapPropagator: null,
    spanProcessors,
    metricReaders,
    logRecordProcessors,
    instrumentations,
  });
  // NodeSDK's constructor installs its own diag logger from OTEL_LOG_LEVEL; the logLevel option wins.
  setDiagLogger();
  sdk.start();
  if (runtimeMetrics && metricReaders.length > 0) {
    new HostMetrics({ meterProvider: metrics.getMeterProvider(), name: SDK_NAME }).start();
  }
  // The app's imports must not run before the loader knows which modules to wrap.
  await waitForEsmHook();

  let stopped: Promise<void> | undefined;
  const handle: PpoSdk = {
    resource,
    async forceFlush() {
      const providers = sdkProviders(sdk);
      const flush = async (): Promise<void> => {
        // Spans first: a metric or log may describe a span the backend should already hold.
        await providers.tracer?.forceFlush();
        await Promise.all([providers.meter?.forceFlush(), providers.logger?.forceFlush()]);
      };
      const problem = describeShutdown(await boundedWait(flush(), SHUTDOWN_TIMEOUT_MS), SHUTDOWN_TIMEOUT_MS, 'flush');
      if (problem !== undefined) diag.warn(problem);
    },
    shutdown() {
      stopped ??= (async () => {
        removeHandlers();
        const problem = describeShutdown(await boundedWait(sdk.shutdown(), SHUTDOWN_TIMEOUT_MS), SHUTDOWN_TIMEOUT_MS);
        if (problem !== undefined) diag.warn(problem);
        // After the final collection, which still reads the runtime instruments.
        for (const instr of instrumentations) instr.disable();
        started = undefined;
      })();
      return stopped;
    },
  };
  const removeHandlers = opts.handleSignals === false ? () => {} : installExitHandlers(handle);
  return handle;
}

interface Flushable {
  forceFlush(): Promise<void>;
}

/** NodeSDK keeps its providers private; forceFlush needs them, so they are read defensively. */
function sdkProviders(sdk: NodeSDK): { tracer?: Flushable; meter?: Flushable; logger?: Flushable } {
  const fields = sdk as unknown as Record<string, Flushable | undefined>;
  const out: { tracer?: Flushable; meter?: Flushable; logger?: Flushable } = {};
  const tracer = fields['_tracerProvider'];
  const meter = fields['_meterProvider'];
  const logger = fields['_loggerProvider'];
  if (tracer) out.tracer = tracer;
  if (meter) out.meter = meter;
  if (logger) out.logger = logger;
  return out;
}

/**
 * SIGTERM/SIGINT: flush and shut down, then — if the app has no handler of its own for
 * that signal — re-raise it so the process ends the way it would have without the SDK
 * (exit status 128 + signal). An app with its own handler keeps control of when it exits
 * and should `await sdk.shutdown()` there. `beforeExit` (the event loop ran dry) flushes
 * too, so short scripts do not lose their last batch.
 */
function installExitHandlers(handle: PpoSdk): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    void handle.shutdown().finally(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const onBeforeExit = (): void => {
    void handle.shutdown();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  process.once('beforeExit', onBeforeExit);
  return () => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('beforeExit', onBeforeExit);
  };
}
