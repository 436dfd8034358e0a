import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resolveExporterTarget, type Env } from './config.ts';

// Each exporter gets `{ url }` only when PPO's own settings chose it; otherwise it is built
// without one so that it applies OTEL_EXPORTER_OTLP_* (endpoint, headers, TLS, compression,
// timeout) exactly as the OTel spec and the OTel JS exporters define them.
function urlConfig(url: string | undefined): { url?: string } {
  return url === undefined ? {} : { url };
}

export function createTraceExporter(env: Env, endpoint?: string): SpanExporter {
  const { protocol, url } = resolveExporterTarget('traces', env, endpoint);
  if (protocol === 'grpc') return new GrpcTraceExporter(urlConfig(url));
  if (protocol === 'http/protobuf') return new ProtoTraceExporter(urlConfig(url));
  return new JsonTraceExporter(urlConfig(url));
}

export function createMetricExporter(env: Env, endpoint?: string): PushMetricExporter {
  const { protocol, url } = resolveExporterTarget('metrics', env, endpoint);
  if (protocol === 'grpc') return new GrpcMetricExporter(urlConfig(url));
  if (protocol === 'http/protobuf') return new ProtoMetricExporter(urlConfig(url));
  return new JsonMetricExporter(urlConfig(url));
}

export function createLogExporter(env: Env, endpoint?: string): LogRecordExporter {
  const { protocol, url } = resolveExporterTarget('logs', env, endpoint);
  if (protocol === 'grpc') return new GrpcLogExporter(urlConfig(url));
  if (protocol === 'http/protobuf') return new ProtoLogExporter(urlConfig(url));
  return new JsonLogExporter(urlConfig(url));
}
