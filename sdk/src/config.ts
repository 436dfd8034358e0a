import { z } from 'zod';

/** The environment as the SDK reads it; a parameter so the rules are testable without touching process.env. */
export type Env = Readonly<Record<string, string | undefined>>;

export type Signal = 'traces' | 'metrics' | 'logs';

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';

/** PPO's OTLP/gRPC receiver on the same machine, the endpoint when nothing else is configured. */
export const DEFAULT_ENDPOINT = 'http://localhost:4317';

/**
 * How often metrics are pushed when neither the option nor OTEL_METRIC_EXPORT_INTERVAL says.
 * The OTel default is 60 s; PPO rolls up per minute and its analyses want a few points per
 * minute to see a change quickly, so the SDK pushes every 15 s (as APM agents usually do).
 */
export const DEFAULT_METRIC_INTERVAL_MS = 15_000;

export const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const attributeValue = z.union([z.string(), z.number(), z.boolean()]);

/** Options of `start()`; validated because they often come from untyped JS or config files. */
export const startOptionsSchema = z.strictObject({
  serviceName: z.string().min(1).optional(),
  serviceVersion: z.string().min(1).optional(),
  /** OTLP endpoint of PPO, e.g. http://ppo:4317 (gRPC) — OTEL_EXPORTER_OTLP_* win over it. */
  endpoint: z.url().optional(),
  resourceAttributes: z.record(z.string().min(1), attributeValue).optional(),
  instrumentations: z.enum(['auto', 'none']).optional(),
  runtimeMetrics: z.boolean().optional(),
  metricIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  /** Flush and shut down on SIGTERM/SIGINT (default true). */
  handleSignals: z.boolean().optional(),
});
export type StartOptions = z.input<typeof startOptionsSchema>;

/** Options of `createServiceTelemetry()`: one logical service inside a shared process. */
export const serviceTelemetryOptionsSchema = z.strictObject({
  serviceName: z.string().min(1),
  serviceVersion: z.string().min(1).optional(),
  resourceAttributes: z.record(z.string().min(1), attributeValue).optional(),
  endpoint: z.url().optional(),
  metricIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
  /**
   * Report runtime metrics (event loop, heap, GC) and process/host metrics under this
   * service's resource. Off by default: in a process hosting several services they are
   * process-wide figures, so turn it on for one service per process (or accept duplicates).
   */
  runtimeMetrics: z.boolean().optional(),
});
export type ServiceTelemetryOptions = z.input<typeof serviceTelemetryOptionsSchema>;

/** Where and how one signal is exported. `url: undefined` lets the OTel exporter read its own env. */
export interface ExporterTarget {
  protocol: OtlpProtocol;
  url: string | undefined;
}

