import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENDPOINT,
  DEFAULT_METRIC_INTERVAL_MS,
  parseResourceAttributesEnv,
  resolveExporterTarget,
  resolveLogLevel,
  resolveMetricIntervalMs,
  resolveProtocol,
  sdkDisabled,
  serviceTelemetryOptionsSchema,
  signalEnabled,
  startOptionsFromEnv,
  startOptionsSchema,
} from './config.ts';

describe('resolveExporterTarget', () => {
  it('defaults to PPO’s gRPC receiver on localhost', () => {
    expect(resolveExporterTarget('traces', {})).toEqual({ protocol: 'grpc', url: DEFAULT_ENDPOINT });
  });

  it('takes PPO_ENDPOINT, and the endpoint option over it', () => {
    const env = { PPO_ENDPOINT: 'http://ppo:4317' };
    expect(resolveExporterTarget('metrics', env)).toEqual({ protocol: 'grpc', url: 'http://ppo:4317' });
    expect(resolveExporterTarget('metrics', env, 'http://other:4317')).toEqual({ protocol: 'grpc', url: 'http://other:4317' });
  });

  it('leaves the URL to the OTel exporter when any OTEL_EXPORTER_OTLP endpoint is set, whatever the code says', () => {
    expect(resolveExporterTarget('logs', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://col:4317', PPO_ENDPOINT: 'http://ppo:4317' }, 'http://x:1')).toEqual({
      protocol: 'grpc',
      url: undefined,
    });
    // The signal-specific variable only concerns its own signal.
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://col:4317/v1/traces' };
    expect(resolveExporterTarget('traces', env).url).toBeUndefined();
    expect(resolveExporterTarget('logs', env).url).toBe(DEFAULT_ENDPOINT);
  });

  it('ignores blank variables, as the spec treats empty as unset', () => {
    expect(resolveExporterTarget('traces', { OTEL_EXPORTER_OTLP_ENDPOINT: '  ', PPO_ENDPOINT: '' })).toEqual({
      protocol: 'grpc',
      url: DEFAULT_ENDPOINT,
    });
  });

  it('appends the signal path for the HTTP protocols', () => {
    const env = { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', PPO_ENDPOINT: 'http://ppo:4318/' };
    expect(resolveExporterTarget('traces', env)).toEqual({ protocol: 'http/protobuf', url: 'http://ppo:4318/v1/traces' });
    expect(resolveExporterTarget('logs', { ...env, OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json' })).toEqual({
      protocol: 'http/json',
      url: 'http://ppo:4318/v1/logs',
    });
    // No PPO endpoint: the HTTP exporter's own default (localhost:4318), not the gRPC port.
    expect(resolveExporterTarget('metrics', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).url).toBeUndefined();
  });
});

describe('resolveProtocol', () => {
  it('prefers the signal-specific variable and rejects unknown protocols', () => {
    expect(resolveProtocol('traces', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).toBe('grpc');
    expect(() => resolveProtocol('traces', { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' })).toThrow(/unsupported OTLP protocol/);
  });
});

describe('parseResourceAttributesEnv', () => {
  it('parses key=value pairs and percent-decodes values', () => {
    expect(parseResourceAttributesEnv('a=1, team=perf%20eng ,k8s.pod.name=p-1')).toEqual({ a: '1', team: 'perf eng', 'k8s.pod.name': 'p-1' });
  });

  it('keeps values containing =, skips malformed entries without failing', () => {
    expect(parseResourceAttributesEnv('q=a=b,novalue,=x,bad=%E0%A4%A,ok=1')).toEqual({ q: 'a=b', ok: '1' });
    expect(parseResourceAttributesEnv(undefined)).toEqual({});
  });
});

describe('small resolvers', () => {
  it('metric interval: option, then OTEL_METRIC_EXPORT_INTERVAL, then 15 s', () => {
    expect(resolveMetricIntervalMs({ OTEL_METRIC_EXPORT_INTERVAL: '5000' }, 250)).toBe(250);
    expect(resolveMetricIntervalMs({ OTEL_METRIC_EXPORT_INTERVAL: '5000' })).toBe(5000);
    expect(resolveMetricIntervalMs({ OTEL_METRIC_EXPORT_INTERVAL: 'soon' })).toBe(DEFAULT_METRIC_INTERVAL_MS);
  });

  it('log level: option, then OTEL_LOG_LEVEL (any case), then warn', () => {
    expect(resolveLogLevel({ OTEL_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(resolveLogLevel({ OTEL_LOG_LEVEL: 'DEBUG' }, 'error')).toBe('error');
    expect(resolveLogLevel({ OTEL_LOG_LEVEL: 'chatty' })).toBe('warn');
  });

  it('OTEL_SDK_DISABLED and OTEL_<SIGNAL>_EXPORTER=none', () => {
    expect(sdkDisabled({ OTEL_SDK_DISABLED: 'TRUE' })).toBe(true);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: '1' })).toBe(false);
    expect(signalEnabled('logs', { OTEL_LOGS_EXPORTER: 'none' })).toBe(false);
    expect(signalEnabled('logs', { OTEL_TRACES_EXPORTER: 'none' })).toBe(true);
    expect(signalEnabled('metrics', { OTEL_METRICS_EXPORTER: 'otlp' })).toBe(true);
  });

  it('register options come from PPO_* variables', () => {
    expect(
      startOptionsFromEnv({
        PPO_SERVICE_NAME: 'pso',
        PPO_SERVICE_VERSION: '2.1.0',
        PPO_INSTRUMENTATIONS: 'none',
        PPO_RUNTIME_METRICS: 'off',
        PPO_METRIC_INTERVAL_MS: '1000',
      }),
    ).toEqual({ serviceName: 'pso', serviceVersion: '2.1.0', instrumentations: 'none', runtimeMetrics: false, metricIntervalMs: 1000 });
    expect(startOptionsFromEnv({ PPO_INSTRUMENTATIONS: 'some', PPO_METRIC_INTERVAL_MS: '5' })).toEqual({});
  });
});

describe('option schemas', () => {
  it('reject typos and bad values instead of silently ignoring them', () => {
    expect(() => startOptionsSchema.parse({ servicename: 'x' })).toThrow();
    expect(() => startOptionsSchema.parse({ endpoint: 'not a url' })).toThrow();
    expect(() => startOptionsSchema.parse({ metricIntervalMs: 10 })).toThrow();
    expect(() => serviceTelemetryOptionsSchema.parse({})).toThrow();
    expect(serviceTelemetryOptionsSchema.parse({ serviceName: 'pdt', resourceAttributes: { shard: 3, canary: true } })).toEqual({
      serviceName: 'pdt',
      resourceAttributes: { shard: 3, canary: true },
    });
  });
});
