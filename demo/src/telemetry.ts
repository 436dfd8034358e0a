import type { Meter, Tracer } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Per-system telemetry: the shape of `@ppo/sdk`'s createServiceTelemetry —
 * tracer, meter and logger bound to one resource, NOT registered globally,
 * because one host process serves several systems and each must report as
 * itself (its own service.name, service.version, service.instance.id).
 */
export interface ServiceTelemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly logger: Logger;
  readonly resource: Resource;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ServiceTelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  resourceAttributes?: Record<string, string | number | boolean>;
  /** OTLP gRPC endpoint, e.g. http://127.0.0.1:4317 */
  endpoint?: string;
  metricIntervalMs?: number;
}

/**
 * Interim wiring until @ppo/sdk lands: the same OTel SDK pieces the SDK wraps
 * (batching span/log processors, periodic metric reader, OTLP gRPC exporters).
 */
export function createServiceTelemetry(opts: ServiceTelemetryOptions): ServiceTelemetry {
  const url = opts.endpoint ?? 'http://127.0.0.1:4317';
  const resource = resourceFromAttributes({
    'service.name': opts.serviceName,
    ...(opts.serviceVersion !== undefined ? { 'service.version': opts.serviceVersion } : {}),
    'telemetry.sdk.language': 'nodejs',
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    ...opts.resourceAttributes,
  });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { maxQueueSize: 8192, maxExportBatchSize: 1024, scheduledDelayMillis: 1000 })],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url }), exportIntervalMillis: opts.metricIntervalMs ?? 10_000 })],
  });
  const loggerProvider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url }))] });
  const scope = '@ppo/demo';
  return {
    tracer: tracerProvider.getTracer(scope),
    meter: meterProvider.getMeter(scope),
    logger: loggerProvider.getLogger(scope),
    resource,
    forceFlush: async () => {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush(), loggerProvider.forceFlush()]);
    },
    shutdown: async () => {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}
