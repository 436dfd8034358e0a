/**
 * GET /api/ppo/traces against Jaeger's storage-integration search cases
 * (../shared/fixtures/jaeger-integration): every trace named by a case is
 * loaded through the collector's decoder, then each case must return exactly
 * its expected traces, whole.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../testing/api-harness.ts';
import { parseTags } from './trace-search.ts';
import { sharedPath } from '../../../test/helpers/shared-dir.ts';

const FIXTURES = sharedPath('fixtures/jaeger-integration');

interface JaegerQuery {
  ServiceName: string;
  OperationName: string;
  Tags: Record<string, string | number | boolean> | null;
  StartTimeMin: string;
  StartTimeMax: string;
  DurationMin: number;
  DurationMax: number;
  NumTraces: number;
}

interface QueryCase {
  Caption: string;
  Query: JaegerQuery;
  ExpectedFixtures: string[];
}

interface OtlpFixture {
  resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string }[] }[] }[];
}

interface TraceSummary {
  traceId: string;
  rootService: string;
  rootOperation: string;
  startTime: string;
  startTimeUnixNano: string;
  durationNs: string;
  spans: number;
  services: string[];
  errors: number;
}

const cases = JSON.parse(readFileSync(join(FIXTURES, 'queries.json'), 'utf8')) as QueryCase[];
const fixture = (name: string): OtlpFixture => JSON.parse(readFileSync(join(FIXTURES, 'traces', `${name}.json`), 'utf8')) as OtlpFixture;

/** traceId → span count of a fixture file. */
function traceSpans(f: OtlpFixture): Map<string, number> {
  const m = new Map<string, number>();
  for (const rs of f.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) m.set(s.traceId, (m.get(s.traceId) ?? 0) + 1);
  return m;
}

/** Jaeger's query as PPO's query string (the original 2017 dates: PPO is migrated without a TTL here). */
function toQueryString(q: JaegerQuery): string {
  const p = new URLSearchParams({ service: q.ServiceName, from: q.StartTimeMin, to: q.StartTimeMax, limit: String(q.NumTraces) });
  if (q.OperationName !== '') p.set('operation', q.OperationName);
  if (q.Tags) p.set('tags', JSON.stringify(q.Tags));
  if (q.DurationMin > 0) p.set('minDuration', String(q.DurationMin));
  if (q.DurationMax > 0) p.set('maxDuration', String(q.DurationMax));
  return p.toString();
}

let h: ApiHarness;
// Every fixture any case expects, plus one no case expects (to be excluded everywhere).
const loaded = [...new Set([...cases.flatMap((c) => c.ExpectedFixtures), 'example_trace'])];

beforeAll(async () => {
  h = await startApiHarness();
  for (const name of loaded) await h.insertOtlp(fixture(name));
});

afterAll(async () => {
  await h?.close();
});

describe('GET /api/ppo/traces: Jaeger integration search cases', () => {
  it('has the 25 cases', () => {
    expect(cases).toHaveLength(25);
  });

  for (const [i, c] of cases.entries()) {
    it(`${String(i + 1).padStart(2, '0')} ${c.Caption}`, async () => {
      const expected = new Map<string, number>();
      for (const name of c.ExpectedFixtures) for (const [id, n] of traceSpans(fixture(name))) expected.set(id, n);
      const reply = await h.get(`/api/ppo/traces?${toQueryString(c.Query)}`);
      expect(reply.status, JSON.stringify(reply.json)).toBe(200);
      const traces = (reply.json as { traces: TraceSummary[] }).traces;
      expect(Object.fromEntries(traces.map((t) => [t.traceId, t.spans]))).toEqual(Object.fromEntries(expected));
    });
  }
});

