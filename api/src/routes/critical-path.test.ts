/**
 * GET /api/ppo/traces/{traceId}/critical-path over real chDB: every jaeger-ui
 * fixture case stored as spans (µs → unix ns around a base with sub-ms
 * digits), read back through the route, in time order.
 */
import { LiveEvents } from '@ppo/analyzer';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
// Test-only row builder of the analyzer's queries, reached by path.
import { spanTsvRow } from '../../../analyzer/src/queries/testing/span-tsv.ts';
import { createApp } from '../app.ts';
import { sharedPath } from '../../../test/helpers/shared-dir.ts';

const FIXTURES = sharedPath('fixtures/critical-path');
const BASE_NS = 1_767_225_600_000_000_000n + 123_456n; // 2026-01-01T00:00:00Z + sub-ms digits

interface FixtureSpan {
  spanID: string;
  parentSpanID: string | null;
  serviceName: string;
  operationName: string;
  spanKind: string | null;
  startTime: number;
  duration: number;
}

interface Fixture {
  spans: FixtureSpan[];
  expectedCriticalPath: { spanId: string; sectionStart: number; sectionEnd: number }[];
}

const cases = readdirSync(FIXTURES)
  .filter((f) => /^case\d+\.json$/.test(f))
  .map((f, i) => ({
    file: f,
    traceId: (i + 1).toString(16).padStart(32, 'c'),
    fixture: JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Fixture,
  }));

const usToNs = (us: number): bigint => BASE_NS + BigInt(us) * 1000n;
const kindName = (k: string | null): string => (k === null ? 'Internal' : k[0]?.toUpperCase() + k.slice(1));

let dir: string;
let storage: Storage;
let app: Hono;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-critical-path-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  app = createApp({ storage, apiKeys: [], checks: async () => ({}), metricsText: () => '', events: new LiveEvents() });
  let tsv = '';
  for (const { traceId, fixture } of cases) {
    for (const s of fixture.spans) {
      tsv += spanTsvRow({
        traceId,
        spanId: s.spanID,
        parentSpanId: s.parentSpanID ?? '',
        service: s.serviceName,
        name: s.operationName,
        kind: kindName(s.spanKind),
        startNs: usToNs(s.startTime),
        durationNs: BigInt(s.duration) * 1000n,
      });
    }
  }
  await storage.insertTsv('otel_traces', Buffer.from(tsv), { columns: TABLE_COLUMNS.otel_traces });
});

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const res = await app.request(`/api/ppo${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
}

describe('GET /traces/{traceId}/critical-path', () => {
  it('stores all nine fixture cases', () => expect(cases.length).toBe(9));

  for (const { file, traceId, fixture } of cases) {
    it(`${file}: segments in time order, exact unix ns`, async () => {
      const r = await get(`/traces/${traceId}/critical-path`);
      expect(r.status).toBe(200);
      const expected = fixture.expectedCriticalPath
        .map((s) => ({ spanId: s.spanId, start: usToNs(s.sectionStart).toString(), end: usToNs(s.sectionEnd).toString() }))
        .sort((a, b) => (BigInt(a.start) < BigInt(b.start) ? -1 : 1));
      expect(r.body).toEqual({ traceId, segments: expected });
    });
  }

  it('accepts upper-case ids and answers with the stored (lower-case) id', async () => {
    const { traceId } = cases[0] as { traceId: string };
    const r = await get(`/traces/${traceId.toUpperCase()}/critical-path`);
    expect(r.status).toBe(200);
    expect(r.body['traceId']).toBe(traceId);
  });

  it('unknown trace → 404 problem', async () => {
    const r = await get('/traces/0123456789abcdef0123456789abcdef/critical-path');
    expect(r.status).toBe(404);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body['detail']).toMatch(/0123456789abcdef0123456789abcdef/);
  });

  it('malformed trace id → 400 problem naming traceId', async () => {
    const r = await get('/traces/not-a-trace/critical-path');
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect((r.body['errors'] as { path: string }[])[0]?.path).toBe('traceId');
  });
});
