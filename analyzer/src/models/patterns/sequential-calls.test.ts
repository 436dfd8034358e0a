import { describe, expect, it } from 'vitest';
import { detectPatterns } from './detect-patterns.ts';
import type { FixtureSpan } from './fixture-trace.ts';
import { traceOf } from './fixture-trace.ts';

const root: FixtureSpan = { spanId: 'root', parentSpanId: '', service: 'bff', name: 'GET /page', kind: 'Server', startMs: 0, endMs: 500 };
const call = (spanId: string, host: string, startMs: number, endMs: number, path = '/x'): FixtureSpan => ({
  spanId,
  parentSpanId: 'root',
  service: 'bff',
  name: 'GET',
  kind: 'Client',
  startMs,
  endMs,
  attributes: { 'http.request.method': 'GET', 'server.address': host, 'url.full': `http://${host}${path}` },
});
/** Back-to-back 10 ms calls, 0.2 ms apart, to the given hosts. */
const chain = (hosts: string[], from = 1): FixtureSpan[] =>
  hosts.map((h, i) => call(`c${i + 1}-${h}`, h, from + i * 10.2, from + i * 10.2 + 10, `/x/${i}`));

const groups = (spans: FixtureSpan[]) =>
  detectPatterns(traceOf('t', [root, ...spans]))
    .filter((f) => f.kind === 'sequential-calls')
    .map((f) => f.target);

describe('sequential calls detection', () => {
  it('a repeated target ends a group: A B C A D gives A → B → C only', () => {
    expect(groups(chain(['a', 'b', 'c', 'a', 'd']))).toEqual(['a → b → c']);
  });

  it('A B A C has no three distinct targets in a row', () => {
    expect(groups(chain(['a', 'b', 'a', 'c']))).toEqual([]);
  });

  it('tolerates a sliver of overlap between consecutive calls', () => {
    const spans = [call('a', 'a', 1, 11), call('b', 'b', 10.95, 20.95), call('c', 'c', 20.9, 30.9)];
    expect(groups(spans)).toEqual(['a → b → c']);
  });

  it('spans already reported as an N+1 break the chain: once batched they are one call with its own place', () => {
    const before = chain(['auth', 'profile']);
    const loop = Array.from({ length: 5 }, (_, i) => call(`item-${i}`, 'catalog', 21.6 + i * 5.2, 26.6 + i * 5.2, `/items/${i}`));
    const after = [call('x', 'x', 47.8, 57.8), call('y', 'y', 58, 68)];
    const found = detectPatterns(traceOf('t', [root, ...before, ...loop, ...after]));
    expect(found.map((f) => f.kind)).toEqual(['n-plus-one']);
    // the same timeline with a single catalog call is one sequential group of five
    const single = [call('item', 'catalog', 21.4, 47.6)];
    expect(groups([...before, ...single, ...after])).toEqual(['auth → profile → catalog → x → y']);
  });

  it('a gap proportionate to long calls is still back to back: 10 ms between 200 ms calls', () => {
    const spans = [call('a', 'a', 0, 200), call('b', 'b', 210, 410), call('c', 'c', 420, 620)];
    expect(groups(spans)).toEqual(['a → b → c']);
    expect(groups([call('a', 'a', 0, 200), call('b', 'b', 225, 425), call('c', 'c', 435, 635)])).toEqual([]);
  });

  it('only siblings: the same calls under different parents are not a group', () => {
    const spans = chain(['a', 'b', 'c']).map((s, i) => ({ ...s, parentSpanId: i === 1 ? 'other' : 'root' }));
    const other: FixtureSpan = { spanId: 'other', parentSpanId: 'root', service: 'bff', name: 'step', kind: 'Internal', startMs: 10, endMs: 25 };
    expect(groups([other, ...spans])).toEqual([]);
  });
});
