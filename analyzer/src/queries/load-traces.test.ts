/**
 * The trace loaders against real chDB: exact unix-ns bases and relative
 * times, kind/status mapping, attribute projection, duplicate spans, and the
 * entry-point selection with its deterministic sample.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import type { Trace } from '../model/trace.ts';
import { countEntryTraces, loadTrace, streamEntryTraces } from './load-traces.ts';
import { spanTsvRow, type SpanRowInput } from './testing/span-tsv.ts';

const BASE = 1_767_225_600_123_456_789n; // sub-ms digits must survive
const MS = 1_000_000n;
const T1 = '1'.repeat(32);

let dir: string;
let storage: Storage;

const entryRows = (i: number): SpanRowInput[] => {
  const traceId = i.toString(16).padStart(32, '0');
  const root = { traceId, spanId: `r${i}`.padEnd(16, '0'), service: i % 2 === 0 ? 'web' : 'api', name: 'GET /', kind: 'Server', startNs: BASE + BigInt(i) * 1000n * MS, durationNs: 10n * MS };
  return [root, { ...root, spanId: `c${i}`.padEnd(16, '0'), parentSpanId: root.spanId, name: 'SELECT', kind: 'Client', startNs: root.startNs + MS, durationNs: 2n * MS }];
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ppo-load-traces-'));
  storage = openStorage({ dataDir: dir });
  await migrate(storage.client, { retentionDays: 0 });
  const rows: SpanRowInput[] = [
    { traceId: T1, spanId: 'aaaaaaaaaaaaaaaa', service: 'web', name: 'GET /', kind: 'Server', startNs: BASE, durationNs: 5_000_000n, attributes: { 'http.route': '/', 'user.id': 'u1' } },
    {
      traceId: T1,
      spanId: 'bbbbbbbbbbbbbbbb',
      parentSpanId: 'aaaaaaaaaaaaaaaa',
      service: 'web',
      name: 'SELECT',
      kind: 'Client',
      status: 'Error',
      startNs: BASE + 1_000_001n,
      durationNs: 2_000_000n,
      attributes: { 'db.system': 'postgresql', 'db.statement': "SELECT 'it''s'\tx", dbXsystem: 'not a db. key' },
    },
    // A child that starts before its parent (clock skew) sets the base.
    { traceId: T1, spanId: 'cccccccccccccccc', parentSpanId: 'aaaaaaaaaaaaaaaa', service: 'cache', name: 'GET', kind: 'Producer', startNs: BASE - 7n, durationNs: 1n },
  ];
  for (let i = 0; i < 40; i++) rows.push(...entryRows(i));
  const tsv = rows.map(spanTsvRow).join('');
  await storage.insertTsv('otel_traces', Buffer.from(tsv), { columns: TABLE_COLUMNS.otel_traces });
  // The same batch again without dedup: every span of trace 1 now exists twice.
  await storage.insertTsv('otel_traces', Buffer.from(rows.slice(0, 3).map(spanTsvRow).join('')), { columns: TABLE_COLUMNS.otel_traces });
});

afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('loadTrace', () => {
  it('returns spans relative to the earliest start, once each, in start order', async () => {
    const trace = (await loadTrace(storage.client, T1)) as Trace;
    expect(trace.traceId).toBe(T1);
    expect(trace.baseNs).toBe(BASE - 7n);
    expect(trace.spans.map((s) => [s.spanId, s.start, s.end, s.kind, s.status, s.service])).toEqual([
      ['cccccccccccccccc', 0, 1, 'Producer', 'Unset', 'cache'],
      ['aaaaaaaaaaaaaaaa', 7, 5_000_007, 'Server', 'Unset', 'web'],
      ['bbbbbbbbbbbbbbbb', 1_000_008, 3_000_008, 'Client', 'Error', 'web'],
    ]);
    expect(trace.spans[2]?.parentSpanId).toBe('aaaaaaaaaaaaaaaa');
    // No attributes unless asked for.
    expect(trace.spans[2]?.attributes).toEqual({});
  });

  it('projects attributes by exact keys or by prefix (a prefix is literal, not a pattern)', async () => {
    const byKey = (await loadTrace(storage.client, T1, { attributes: { keys: ['db.statement', 'http.route'] } })) as Trace;
    expect(byKey.spans.map((s) => s.attributes)).toEqual([{}, { 'http.route': '/' }, { 'db.statement': "SELECT 'it''s'\tx" }]);
    const byPrefix = (await loadTrace(storage.client, T1, { attributes: { prefixes: ['db.'] } })) as Trace;
    expect(byPrefix.spans[2]?.attributes).toEqual({ 'db.system': 'postgresql', 'db.statement': "SELECT 'it''s'\tx" });
  });

  it('is undefined for an unknown trace', async () => {
    expect(await loadTrace(storage.client, 'f'.repeat(32))).toBeUndefined();
  });
});

describe('entry-point selection', () => {
  const window = { from: BASE + 1n, to: BASE + 40n * 1000n * MS };

  it('counts the traces whose root starts in the window and matches', async () => {
    // Trace 1 and entry trace 0 start at BASE (before `from`): out.
    expect(await countEntryTraces(storage.client, window)).toEqual({ traces: 39, maxRootEndNs: BASE + 39n * 1000n * MS + 10n * MS });
    expect((await countEntryTraces(storage.client, { ...window, service: 'web' })).traces).toBe(19);
    expect((await countEntryTraces(storage.client, { ...window, service: 'web', operation: 'SELECT' })).traces).toBe(0);
  });

  it('streams every selected trace with all its spans, or a deterministic sample', async () => {
    const count = await countEntryTraces(storage.client, window);
    const all: Trace[] = [];
    const n = await streamEntryTraces(storage.client, window, { sampleModulus: 1, maxRootEndNs: count.maxRootEndNs as bigint }, (t) => all.push(t));
    expect(n).toBe(39);
    expect(all.every((t) => t.spans.length === 2)).toBe(true);
    const sampled: string[] = [];
    await streamEntryTraces(storage.client, window, { sampleModulus: 4, maxRootEndNs: count.maxRootEndNs as bigint }, (t) => sampled.push(t.traceId));
    const again: string[] = [];
    await streamEntryTraces(storage.client, window, { sampleModulus: 4, maxRootEndNs: count.maxRootEndNs as bigint }, (t) => again.push(t.traceId));
    expect(sampled.length).toBeGreaterThan(2);
    expect(sampled.length).toBeLessThan(25);
    expect(new Set(again)).toEqual(new Set(sampled));
  });
});