describe('GET /api/ppo/traces: summaries and parameters', () => {
  const window = 'from=2017-01-26T15:46:31Z&to=2017-01-26T17:46:31Z';

  it('summarizes whole traces: root, services, duration, start', async () => {
    const reply = await h.get(`/api/ppo/traces?service=example-service-3&${window}`);
    expect(reply.status).toBe(200);
    const [t, ...rest] = (reply.json as { traces: TraceSummary[] }).traces;
    expect(rest).toEqual([]);
    expect(t).toMatchObject({
      traceId: '00000000000000000000000000000011',
      spans: 5,
      services: ['example-service-1', 'example-service-2', 'example-service-3'],
      startTime: '2017-01-26T16:46:31.639Z',
      startTimeUnixNano: '1485449191639875000',
      durationNs: '100000',
      errors: 0,
    });
    expect(t?.rootService).toMatch(/^example-service-/);
  });

  it('returns whole traces for a span-level match (opname_maxdur_trace has a 1000 ns child and a 2000 ns root)', async () => {
    const reply = await h.get(`/api/ppo/traces?service=query07-service&maxDuration=1000&${window}`);
    const traces = (reply.json as { traces: TraceSummary[] }).traces;
    expect(traces.map((t) => [t.traceId, t.spans, t.durationNs])).toEqual([['00000000000000000000000000000007', 2, '2000']]);
  });

  it('accepts durations with units (4.5us, 5500ns) and logfmt tags', async () => {
    let reply = await h.get(`/api/ppo/traces?service=query09-service&minDuration=4.5us&maxDuration=5500ns&${window}`);
    expect((reply.json as { traces: TraceSummary[] }).traces.map((t) => t.traceId)).toEqual(['00000000000000000000000000000009']);
    const tags = encodeURIComponent('sameplacetag1=sameplacevalue sameplacetag2=123 sameplacetag3="72.5" sameplacetag4=true');
    reply = await h.get(`/api/ppo/traces?service=query04-service&tags=${tags}&${window}`);
    expect((reply.json as { traces: TraceSummary[] }).traces.map((t) => t.traceId)).toEqual(['00000000000000000000000000000004']);
  });

  it('without a service searches every service, newest first, up to `limit`', async () => {
    const all = await h.get(`/api/ppo/traces?${window}&limit=1000`);
    const traces = (all.json as { traces: TraceSummary[] }).traces;
    expect(traces.length).toBeGreaterThan(20);
    const starts = traces.map((t) => BigInt(t.startTimeUnixNano));
    for (let i = 1; i < starts.length; i++) expect(starts[i - 1]! >= starts[i]!).toBe(true);
    const two = await h.get(`/api/ppo/traces?${window}&limit=2`);
    expect((two.json as { traces: TraceSummary[] }).traces).toHaveLength(2);
  });

  it('a tag value is bound, not SQL: quotes and backslashes find nothing and break nothing', async () => {
    const tags = encodeURIComponent(JSON.stringify({ "x') OR 1=1 --": "'\\", sameplacetag1: "sameplacevalue' OR '1'='1" }));
    const reply = await h.get(`/api/ppo/traces?tags=${tags}&${window}`);
    expect(reply.status).toBe(200);
    expect((reply.json as { traces: TraceSummary[] }).traces).toEqual([]);
  });

  it.each([
    ['minDuration=fast', 'minDuration'],
    ['maxDuration=1.5parsecs', 'maxDuration'],
    ['minDuration=2ms&maxDuration=1ms', 'minDuration'],
    ['tags=%7Bnot%20json', 'tags'],
    ['tags=%5B1%2C2%5D', 'tags'],
    ['tags=%7B%22k%22%3A%7B%7D%7D', 'tags'],
    ['tags=novalue', 'tags'],
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['from=2017-01-27T00:00:00Z&to=2017-01-26T00:00:00Z', 'from'],
    ['to=tomorrow', 'to'],
  ])('%s → 400 naming %s', async (qs, field) => {
    const reply = await h.get(`/api/ppo/traces?${qs}`);
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((reply.json as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });

  it('GET /traces/{traceId} still answers next to the search', async () => {
    const reply = await h.get('/api/ppo/traces/00000000000000000000000000000011');
    expect(reply.status).toBe(200);
    expect((reply.json as { spans: unknown[] }).spans).toHaveLength(5);
    expect((await h.get('/api/ppo/traces/0000000000000000000000000000abcd')).status).toBe(404);
  });
});

describe('parseTags', () => {
  it('reads JSON objects with scalar values as stored text', () => {
    expect(parseTags('{"a":"x","n":123,"d":72.5,"b":true}')).toEqual([
      ['a', 'x'],
      ['n', '123'],
      ['d', '72.5'],
      ['b', 'true'],
    ]);
  });

  it('reads logfmt with quoted values and escapes', () => {
    expect(parseTags('a=1 b="two words" c="say \\"hi\\"" d=')).toEqual([
      ['a', '1'],
      ['b', 'two words'],
      ['c', 'say "hi"'],
      ['d', ''],
    ]);
    expect(parseTags('   ')).toEqual([]);
  });

  it('explains what it cannot read', () => {
    expect(parseTags('a')).toMatch(/key=value/);
    expect(parseTags('{"a":null}')).toMatch(/string, number or boolean/);
  });
});
