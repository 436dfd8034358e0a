import { describe, expect, it } from 'vitest';
import type { FixtureSpan } from './fixture-trace.ts';
import { traceOf } from './fixture-trace.ts';
import { collectCalls, countOutboundCalls, templatePath } from './trace-calls.ts';

const root: FixtureSpan = { spanId: 'root', parentSpanId: '', service: 'api', name: 'GET /x', kind: 'Server', startMs: 0, endMs: 100 };
const child = (over: Partial<FixtureSpan> & Pick<FixtureSpan, 'spanId'>): FixtureSpan => ({
  parentSpanId: 'root',
  service: 'api',
  name: 'call',
  kind: 'Client',
  startMs: 1,
  endMs: 2,
  ...over,
});

function onlyCall(spans: FixtureSpan[], spanId: string) {
  const call = collectCalls(traceOf('t', spans)).calls.find((c) => c.span.spanId === spanId);
  if (call === undefined) throw new Error(`${spanId} is not a call`);
  return call;
}

describe('which spans are outbound calls', () => {
  it('counts client, producer and database spans; not internal work or the receiving side', () => {
    const spans = [
      root,
      child({ spanId: 'http', attributes: { 'url.full': 'http://b/x' } }),
      child({ spanId: 'recv', parentSpanId: 'http', service: 'b', kind: 'Server' }),
      child({ spanId: 'produce', kind: 'Producer', attributes: { 'messaging.system': 'kafka' } }),
      child({ spanId: 'consume', parentSpanId: 'produce', service: 'c', kind: 'Consumer' }),
      child({ spanId: 'db-internal', kind: 'Internal', attributes: { 'db.system': 'mongodb' } }),
      child({ spanId: 'work', kind: 'Internal' }),
      child({ spanId: 'nested-server', kind: 'Server' }),
    ];
    const ids = collectCalls(traceOf('t', spans)).calls.map((c) => c.span.spanId).sort();
    expect(ids).toEqual(['db-internal', 'http', 'produce']);
    expect(countOutboundCalls(traceOf('t', spans))).toEqual(new Map([['api', 3]]));
  });

  it('a callee span straight under a non-client span of another service is a call by that service', () => {
    const spans = [root, child({ spanId: 'b', service: 'b', kind: 'Server', name: 'GET /b' })];
    expect(onlyCall(spans, 'b')).toMatchObject({ callerService: 'api', target: 'b', operation: 'GET /b' });
    expect(countOutboundCalls(traceOf('t', spans))).toEqual(new Map([['api', 1]]));
  });

  it('a client span under another service\'s span is still its own service\'s call', () => {
    const spans = [root, child({ spanId: 'lib', service: 'sidecar', attributes: { 'server.address': 'vault' } })];
    expect(onlyCall(spans, 'lib')).toMatchObject({ callerService: 'sidecar', target: 'vault' });
    expect(countOutboundCalls(traceOf('t', spans))).toEqual(new Map([['sidecar', 1]]));
  });

  it('a kind-less span is a call when it carries client attributes or has a child in another service', () => {
    const spans = [
      root,
      child({ spanId: 'legacy-http', kind: 'Unspecified', attributes: { 'http.method': 'GET', 'http.url': 'http://users-api/users/7?x=1' } }),
      child({ spanId: 'legacy-rpc', kind: 'Unspecified' }),
      child({ spanId: 'legacy-rpc-server', parentSpanId: 'legacy-rpc', service: 'b', kind: 'Unspecified', name: 'B.Do' }),
      child({ spanId: 'plain', kind: 'Unspecified' }),
    ];
    const calls = collectCalls(traceOf('t', spans)).calls;
    expect(calls.map((c) => c.span.spanId).sort()).toEqual(['legacy-http', 'legacy-rpc']);
    expect(onlyCall(spans, 'legacy-http')).toMatchObject({ target: 'users-api', operation: 'GET /users/{id}' });
    expect(onlyCall(spans, 'legacy-rpc')).toMatchObject({ target: 'b', operation: 'B.Do' });
  });
});

