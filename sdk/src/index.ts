export { start, type PpoSdk } from './start.ts';
export { SHUTDOWN_TIMEOUT_MS } from './shared.ts';
export { createServiceTelemetry, type ServiceTelemetry } from './service-telemetry.ts';
export { installContext } from './context.ts';
export { HTTP_DURATION_BUCKETS_S, type FetchOptions, type HttpHandlerOptions } from './http.ts';
export { type DbCall } from './spans.ts';
export {
  DEFAULT_ENDPOINT,
  DEFAULT_METRIC_INTERVAL_MS,
  type LogLevel,
  type ServiceTelemetryOptions,
  type StartOptions,
} from './config.ts';