const SIGNAL_ENV: Record<Signal, string> = { traces: 'TRACES', metrics: 'METRICS', logs: 'LOGS' };

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** OTEL_EXPORTER_OTLP_{SIGNAL_}PROTOCOL, defaulting to gRPC (PPO's primary receiver). */
export function resolveProtocol(signal: Signal, env: Env): OtlpProtocol {
  const raw =
    nonEmpty(env[`OTEL_EXPORTER_OTLP_${SIGNAL_ENV[signal]}_PROTOCOL`]) ?? nonEmpty(env['OTEL_EXPORTER_OTLP_PROTOCOL']) ?? 'grpc';
  if (raw === 'grpc' || raw === 'http/protobuf' || raw === 'http/json') return raw;
  throw new Error(`unsupported OTLP protocol "${raw}" (grpc, http/protobuf or http/json)`);
}

/**
 * Resolves the export target of one signal. Precedence, highest first:
 * OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT (both left to the OTel
 * exporter itself, which applies the spec's rules: signal paths for HTTP, headers, TLS),
 * then the `endpoint` option, PPO_ENDPOINT, and http://localhost:4317.
 * PPO endpoints name the receiver's base URL; for the HTTP protocols the signal path
 * (/v1/traces …) is appended, as OTEL_EXPORTER_OTLP_ENDPOINT does.
 */
export function resolveExporterTarget(signal: Signal, env: Env, endpoint?: string): ExporterTarget {
  const protocol = resolveProtocol(signal, env);
  const otelEndpoint = nonEmpty(env[`OTEL_EXPORTER_OTLP_${SIGNAL_ENV[signal]}_ENDPOINT`]) ?? nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  if (otelEndpoint !== undefined) return { protocol, url: undefined };
  const base = endpoint ?? nonEmpty(env['PPO_ENDPOINT']);
  if (base === undefined) {
    // gRPC: PPO's default receiver. HTTP: the exporter's own default (localhost:4318/v1/<signal>).
    return { protocol, url: protocol === 'grpc' ? DEFAULT_ENDPOINT : undefined };
  }
  if (protocol === 'grpc') return { protocol, url: base };
  return { protocol, url: `${base.replace(/\/+$/, '')}/v1/${signal}` };
}

/** Metric export interval: the option, else OTEL_METRIC_EXPORT_INTERVAL, else 15 s. */
export function resolveMetricIntervalMs(env: Env, optionMs?: number): number {
  if (optionMs !== undefined) return optionMs;
  const fromEnv = Number(nonEmpty(env['OTEL_METRIC_EXPORT_INTERVAL']));
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_METRIC_INTERVAL_MS;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES as the spec defines it: `key1=value1,key2=value2`, values
 * percent-encoded (W3C baggage octets). Malformed entries are skipped rather than aborting
 * the app's start-up: telemetry must never take the service down.
 */
export function parseResourceAttributesEnv(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const rawValue = part.slice(eq + 1).trim();
    if (key === '') continue;
    let value: string;
    try {
      value = decodeURIComponent(rawValue);
    } catch {
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** The SDK's own diagnostic level: the option, else OTEL_LOG_LEVEL, else warn. */
export function resolveLogLevel(env: Env, option?: LogLevel): LogLevel {
  if (option !== undefined) return option;
  const raw = nonEmpty(env['OTEL_LOG_LEVEL'])?.toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(raw ?? '') ? (raw as LogLevel) : 'warn';
}

/** OTEL_SDK_DISABLED=true turns the whole SDK into a no-op, as the spec asks. */
export function sdkDisabled(env: Env): boolean {
  return nonEmpty(env['OTEL_SDK_DISABLED'])?.toLowerCase() === 'true';
}

/** Options for `node --import @ppo/sdk/register`, read from the environment only. */
export function startOptionsFromEnv(env: Env): StartOptions {
  const options: StartOptions = {};
  const name = nonEmpty(env['PPO_SERVICE_NAME']);
  if (name !== undefined) options.serviceName = name;
  const version = nonEmpty(env['PPO_SERVICE_VERSION']);
  if (version !== undefined) options.serviceVersion = version;
  const instr = nonEmpty(env['PPO_INSTRUMENTATIONS']);
  if (instr === 'auto' || instr === 'none') options.instrumentations = instr;
  const runtime = nonEmpty(env['PPO_RUNTIME_METRICS'])?.toLowerCase();
  if (runtime !== undefined) options.runtimeMetrics = !['false', '0', 'no', 'off'].includes(runtime);
  const interval = Number(nonEmpty(env['PPO_METRIC_INTERVAL_MS']));
  if (Number.isInteger(interval) && interval >= 100) options.metricIntervalMs = interval;
  return options;
}

/** OTEL_{TRACES,METRICS,LOGS}_EXPORTER=none switches one signal off; anything else keeps OTLP. */
export function signalEnabled(signal: Signal, env: Env): boolean {
  const raw = nonEmpty(env[`OTEL_${SIGNAL_ENV[signal]}_EXPORTER`]);
  if (raw === undefined) return true;
  return !raw.split(',').map((s) => s.trim().toLowerCase()).includes('none');
}
