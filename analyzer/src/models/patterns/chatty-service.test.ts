import { describe, expect, it } from 'vitest';
import { detectPatterns } from './detect-patterns.ts';
import type { FixtureSpan } from './fixture-trace.ts';
import { traceOf } from './fixture-trace.ts';
import { countOutboundCalls } from './trace-calls.ts';

describe('chatty services', () => {
  // gateway → 2 calls to api; each api request → 30 parallel cache reads: api makes 60 calls in the trace
  const spans: FixtureSpan[] = [{ spanId: 'root', parentSpanId: '', service: 'gateway', name: 'GET /feed', kind: 'Server', startMs: 0, endMs: 100 }];
  for (const r of [0, 1]) {
    spans.push({ spanId: `gw-${r}`, parentSpanId: 'root', service: 'gateway', name: 'GET', kind: 'Client', startMs: 1 + r * 50, endMs: 49 + r * 50, attributes: { 'server.address': 'api' } });
    spans.push({ spanId: `api-${r}`, parentSpanId: `gw-${r}`, service: 'api', name: 'GET /items', kind: 'Server', startMs: 2 + r * 50, endMs: 48 + r * 50 });
    for (let i = 0; i < 30; i++) {
      spans.push({
        spanId: `cache-${r}-${i}`,
        parentSpanId: `api-${r}`,
        service: 'api',
        name: 'GET',
        kind: 'Client',
        startMs: 3 + r * 50 + i * 0.1,
        endMs: 13 + r * 50 + i * 0.1,
        attributes: { 'db.system': 'redis', 'db.statement': `GET item:${i}` },
      });
    }
  }
  const trace = traceOf('t', spans);

  it('counts outbound calls per calling service', () => {
    expect(countOutboundCalls(trace)).toEqual(new Map([['gateway', 2], ['api', 60]]));
  });

  it('flags the service over the per-trace threshold, named by its entry operation, with no time claimed', () => {
    const found = detectPatterns(trace);
    expect(found.map((f) => [f.kind, f.service, f.operation, f.count, f.wasted_ms, f.spanIds.length])).toEqual([
      ['chatty-service', 'api', 'GET /items', 60, 0, 60],
    ]);
    expect(detectPatterns(trace, { chattyMinCalls: 61 })).toEqual([]);
  });
});
