import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@ppo/clickhouse-migrations';
import { openStorage, type Storage } from '@ppo/storage';
import { TABLE_COLUMNS } from '../rows/columns.ts';
import type { DecodeResult, OtelTable } from '../rows/table-batch.ts';
import { decodeRequest } from './decode.ts';
import { otlpJsonToProto } from './testing/otlp-json-to-proto.ts';
import { encodeSpans, sdkLogsRequest, sdkMetricsRequest, sdkSpans } from './testing/sdk-requests.ts';
import { sharedPath } from '../../../test/helpers/shared-dir.ts';

/**
 * The decoders' rows (TSV, and the protobuf span decoder's Native blocks)
 * against the real tables: the migrations' DDL on embedded chDB accepts every
 * row, and values read back with SQL are the ones sent.
 */

const dir = mkdtempSync(join(tmpdir(), 'ppo-decode-chdb-'));
let storage: Storage;

beforeAll(async () => {
  storage = openStorage({ dataDir: join(dir, 'data') });
  await migrate(storage.client, { retentionDays: 0 });
});

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rows<T = Record<string, unknown>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const r = await storage.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return r.json<T>();
}

async function insert(result: DecodeResult): Promise<void> {
  for (const { table, format, payload } of result.batch.payloads()) {
    await storage.insertRows(table, payload, { columns: TABLE_COLUMNS[table], format });
  }
}

const OTLP = sharedPath('fixtures/otlp-json');
const fixtureJson = (name: string) => readFileSync(join(OTLP, name));

/** The ClickHouse type each decoder writes a column as; `DESCRIBE` must agree. */
function expectedType(table: OtelTable, column: string): RegExp {
  const str = /^(LowCardinality\()?String\)?$/;
  const map = /^Map\(LowCardinality\(String\), String\)$/;
  const byName: Record<string, RegExp> = {
    Timestamp: /^DateTime64\(9\)$/,
    StartTimeUnix: /^DateTime$/,
    TimeUnix: /^DateTime$/,
    Duration: /^UInt64$/,
    TraceFlags: /^UInt8$/,
    SeverityNumber: /^UInt8$/,
    ScopeDroppedAttrCount: /^UInt32$/,
    Flags: /^UInt32$/,
    Value: /^Float64$/,
    Count: /^UInt64$/,
    Sum: /^Float64$/,
    Min: /^Float64$/,
    Max: /^Float64$/,
    Scale: /^Int32$/,
    ZeroCount: /^UInt64$/,
    PositiveOffset: /^Int32$/,
    NegativeOffset: /^Int32$/,
    AggregationTemporality: /^Int32$/,
    IsMonotonic: /^Bool$/,
    BucketCounts: /^Array\(UInt64\)$/,
    PositiveBucketCounts: /^Array\(UInt64\)$/,
    NegativeBucketCounts: /^Array\(UInt64\)$/,
    ExplicitBounds: /^Array\(Float64\)$/,
    'Events.Timestamp': /^Array\(DateTime64\(9\)\)$/,
    'Events.Attributes': /^Array\(Map\(LowCardinality\(String\), String\)\)$/,
    'Links.Attributes': /^Array\(Map\(LowCardinality\(String\), String\)\)$/,
    'Exemplars.FilteredAttributes': /^Array\(Map\(LowCardinality\(String\), String\)\)$/,
    'Exemplars.TimeUnix': /^Array\(DateTime\)$/,
    'Exemplars.Value': /^Array\(Float64\)$/,
    'ValueAtQuantiles.Quantile': /^Array\(Float64\)$/,
    'ValueAtQuantiles.Value': /^Array\(Float64\)$/,
  };
  if (byName[column]) return byName[column];
  if (column.endsWith('Attributes')) return map;
  if (column.includes('.')) return /^Array\((LowCardinality\()?String\)?\)$/;
  void table;
  return str;
}

describe('TABLE_COLUMNS against the migrated schema', () => {
  it.each(Object.keys(TABLE_COLUMNS) as OtelTable[])('%s: every column exists with the type the decoder writes', async (table) => {
    const described = await rows<{ name: string; type: string }>(`DESCRIBE TABLE ${table}`);
    const types = new Map(described.map((d) => [d.name, d.type]));
    for (const column of TABLE_COLUMNS[table]) {
      expect(types.has(column), `${table}.${column} missing`).toBe(true);
      expect(types.get(column), `${table}.${column}`).toMatch(expectedType(table, column));
    }
  });
});