describe('what a call is labelled with', () => {
  it('prefers the callee service and its span name', () => {
    const spans = [
      root,
      child({ spanId: 'c', name: 'GET', attributes: { 'url.full': 'http://10.0.0.7:8080/p/1', 'server.address': '10.0.0.7' } }),
      child({ spanId: 's', parentSpanId: 'c', service: 'catalog', kind: 'Server', name: 'GET /p/{id}' }),
    ];
    expect(onlyCall(spans, 'c')).toMatchObject({ target: 'catalog', operation: 'GET /p/{id}' });
  });

  it('falls back to peer.service, host, route or templated URL path, and rpc names', () => {
    const spans = [
      root,
      child({ spanId: 'peer', attributes: { 'peer.service': 'billing', 'http.request.method': 'POST', 'url.template': '/invoices/{id}' } }),
      child({ spanId: 'url', attributes: { 'http.request.method': 'GET', 'url.full': 'https://api.example.com/v2/orders/9f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c/items?page=2' } }),
      child({ spanId: 'rpc', attributes: { 'rpc.service': 'ranking.Ranker', 'rpc.method': 'Score', 'server.address': 'ranking' } }),
      child({ spanId: 'mq', kind: 'Producer', attributes: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'emails' } }),
    ];
    expect(onlyCall(spans, 'peer')).toMatchObject({ target: 'billing', operation: 'POST /invoices/{id}' });
    expect(onlyCall(spans, 'url')).toMatchObject({ target: 'api.example.com', operation: 'GET /v2/orders/{id}/items' });
    expect(onlyCall(spans, 'rpc')).toMatchObject({ target: 'ranking', operation: 'ranking.Ranker/Score' });
    expect(onlyCall(spans, 'mq')).toMatchObject({ target: 'rabbitmq:emails', operation: 'call' });
  });

  it('labels database calls by system, address and namespace, and by normalized statement (old and new conventions)', () => {
    const spans = [
      root,
      child({ spanId: 'new', attributes: { 'db.system.name': 'postgresql', 'server.address': 'db1', 'db.namespace': 'shop', 'db.query.text': 'select * from t where id = 1' } }),
      child({ spanId: 'old', attributes: { 'db.system': 'postgresql', 'net.peer.name': 'db1', 'db.name': 'shop', 'db.statement': 'SELECT * FROM t WHERE id = 2' } }),
      child({ spanId: 'op-only', name: 'find', attributes: { 'db.system': 'mongodb', 'db.operation': 'find', 'db.mongodb.collection': 'users' } }),
    ];
    const a = onlyCall(spans, 'new');
    const b = onlyCall(spans, 'old');
    expect(a).toMatchObject({ target: 'postgresql@db1/shop', operation: 'SELECT * FROM t WHERE id = ?', isDb: true });
    expect(b.key).toBe(a.key);
    expect(onlyCall(spans, 'op-only')).toMatchObject({ target: 'mongodb', operation: 'find users' });
  });
});

describe('what counts as a retryable failure', () => {
  const failed = (over: Partial<FixtureSpan>, calleeOver?: Partial<FixtureSpan>): boolean => {
    const spans = [root, child({ spanId: 'c', ...over })];
    if (calleeOver !== undefined) spans.push(child({ spanId: 's', parentSpanId: 'c', service: 'b', kind: 'Server', ...calleeOver }));
    return onlyCall(spans, 'c').failed;
  };

  it('5xx, 429, transport errors and non-caller gRPC codes fail; 4xx and caller gRPC codes do not', () => {
    expect(failed({ attributes: { 'http.response.status_code': '503' } })).toBe(true);
    expect(failed({ attributes: { 'http.status_code': '429' } })).toBe(true);
    expect(failed({ status: 'Error', attributes: { 'http.response.status_code': '404' } })).toBe(false);
    expect(failed({ status: 'Error' })).toBe(true);
    expect(failed({ status: 'Error', attributes: { 'rpc.grpc.status_code': '14' } })).toBe(true);
    expect(failed({ status: 'Error', attributes: { 'rpc.grpc.status_code': '5' } })).toBe(false);
    expect(failed({ status: 'Ok' })).toBe(false);
  });

  it('looks at the callee span when the client span says nothing', () => {
    expect(failed({}, { status: 'Error' })).toBe(true);
    expect(failed({}, { attributes: { 'http.response.status_code': '500' } })).toBe(true);
    expect(failed({}, { status: 'Ok' })).toBe(false);
  });
});

describe('templatePath', () => {
  it.each([
    ['/products/123', '/products/{id}'],
    ['/orders/9f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c/items', '/orders/{id}/items'],
    ['/blobs/5f2b9c0d7e1a44c3', '/blobs/{id}'],
    ['/v1/users?id=3#top', '/v1/users'],
    ['/api/v2/health', '/api/v2/health'],
    ['/', '/'],
  ])('%s → %s', (path, expected) => {
    expect(templatePath(path)).toBe(expected);
  });
});

describe('calls under one parent', () => {
  it('are sorted by start time whatever the input order', () => {
    const spans = [root, child({ spanId: 'b', startMs: 5, endMs: 6 }), child({ spanId: 'a', startMs: 1, endMs: 2 }), child({ spanId: 'c', startMs: 5, endMs: 5.5 })];
    const siblings = collectCalls(traceOf('t', spans)).callsByParent.get('root') ?? [];
    expect(siblings.map((c) => c.span.spanId)).toEqual(['a', 'c', 'b']);
  });
});
