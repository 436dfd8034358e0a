import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '@ppo/storage';
import { migrate, MigrationError, MIGRATIONS_TABLE } from './migrate.ts';
import { OTEL_TABLES } from './otel-tables.ts';

// chDB allows one data dir per process, so this file shares one database;
// tests run in order and build on each other (first run, re-run, inserts).
const dir = mkdtempSync(join(tmpdir(), 'ppo-migrations-'));
const storage = openStorage({ dataDir: join(dir, 'data') });
const client = storage.client;

afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows<T>(query: string): Promise<T[]> {
  return client.query({ query, format: 'JSONEachRow' }).then((r) => r.json<T>());
}

const ALL_FILES = [
  '0001_otel_traces.sql',
  '0002_otel_traces_trace_id_ts.sql',
  '0003_otel_logs.sql',
  '0004_otel_metrics.sql',
  '0005_insert_deduplication.sql',
  '0006_ppo_red_rollups.sql',
  '0007_otel_traces_scope_attributes.sql',
  '0008_ppo_forecasts.sql',
  '0009_ppo_anomalies.sql',
  '0010_ppo_capacity.sql',
  '0012_ppo_slo_monitors.sql',
  '0013_ppo_recommendations.sql',
  '0014_ppo_outcomes.sql',
  '0015_ppo_slo_latency_histograms.sql',
];

