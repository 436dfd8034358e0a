import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has defaults that run everything on embedded chDB', () => {
    const c = loadConfig({});
    expect([...c.roles]).toEqual(['collector', 'analyzer', 'api']);
    expect(c.ports).toEqual({ otlpGrpc: 4317, otlpHttp: 4318, api: 8080 });
    expect(c.clickhouseUrl).toBeUndefined();
    expect(c.maxRequestBytes).toBe(64 * 1024 * 1024);
    expect(c.retentionDays).toBe(7);
  });

  it('names every invalid variable', () => {
    const attempt = () => loadConfig({ PPO_API_PORT: 'eighty', PPO_ROLES: 'collector,web' });
    expect(attempt).toThrow(/PPO_API_PORT/);
    expect(attempt).toThrow(/PPO_ROLES/);
  });

  it('parses roles and API keys lists', () => {
    const c = loadConfig({ PPO_ROLES: 'collector, api', PPO_API_KEYS: 'a, b', PPO_OTLP_GRPC_PORT: '0' });
    expect([...c.roles]).toEqual(['collector', 'api']);
    expect(c.apiKeys).toEqual(['a', 'b']);
    expect(c.ports.otlpGrpc).toBe(0);
  });

  it('parses CORS origins: none by default, a list, or *; a path is not an origin', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ PPO_CORS_ORIGINS: 'https://dash.example.com, http://localhost:3000' }).corsOrigins).toEqual([
      'https://dash.example.com',
      'http://localhost:3000',
    ]);
    expect(loadConfig({ PPO_CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(() => loadConfig({ PPO_CORS_ORIGINS: 'https://dash.example.com/app' })).toThrow(/PPO_CORS_ORIGINS/);
  });

  it('parses the analysis interval as seconds or a duration, at least 1 s', () => {
    expect(loadConfig({}).analyzeIntervalMs).toBe(60_000);
    expect(loadConfig({ PPO_ANALYZE_INTERVAL: '90' }).analyzeIntervalMs).toBe(90_000);
    expect(loadConfig({ PPO_ANALYZE_INTERVAL: '5m' }).analyzeIntervalMs).toBe(300_000);
    expect(() => loadConfig({ PPO_ANALYZE_INTERVAL: '10ms' })).toThrow(/PPO_ANALYZE_INTERVAL/);
    expect(() => loadConfig({ PPO_WEBHOOK_URL: 'not a url' })).toThrow(/PPO_WEBHOOK_URL/);
  });
});
