import { describe, expect, it } from 'vitest';
import { resolveDependencies, type DependencyRow, type SpanStatRow } from './root-cause-spans.ts';

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