describe('fixtures inserted and read back', () => {
  beforeAll(async () => {
    await insert(decodeRequest('traces', 'json', fixtureJson('trace.json')));
    await insert(decodeRequest('metrics', 'proto', otlpJsonToProto('MetricsRequest', JSON.parse(fixtureJson('metrics.json').toString()))));
    await insert(decodeRequest('logs', 'json', fixtureJson('logs.json')));
    await insert(decodeRequest('logs', 'proto', otlpJsonToProto('LogsRequest', JSON.parse(fixtureJson('events.json').toString()))));
  });

  it('otel_traces, and the trace-id lookup the materialized view fills', async () => {
    expect(await rows(`SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, ParentSpanId, SpanKind, ServiceName,
        SpanAttributes['my.span.attr'] AS attr, toString(Duration) AS Duration, StatusCode FROM otel_traces WHERE SpanName = 'I''m a server span'`)).toEqual([
      {
        ts: '1544712660000000000',
        TraceId: '5b8efff798038103d269b633813fc60c',
        ParentSpanId: 'eee19b7ec3c1b173',
        SpanKind: 'Server',
        ServiceName: 'my.service',
        attr: 'some value',
        Duration: '1000000000',
        StatusCode: 'Unset',
      },
    ]);
    expect(await rows(`SELECT TraceId FROM otel_traces_trace_id_ts`)).toEqual([{ TraceId: '5b8efff798038103d269b633813fc60c' }]);
  });

  it('otel_metrics_*: times in seconds, histogram arrays, monotonic sums', async () => {
    expect(await rows(`SELECT MetricName, toUnixTimestamp(StartTimeUnix) AS start, toUnixTimestamp(TimeUnix) AS time, Value, IsMonotonic
        FROM otel_metrics_sum`)).toEqual([{ MetricName: 'my.counter', start: 1544712660, time: 1544712660, Value: 5, IsMonotonic: true }]);
    expect(await rows(`SELECT toUnixTimestamp(StartTimeUnix) AS start, Value FROM otel_metrics_gauge`)).toEqual([{ start: 0, Value: 10 }]);
    expect(await rows(`SELECT toString(Count) AS Count, arrayMap(c -> toString(c), BucketCounts) AS BucketCounts, ExplicitBounds, Min, Max FROM otel_metrics_histogram`)).toEqual([
      { Count: '2', BucketCounts: ['1', '1'], ExplicitBounds: [1], Min: 0, Max: 2 },
    ]);
    expect(await rows(`SELECT PositiveOffset, arrayMap(c -> toString(c), PositiveBucketCounts) AS PositiveBucketCounts, ScopeAttributes FROM otel_metrics_exponential_histogram`)).toEqual([
      { PositiveOffset: 1, PositiveBucketCounts: ['0', '2'], ScopeAttributes: { 'my.scope.attribute': 'some scope attribute' } },
    ]);
  });

  it('otel_logs: bodies, attributes, event names', async () => {
    expect(await rows(`SELECT EventName, Body, LogAttributes['map.attribute'] AS m, SeverityNumber FROM otel_logs ORDER BY EventName`)).toEqual([
      { EventName: '', Body: 'Example log record', m: '{"some.map.key":"some value"}', SeverityNumber: 10 },
      {
        EventName: 'browser.page_view',
        Body: '{"referrer":"https://wwww.google.com","title":"Free Online GUID Generator","type":0,"url":"https://www.guidgenerator.com/online-guid-generator.aspx"}',
        m: '',
        SeverityNumber: 9,
      },
    ]);
  });
});

describe('every row of real SDK requests and the Jaeger fixtures inserts', () => {
  it('SDK traces, metrics, logs', async () => {
    const spans = decodeRequest('traces', 'proto', encodeSpans(sdkSpans(3, 10)).proto);
    const metrics = decodeRequest('metrics', 'proto', (await sdkMetricsRequest()).proto);
    const logs = decodeRequest('logs', 'proto', sdkLogsRequest().proto);
    for (const r of [spans, metrics, logs]) await insert(r);
    expect(await rows(`SELECT toString(count()) AS n FROM otel_traces WHERE ServiceName LIKE 'service-%'`)).toEqual([{ n: '30' }]);
    const points = await rows<{ n: string }>(`SELECT
        (SELECT count() FROM otel_metrics_sum WHERE ServiceName = 'metrics-svc') + (SELECT count() FROM otel_metrics_gauge WHERE ServiceName = 'metrics-svc')
        + (SELECT count() FROM otel_metrics_histogram WHERE ServiceName = 'metrics-svc')
        + (SELECT count() FROM otel_metrics_exponential_histogram WHERE ServiceName = 'metrics-svc') AS n`);
    expect(Number(points[0]!.n)).toBe(metrics.accepted);
    expect(await rows(`SELECT toString(count()) AS n FROM otel_logs WHERE ServiceName = 'logs-svc'`)).toEqual([{ n: '4' }]);
  });

  it('Jaeger storage-integration traces, spans before 2001 included', async () => {
    const dir = sharedPath('fixtures/jaeger-integration/traces');
    let expected = 0;
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const r = decodeRequest('traces', 'json', readFileSync(join(dir, f)));
      expected += r.accepted;
      await insert(r);
    }
    const [got] = await rows<{ n: string; minTs: string }>(`SELECT count() AS n, toString(toUnixTimestamp64Nano(min(Timestamp))) AS minTs
      FROM otel_traces WHERE toYear(Timestamp) = 2017`);
    expect(Number(got!.n)).toBe(expected);
    // multi_index_trace starts at 2017-01-25T23:56:31.639875Z
    expect(got!.minTs).toBe('1485388591639875000');
  });
});

