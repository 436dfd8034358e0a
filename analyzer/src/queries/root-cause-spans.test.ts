import { describe, expect, it } from 'vitest';
import { demotePropagatedErrors, resolveDependencies, type DependencyRow, type ErrorTraceSpan, type SpanStatRow } from './root-cause-spans.ts';

const row = (o: Partial<SpanStatRow>): SpanStatRow => ({
  service: 'orders', instance: 'orders-0', operation: 'SELECT orders', kind: 'Client', target: '\u0000dependency', targetKind: '',
  inWindow: 1, calls: 10, errors: 0, originErrors: 0, selfQ: [1, 2, 3], durP50: 2, ...o,
});
const dep = (o: Partial<DependencyRow>): DependencyRow => ({ service: 'orders', operation: 'SELECT orders', kind: 'Client', peerKind: 'database', peer: 'postgresql/db-main/orders', n: 10, ...o });

describe('resolveDependencies', () => {
  it('names an outbound call that reached no instrumented service after the dependency its operation calls', () => {
    const [r] = resolveDependencies([row({})], [dep({})]);
    expect(r).toMatchObject({ target: 'postgresql/db-main/orders', targetKind: 'database' });
  });

  it('takes the most frequent dependency of an operation, and leaves service targets and unnamed calls alone', () => {
    const rows = resolveDependencies(
      [row({}), row({ operation: 'HTTP GET', target: 'stock', targetKind: 'service' }), row({ operation: 'HTTP POST' })],
      [dep({ peer: 'postgresql/replica/orders', n: 3 }), dep({ n: 40 }), dep({ service: 'billing', peer: 'mysql/x' })],
    );
    expect(rows.map((r) => [r.target, r.targetKind])).toEqual([
      ['postgresql/db-main/orders', 'database'],
      ['stock', 'service'],
      ['', ''],
    ]);
  });
});

describe('demotePropagatedErrors', () => {
  const span = (o: Partial<ErrorTraceSpan> & Pick<ErrorTraceSpan, 'spanId' | 'service' | 'operation'>): ErrorTraceSpan => ({
    traceId: 't1', parentId: '', kind: 'Server', error: 0, inWindow: 1, ...o,
  });
  it('takes a caller out of the origin counts when an error started deeper in the same trace', () => {
    // web (error) → web client (OK: the status did not propagate) → stock server (OK) → stock internal (error).
    const trace = [
      span({ spanId: 'a', service: 'web', operation: 'GET /buy', error: 1 }),
      span({ spanId: 'b', parentId: 'a', service: 'web', operation: 'HTTP GET', kind: 'Client' }),
      span({ spanId: 'c', parentId: 'b', service: 'stock', operation: 'GET /reserve' }),
      span({ spanId: 'd', parentId: 'c', service: 'stock', operation: 'StockController.reserve', kind: 'Internal', error: 1 }),
    ];
    const rows = [
      row({ service: 'web', instance: 'web-0', operation: 'GET /buy', kind: 'Server', target: '', errors: 3, originErrors: 3 }),
      row({ service: 'stock', instance: 'stock-0', operation: 'StockController.reserve', kind: 'Internal', target: '', errors: 1, originErrors: 1 }),
    ];
    const out = demotePropagatedErrors(rows, trace);
    expect(out.map((r) => r.originErrors)).toEqual([2, 1]);
    expect(out[0]!.errors).toBe(3);
  });

  it('leaves alone an error span whose direct child errs (never counted as an origin) and other periods', () => {
    const trace = [
      span({ spanId: 'a', service: 'web', operation: 'GET /buy', error: 1 }),
      span({ spanId: 'b', parentId: 'a', service: 'web', operation: 'HTTP GET', kind: 'Client', error: 1 }),
      span({ spanId: 'c', parentId: 'b', service: 'stock', operation: 'GET /reserve', error: 1 }),
    ];
    const rows = [
      row({ service: 'web', instance: 'web-0', operation: 'GET /buy', kind: 'Server', target: '', errors: 1, originErrors: 1, inWindow: 0 }),
      row({ service: 'web', instance: 'web-0', operation: 'HTTP GET', kind: 'Client', target: 'stock', errors: 1, originErrors: 0 }),
      row({ service: 'stock', instance: 'stock-0', operation: 'GET /reserve', kind: 'Server', target: '', errors: 1, originErrors: 1 }),
    ];
    expect(demotePropagatedErrors(rows, trace).map((r) => r.originErrors)).toEqual([1, 0, 1]);
  });
});