describe('migrate against embedded chDB', () => {
  it('applies every migration on an empty database and records each', async () => {
    const logged: string[] = [];
    const result = await migrate(client, { retentionDays: 7, log: (msg) => logged.push(msg) });
    expect(result).toEqual({ applied: ALL_FILES, skipped: [] });
    expect(logged.filter((m) => m === 'migration applied')).toHaveLength(ALL_FILES.length);

    const recorded = await rows<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM ${MIGRATIONS_TABLE} FINAL ORDER BY version`,
    );
    expect(recorded.map((r) => [r.version, r.name])).toEqual(ALL_FILES.map((f) => [Number(f.slice(0, 4)), f]));
    for (const r of recorded) expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies nothing on a second run', async () => {
    const logged: string[] = [];
    const result = await migrate(client, { retentionDays: 7, log: (msg) => logged.push(msg) });
    expect(result).toEqual({ applied: [], skipped: ALL_FILES });
    expect(logged).toEqual([]);
  });

  it('creates every contrib table, the trace-id lookup and its materialized view', async () => {
    const tables = await rows<{ name: string; engine: string }>(
      'SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name',
    );
    const engines = Object.fromEntries(tables.map((t) => [t.name, t.engine]));
    for (const table of OTEL_TABLES) expect(engines[table], table).toBe('MergeTree');
    expect(OTEL_TABLES).toHaveLength(7);
    expect(engines['otel_traces_trace_id_ts']).toBe('AggregatingMergeTree');
    expect(engines['otel_traces_trace_id_ts_mv']).toBe('MaterializedView');
    expect(engines[MIGRATIONS_TABLE]).toBe('ReplacingMergeTree');
  });

  it('gives otel_traces the contrib columns and types', async () => {
    const cols = await rows<{ name: string; type: string; default_type: string }>('DESCRIBE TABLE otel_traces');
    const types = Object.fromEntries(cols.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      Timestamp: 'DateTime64(9)',
      TraceId: 'String',
      SpanId: 'String',
      ParentSpanId: 'String',
      TraceState: 'String',
      SpanName: 'LowCardinality(String)',
      SpanKind: 'LowCardinality(String)',
      ServiceName: 'LowCardinality(String)',
      ResourceAttributes: 'Map(LowCardinality(String), String)',
      ScopeName: 'String',
      ScopeVersion: 'String',
      // PPO's one addition (migration 0007), right after the contrib scope columns.
      ScopeAttributes: 'Map(LowCardinality(String), String)',
      SpanAttributes: 'Map(LowCardinality(String), String)',
      Duration: 'UInt64',
      StatusCode: 'LowCardinality(String)',
      StatusMessage: 'String',
      'Events.Timestamp': 'Array(DateTime64(9))',
      'Events.Name': 'Array(LowCardinality(String))',
      'Events.Attributes': 'Array(Map(LowCardinality(String), String))',
      'Links.TraceId': 'Array(String)',
      'Links.SpanId': 'Array(String)',
      'Links.TraceState': 'Array(String)',
      'Links.Attributes': 'Array(Map(LowCardinality(String), String))',
    });
    // The ALIAS columns are computed on read, never written by an exporter.
    expect(cols.filter((c) => c.default_type === 'ALIAS').map((c) => c.name)).toEqual(['ResourceAttributeItems', 'SpanAttributeItems']);
    expect(cols.filter((c) => c.default_type === '')).toHaveLength(23);
  });

  it('keeps the contrib shapes of the logs and metrics tables', async () => {
    const logs = Object.fromEntries(
      (await rows<{ name: string; type: string }>('DESCRIBE TABLE otel_logs')).map((c) => [c.name, c.type]),
    );
    expect(logs).toMatchObject({ Timestamp: 'DateTime64(9)', TraceFlags: 'UInt8', SeverityNumber: 'UInt8', EventName: 'String' });
    expect(logs).not.toHaveProperty('TimestampTime');
    const sum = Object.fromEntries(
      (await rows<{ name: string; type: string }>('DESCRIBE TABLE otel_metrics_sum')).map((c) => [c.name, c.type]),
    );
    expect(sum).toMatchObject({ TimeUnix: 'DateTime', IsMonotonic: 'Bool', AggregationTemporality: 'Int32', 'Exemplars.TraceId': 'Array(String)' });
  });

  it('renders the TTL with the retention on every data table', async () => {
    for (const table of [...OTEL_TABLES, 'otel_traces_trace_id_ts']) {
      const [row] = await rows<{ statement: string }>(`SHOW CREATE TABLE ${table}`);
      expect(row?.statement, table).toMatch(/\bTTL toDateTime\((Timestamp|TimeUnix|Start)\) \+ toIntervalDay\(7\)/);
      expect(row?.statement, table).toContain('ttl_only_drop_parts = 1');
    }
  });

  it('deduplicates a retried insert that carries the same deduplication token', async () => {
    for (const token of ['batch-1', 'batch-1', 'batch-2']) {
      await client.command({
        query: `INSERT INTO otel_logs (Timestamp, ServiceName, Body) SETTINGS insert_deduplication_token = {token:String}
                VALUES ('2030-01-02 03:04:05', 'dedup-check', 'same block')`,
        query_params: { token },
      });
    }
    const [row] = await rows<{ n: string }>(`SELECT toString(count()) AS n FROM otel_logs WHERE ServiceName = 'dedup-check'`);
    expect(row?.n).toBe('2');
  });

  it('fills otel_traces_trace_id_ts from inserts into otel_traces through the view', async () => {
    await client.command({
      query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, Duration, StatusCode)
              VALUES
                ('2030-01-02 03:04:05.123456789', '5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', '', 'GET /', 'Server', 'web', 2000000000, 'Ok'),
                ('2030-01-02 03:04:06.000000001', '5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b175', 'eee19b7ec3c1b174', 'SELECT', 'Client', 'web', 1000, 'Unset'),
                ('2030-01-02 03:04:06.000000001', '', 'eee19b7ec3c1b176', '', 'orphan', 'Internal', 'web', 1, 'Unset')`,
    });
    const lookup = await rows<{ TraceId: string; Start: string; End: string }>(
      `SELECT TraceId, toString(min(Start)) AS Start, toString(max(End)) AS End
       FROM otel_traces_trace_id_ts GROUP BY TraceId ORDER BY TraceId`,
    );
    // Spans without a trace id are left out of the lookup, as in the exporter.
    expect(lookup).toEqual([{ TraceId: '5b8efff798038103d269b633813fc60c', Start: '2030-01-02 03:04:05', End: '2030-01-02 03:04:06' }]);
  });

  it('warns, and re-applies nothing, when an applied migration file changed', async () => {
    const changedDir = join(dir, 'changed');
    mkdirSync(changedDir);
    writeFileSync(join(changedDir, '0001_otel_traces.sql'), 'CREATE TABLE IF NOT EXISTS otel_traces (x UInt8) ENGINE = Memory;\n');
    const logged: Array<{ msg: string; fields: object | undefined }> = [];
    const result = await migrate(client, { retentionDays: 7, migrationsDir: changedDir, log: (msg, fields) => logged.push({ msg, fields }) });
    expect(result).toEqual({ applied: [], skipped: ['0001_otel_traces.sql'] });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.msg).toMatch(/changed since it was applied/);
    expect(logged[0]?.fields).toMatchObject({ version: 1, file: '0001_otel_traces.sql' });
  });

  it('stops at a failing statement with an error naming file and statement, and does not record it', async () => {
    const brokenDir = join(dir, 'broken');
    mkdirSync(brokenDir);
    writeFileSync(
      join(brokenDir, '9001_broken.sql'),
      'CREATE TABLE IF NOT EXISTS ppo_test_ok (x UInt8) ENGINE = MergeTree ORDER BY x;\nCREATE TABLE IF NOT EXISTS ppo_test_bad (x NoSuchType) ENGINE = MergeTree ORDER BY x;\n',
    );
    writeFileSync(join(brokenDir, '9002_after.sql'), 'CREATE TABLE IF NOT EXISTS ppo_test_after (x UInt8) ENGINE = MergeTree ORDER BY x;\n');
    const run = migrate(client, { retentionDays: 7, migrationsDir: brokenDir });
    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(run).rejects.toThrow(/9001_broken\.sql failed at statement 2 \(CREATE TABLE IF NOT EXISTS ppo_test_bad/);
    const recorded = await rows<{ version: number }>(`SELECT version FROM ${MIGRATIONS_TABLE} FINAL WHERE version > 9000`);
    expect(recorded).toEqual([]);
    const after = await rows<{ n: string }>("SELECT count() AS n FROM system.tables WHERE name = 'ppo_test_after'");
    expect(Number(after[0]?.n)).toBe(0);
  });

  it('rejects misnamed and duplicate-version files before touching the database', async () => {
    const misnamed = join(dir, 'misnamed');
    mkdirSync(misnamed);
    writeFileSync(join(misnamed, '1_foo.sql'), 'SELECT 1;\n');
    await expect(migrate(client, { retentionDays: 7, migrationsDir: misnamed })).rejects.toThrow(/1_foo\.sql .* not named NNNN_/);

    const duplicate = join(dir, 'duplicate');
    mkdirSync(duplicate);
    writeFileSync(join(duplicate, '0005_a.sql'), 'SELECT 1;\n');
    writeFileSync(join(duplicate, '0005_b.sql'), 'SELECT 1;\n');
    await expect(migrate(client, { retentionDays: 7, migrationsDir: duplicate })).rejects.toThrow(/share version 5/);
  });
});