describe('edge timestamps', () => {
  it('zero, pre-2001 and post-2262 times parse in DateTime64(9) fields and arrays', async () => {
    const spans = [
      { spanId: '0000000000000001', startTimeUnixNano: '0', endTimeUnixNano: '5', events: [{ timeUnixNano: '0' }] },
      { spanId: '0000000000000002', startTimeUnixNano: '999999999123456789', endTimeUnixNano: '18446744073709551615' },
      { spanId: '0000000000000003', startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '1' },
    ].map((s) => ({ traceId: 'e0e1e2e3e4e5e6e7e8e9eaebecedeeef', name: 'edge', ...s }));
    await insert(decodeRequest('traces', 'json', Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }))));
    expect(await rows(`SELECT SpanId, toString(toUnixTimestamp64Nano(Timestamp)) AS ts, toString(Duration) AS d,
        arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS ev
      FROM otel_traces WHERE TraceId = 'e0e1e2e3e4e5e6e7e8e9eaebecedeeef' ORDER BY SpanId`)).toEqual([
      { SpanId: '0000000000000001', ts: '0', d: '5', ev: ['0'] },
      { SpanId: '0000000000000002', ts: '999999999123456789', d: '17446744074586094826', ev: [] },
      // Beyond DateTime64(9)'s range: saturated rather than refused.
      { SpanId: '0000000000000003', ts: '9223372036854775807', d: '0', ev: [] },
    ]);
    const logs = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'no time at all' } }] }] }] };
    await insert(decodeRequest('logs', 'json', Buffer.from(JSON.stringify(logs))));
    expect(await rows(`SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts FROM otel_logs WHERE Body = 'no time at all'`)).toEqual([{ ts: '0' }]);
  });
});

describe('text survives the TSV round trip exactly', () => {
  const nasty = "tab\there nl\nhere cr\rhere bs\\here q'here dq\"here nul\0here bell\u0007 é 😀 \b\f {'x':'y'} [1,2]";

  it('span names, attribute keys and values, events, links, status messages', async () => {
    const request = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc ${nasty}` } }] },
        scopeSpans: [{
          scope: { name: nasty, version: nasty },
          spans: [{
            traceId: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff',
            spanId: 'f0f1f2f3f4f5f6f7',
            traceState: nasty,
            name: nasty,
            startTimeUnixNano: '1700000000000000000',
            endTimeUnixNano: '1700000000000000001',
            attributes: [{ key: nasty, value: { stringValue: nasty } }, { key: 'arr', value: { arrayValue: { values: [{ stringValue: nasty }] } } }],
            events: [{ timeUnixNano: '1', name: nasty, attributes: [{ key: nasty, value: { stringValue: nasty } }] }],
            links: [{ traceId: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', spanId: 'f0f1f2f3f4f5f6f7', traceState: nasty }],
            status: { code: 2, message: nasty },
          }],
        }],
      }],
    };
    await insert(decodeRequest('traces', 'proto', otlpJsonToProto('TracesRequest', request)));
    const [row] = await rows<Record<string, unknown>>(`SELECT SpanName, TraceState, ServiceName, ScopeName, ScopeVersion, StatusMessage,
        SpanAttributes, Events.Name AS evNames, Events.Attributes AS evAttrs, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS evTimes,
        Links.TraceState AS linkStates FROM otel_traces WHERE TraceId = 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'`);
    expect(row).toEqual({
      SpanName: nasty,
      TraceState: nasty,
      ServiceName: `svc ${nasty}`,
      ScopeName: nasty,
      ScopeVersion: nasty,
      StatusMessage: nasty,
      // (no <, >, & in `nasty`, so Go's json.Marshal and JSON.stringify agree)
      SpanAttributes: { [nasty]: nasty, arr: JSON.stringify([nasty]) },
      evNames: [nasty],
      evAttrs: [{ [nasty]: nasty }],
      evTimes: ['1'],
      linkStates: [nasty],
    });
  });

  it('log bodies', async () => {
    const request = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1700000000000000000', body: { stringValue: nasty }, eventName: nasty }] }] }] };
    await insert(decodeRequest('logs', 'json', Buffer.from(JSON.stringify(request))));
    expect(await rows(`SELECT Body, EventName FROM otel_logs WHERE Body LIKE 'tab%'`)).toEqual([{ Body: nasty, EventName: nasty }]);
  });
});
