import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecodeResult, Signal } from '../rows/table-batch.ts';
import { rowsOf } from '../rows/testing/tsv-read.ts';
import { decodeRequest } from './decode.ts';
import { decodeBoth, tableTexts } from './testing/decode-both.ts';
import { encodeSpans, sdkLogsRequest, sdkMetricsRequest, sdkSpans, type EncodedRequest } from './testing/sdk-requests.ts';
import { sharedPath } from '../../../test/helpers/shared-dir.ts';

/**
 * Requests made by the real OpenTelemetry JS SDK and its own OTLP
 * serializers: the protobuf and JSON bodies of the same data decode to the
 * same TSV. Then every span of the Jaeger storage-integration traces lands.
 */

function parity(signal: Signal, req: EncodedRequest): DecodeResult {
  const proto = decodeRequest(signal, 'proto', req.proto);
  const json = decodeRequest(signal, 'json', req.json);
  expect(tableTexts(proto)).toEqual(tableTexts(json));
  expect({ accepted: proto.accepted, rejected: proto.rejected }).toEqual({ accepted: json.accepted, rejected: json.rejected });
  return proto;
}

describe('OTel JS SDK requests: protobuf and JSON give identical rows', () => {
  it('traces: kinds, statuses, events, links, every attribute type, several services', () => {
    const spans = sdkSpans(4, 23);
    const result = parity('traces', encodeSpans(spans));
    expect(result).toMatchObject({ accepted: spans.length, rejected: 0 });
    const rows = rowsOf(result.batch, 'otel_traces');
    expect(new Set(rows.map((r) => r.ServiceName))).toEqual(new Set(['service-0', 'service-1', 'service-2', 'service-3']));
    expect(new Set(rows.map((r) => r.SpanKind))).toEqual(new Set(['Server', 'Client', 'Internal', 'Producer', 'Consumer']));
    expect(new Set(rows.map((r) => r.StatusCode))).toEqual(new Set(['Ok', 'Error', 'Unset']));
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    expect(new Set(rows.map((r) => r.SpanId))).toEqual(ids);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    for (const row of rows) {
      const span = byId.get(row.SpanId!)!;
      expect(row.TraceId).toBe(span.spanContext().traceId);
      expect(row.ParentSpanId).toBe(span.parentSpanContext?.spanId ?? '');
      expect(row.SpanName).toBe(span.name);
    }
  });

  it('metrics: sum, gauge, histogram and exponential histogram points', async () => {
    const result = parity('metrics', await sdkMetricsRequest());
    expect(result.rejected).toBe(0);
    const tables = [...result.batch.tables.keys()].sort();
    expect(tables).toEqual([
      'otel_metrics_exponential_histogram', 'otel_metrics_gauge', 'otel_metrics_histogram', 'otel_metrics_sum',
    ]);
    expect(result.accepted).toBe(result.batch.rowCount);
  });

  it('logs: string, map and array bodies, event names, span context', () => {
    const result = parity('logs', sdkLogsRequest());
    expect(result).toMatchObject({ accepted: 4, rejected: 0 });
    const rows = rowsOf(result.batch, 'otel_logs');
    expect(rows.map((r) => r.EventName)).toEqual(['', 'app.event', '', '']);
    expect(rows[1]!.TraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(rows[1]!.Body).toBe('{"a":["x",2],"nested":{"k":"v"},"z":1}');
  });
});

describe('Jaeger storage-integration traces', () => {
  const dir = sharedPath('fixtures/jaeger-integration/traces');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

  it('has the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(32);
  });

  it.each(files)('%s: every span lands, with the same rows from JSON and protobuf', (file) => {
    const request = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string }[] }[] }[];
    };
    const expected = request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    const result = decodeBoth('traces', request);
    expect(result).toMatchObject({ accepted: expected.length, rejected: 0 });
    const rows = rowsOf(result.batch, 'otel_traces');
    expect(rows.map((r) => `${r.TraceId}/${r.SpanId}`)).toEqual(
      expected.map((s) => `${s.traceId.toLowerCase()}/${s.spanId.toLowerCase()}`),
    );
  });
});
