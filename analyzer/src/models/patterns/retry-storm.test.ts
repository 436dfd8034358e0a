import { describe, expect, it } from 'vitest';
import { detectPatterns } from './detect-patterns.ts';
import type { FixtureSpan } from './fixture-trace.ts';
import { traceOf } from './fixture-trace.ts';

const root: FixtureSpan = { spanId: 'root', parentSpanId: '', service: 'api', name: 'POST /pay', kind: 'Server', startMs: 0, endMs: 1000 };
const attempt = (spanId: string, startMs: number, endMs: number, code: number): FixtureSpan => ({
  spanId,
  parentSpanId: 'root',
  service: 'api',
  name: 'POST',
  kind: 'Client',
  startMs,
  endMs,
  status: code >= 400 ? 'Error' : 'Unset',
  attributes: { 'http.request.method': 'POST', 'server.address': 'payments', 'url.full': 'http://payments/charge', 'http.response.status_code': String(code) },
});
const storms = (spans: FixtureSpan[]) =>
  detectPatterns(traceOf('t', [root, ...spans]))
    .filter((f) => f.kind === 'retry-storm')
    .map((f) => [f.spanIds, f.wasted_ms]);

describe('retry storm detection', () => {
  it('F F S is a storm of three with two failures wasted', () => {
    expect(storms([attempt('a', 1, 11, 502), attempt('b', 20, 30, 502), attempt('c', 40, 60, 200)])).toEqual([[['a', 'b', 'c'], 20]]);
  });

  it('a success ends a storm; failures after it start a new one', () => {
    const spans = [
      attempt('a', 1, 11, 503), attempt('b', 20, 30, 503), attempt('c', 40, 50, 503), attempt('ok', 60, 70, 200),
      attempt('d', 80, 90, 500), attempt('e', 100, 110, 500), attempt('f', 120, 130, 500),
    ];
    expect(storms(spans)).toEqual([
      [['a', 'b', 'c', 'ok'], 30],
      [['d', 'e', 'f'], 30],
    ]);
  });

  it('concurrent identical failures are a failing fan-out, not retries of each other', () => {
    expect(storms([attempt('a', 1, 11, 503), attempt('b', 1.1, 11.1, 503), attempt('c', 1.2, 11.2, 503)])).toEqual([]);
  });

  it('a run of failures that reaches the N+1 size is reported once, as a retry storm', () => {
    const spans = Array.from({ length: 6 }, (_, i) => attempt(`t${i}`, 1 + i * 20, 11 + i * 20, 503));
    expect(detectPatterns(traceOf('t', [root, ...spans])).map((f) => f.kind)).toEqual(['retry-storm']);
  });
});
