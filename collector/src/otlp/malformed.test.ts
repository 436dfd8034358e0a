import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, type DecodeResult, type Signal } from '../rows/table-batch.ts';
import { parseMap, rowsOf } from '../rows/testing/tsv-read.ts';
import { decodeRequest } from './decode.ts';
import { decodeBoth } from './testing/decode-both.ts';
import { otlpJsonToProto } from './testing/otlp-json-to-proto.ts';
import {
  fixed64Field,
  lenField,
  tag,
  traceRequestWithSpan,
  validSpanFields,
  varint,
  varintField,
} from './testing/proto-bytes.ts';
import { encodeSpans, sdkLogsRequest, sdkMetricsRequest, sdkSpans } from './testing/sdk-requests.ts';

/**
 * Broken input: envelopes that are not valid OTLP throw OtlpDecodeError (and
 * nothing else) naming where; individually invalid items are rejected and
 * counted while the rest of the request is kept.
 */

/** Decodes, and fails the test on any exception other than OtlpDecodeError. */
function decodeOrDecodeError(signal: Signal, encoding: 'proto' | 'json', body: Uint8Array): DecodeResult | OtlpDecodeError {
  try {
    return decodeRequest(signal, encoding, body);
  } catch (err) {
    if (err instanceof OtlpDecodeError) return err;
    throw err;
  }
}

function decodeError(signal: Signal, body: Uint8Array, encoding: 'proto' | 'json' = 'proto'): string {
  const r = decodeOrDecodeError(signal, encoding, body);
  if (!(r instanceof OtlpDecodeError)) throw new Error(`decoded without error: ${JSON.stringify(r)}`);
  return r.message;
}

describe('truncation and corruption never crash the decoder', () => {
  const cases: [Signal, () => Promise<Uint8Array> | Uint8Array][] = [
    ['traces', () => encodeSpans(sdkSpans(2, 6)).proto],
    ['metrics', async () => (await sdkMetricsRequest()).proto],
    ['logs', () => sdkLogsRequest().proto],
  ];

  it.each(cases)('%s: a valid request cut at every offset decodes or throws OtlpDecodeError', async (signal, make) => {
    const full = await make();
    let errors = 0;
    for (let n = 0; n < full.length; n++) {
      const r = decodeOrDecodeError(signal, 'proto', full.subarray(0, n));
      if (r instanceof OtlpDecodeError) errors++;
    }
    // Cutting at a top-level message boundary leaves a valid, shorter request;
    // anywhere else it is an error.
    expect(errors).toBeGreaterThan(full.length / 2);
  });

  it.each(cases)('%s: random byte corruption decodes or throws OtlpDecodeError', async (signal, make) => {
    const full = Buffer.from(await make());
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(full.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const b = Buffer.from(full);
        for (const [at, v] of edits) b[at] = v;
        decodeOrDecodeError(signal, 'proto', b);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes decode or throw OtlpDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom<Signal>('traces', 'metrics', 'logs'), (bytes, signal) => {
        decodeOrDecodeError(signal, 'proto', bytes);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('malformed protobuf envelopes', () => {
  it('names the path, field and problem when a length runs past its parent', () => {
    const spans = [validSpanFields(), validSpanFields(), validSpanFields(), validSpanFields()];
    // spans[3] claims 812 bytes of attributes but only 2 follow.
    spans[3] = Buffer.concat([validSpanFields(), tag(9, 2), varint(812), Buffer.from([1, 2])]);
    const scope0 = lenField(2, lenField(2, validSpanFields()));
    const scope1 = lenField(2, Buffer.concat(spans.map((s) => lenField(2, s))));
    const request = lenField(1, Buffer.concat([scope0, scope1]));
    expect(decodeError('traces', request)).toBe(
      'resource_spans[0].scope_spans[1].spans[3]: field 9 (attributes): length 812 exceeds remaining 2 bytes',
    );
  });

  it('rejects groups (wire types 3 and 4)', () => {
    const body = traceRequestWithSpan(Buffer.concat([validSpanFields(), tag(20, 3), tag(20, 4)]));
    expect(decodeError('traces', body)).toMatch(/^resource_spans\[0\]\.scope_spans\[0\]\.spans\[0\]: field 20: groups/);
  });

  it('rejects wire types 6 and 7', () => {
    expect(decodeError('traces', Buffer.concat([tag(1, 6)]))).toBe('request: field 1 (resource_spans): invalid wire type 6');
  });

  it('rejects a known field with the wrong wire type', () => {
    const body = traceRequestWithSpan(Buffer.concat([validSpanFields(), varintField(7, 5)]));
    expect(decodeError('traces', body)).toBe(
      'resource_spans[0].scope_spans[0].spans[0]: field 7 (start_time_unix_nano): wire type VARINT, expected I64',
    );
    expect(decodeError('traces', Buffer.concat([varintField(1, 3)]))).toBe(
      'request: field 1 (resource_spans): wire type VARINT, expected LEN',
    );
  });

  it('rejects a truncated varint and a truncated fixed64', () => {
    expect(decodeError('traces', traceRequestWithSpan(Buffer.concat([validSpanFields(), tag(6, 0), Buffer.from([0x80, 0x80])]))))
      .toBe('resource_spans[0].scope_spans[0].spans[0]: field 6 (kind): truncated varint');
    expect(decodeError('traces', traceRequestWithSpan(Buffer.concat([validSpanFields(), tag(7, 1), Buffer.alloc(5)]))))
      .toBe('resource_spans[0].scope_spans[0].spans[0]: field 7 (start_time_unix_nano): truncated fixed64: 5 bytes remain');
  });

  it('rejects field number 0 and over-long varints', () => {
    expect(decodeError('traces', Buffer.from([0x00, 0x00]))).toMatch(/^request: invalid field number 0/);
    expect(decodeError('traces', Buffer.concat([tag(50, 0), Buffer.alloc(10, 0xff), Buffer.from([1])]))).toBe(
      'request: field 50: varint longer than 10 bytes',
    );
  });

  it('rejects tags longer than 32 bits instead of aliasing them to a known field', () => {
    // Found by test/fuzz-receivers.test.ts: the low 32 bits of tag 2^32 + 10 are field 1 (resource_spans), LEN,
    // so the bytes of an invalid field number were decoded as spans.
    const resourceSpans = lenField(2, lenField(2, validSpanFields()));
    const body = Buffer.concat([varint(2 ** 32 + 10), varint(resourceSpans.length), resourceSpans]);
    expect(decodeError('traces', body)).toBe('request: tag at offset 0 is longer than 32 bits');
    // The largest field number, 2^29 - 1, still fits: an unknown field, skipped.
    const maxField = Buffer.concat([tag(2 ** 29 - 1, 0), varint(1)]);
    expect(decodeRequest('traces', 'proto', Buffer.concat([maxField, traceRequestWithSpan(validSpanFields())]))).toMatchObject({ accepted: 1 });
  });

  it('rejects misaligned packed fixed64 and double fields', () => {
    const point = (field: Buffer) =>
      lenField(1, lenField(2, lenField(2, Buffer.concat([lenField(1, Buffer.from('h')), lenField(9, lenField(1, field))]))));
    expect(decodeError('metrics', point(lenField(6, Buffer.alloc(12))))).toBe(
      'resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0]: field 6 (bucket_counts): packed fixed64 length 12 is not a multiple of 8',
    );
    expect(decodeError('metrics', point(lenField(7, Buffer.alloc(9))))).toMatch(/field 7 \(explicit_bounds\): packed double length 9/);
  });

  it('rejects a truncated varint inside a packed varint field', () => {
    const buckets = lenField(8, lenField(2, Buffer.from([0x01, 0x80])));
    const body = lenField(1, lenField(2, lenField(2, Buffer.concat([lenField(10, lenField(1, buckets))]))));
    expect(decodeError('metrics', body)).toBe(
      'resource_metrics[0].scope_metrics[0].metrics[0].exponential_histogram.data_points[0].positive: field 2 (bucket_counts): truncated varint',
    );
  });

  it('reports errors inside attribute values with their path', () => {
    const badValue = lenField(2, Buffer.concat([tag(4, 0), varint(1)])); // double_value as a varint
    const attr = lenField(9, Buffer.concat([lenField(1, Buffer.from('k')), badValue]));
    expect(decodeError('traces', traceRequestWithSpan(Buffer.concat([validSpanFields(), attr])))).toBe(
      'resource_spans[0].scope_spans[0].spans[0].attributes[0].value: field 4 (double_value): wire type VARINT, expected I64',
    );
  });

  it('skips unknown fields of every wire type', () => {
    const unknown = Buffer.concat([varintField(99, 300), fixed64Field(98, 1n), lenField(97, Buffer.from('x')), tag(96, 5), Buffer.alloc(4)]);
    const body = lenField(1, Buffer.concat([unknown, lenField(2, Buffer.concat([unknown, lenField(2, Buffer.concat([validSpanFields(), unknown]))]))]));
    expect(decodeRequest('traces', 'proto', body)).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it('metric data oneof: the last member wins, but replaced members must parse too', () => {
    const point = (x: number) => lenField(1, Buffer.concat([tag(4, 1), Buffer.from(new Float64Array([x]).buffer)]));
    const gauge = (...points: Buffer[]) => lenField(5, Buffer.concat(points));
    const sum = (...points: Buffer[]) => lenField(7, Buffer.concat(points));
    const metrics = (...fields: Buffer[]) => lenField(1, lenField(2, lenField(2, Buffer.concat([lenField(1, Buffer.from('m')), ...fields]))));
    // A repeated member replaces, it does not merge (as the collector's generated code does).
    expect(decodeRequest('metrics', 'proto', metrics(gauge(point(1), point(2)), sum(point(3))))).toMatchObject({ accepted: 1, rejected: 0 });
    expect(decodeRequest('metrics', 'proto', metrics(gauge(point(1), point(2)), gauge(point(3))))).toMatchObject({ accepted: 1, rejected: 0 });
    // Found by test/fuzz-receivers.test.ts: a field renumbered to 7 (sum) ahead of the real data was never read, so
    // bytes that are not a Sum were accepted.
    const garbage = lenField(7, Buffer.from([0x0a, 0x05, 0x01]));
    expect(decodeError('metrics', metrics(garbage, gauge(point(1))))).toBe(
      'resource_metrics[0].scope_metrics[0].metrics[0].sum: field 1 (data_points): length 5 exceeds remaining 1 bytes',
    );
    const json = (m: object) => Buffer.from(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', ...m }] }] }] }));
    expect(decodeRequest('metrics', 'json', json({ gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] }, sum: { dataPoints: [{ asDouble: 3 }] } })))
      .toMatchObject({ accepted: 1, rejected: 0 });
    expect(decodeError('metrics', json({ gauge: { dataPoints: [{ asDouble: 'x' }] }, sum: { dataPoints: [{ asDouble: 3 }] } }), 'json'))
      .toBe('resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: expected number, got "x"');
  });

  it('decodes invalid UTF-8 with replacement characters', () => {
    const body = traceRequestWithSpan(Buffer.concat([lenField(1, Buffer.alloc(16, 1)), lenField(2, Buffer.alloc(8, 1)), lenField(5, Buffer.from([0x61, 0xff, 0x62]))]));
    const [row] = rowsOf(decodeRequest('traces', 'proto', body).batch, 'otel_traces');
    expect(row!.SpanName).toBe('a\ufffdb');
    // Attribute values are copied from the request as bytes only when ASCII; others decode the same way.
    const attribute = (key: Buffer, value: Buffer) => lenField(9, Buffer.concat([lenField(1, key), lenField(2, lenField(1, value))]));
    const withAttrs = traceRequestWithSpan(Buffer.concat([
      lenField(1, Buffer.alloc(16, 1)), lenField(2, Buffer.alloc(8, 1)), lenField(5, Buffer.from('s')),
      attribute(Buffer.from('bad'), Buffer.from([0x61, 0xff, 0x62])), attribute(Buffer.from([0x6b, 0xc3]), Buffer.from('é ok', 'utf8')),
    ]));
    const [attrRow] = rowsOf(decodeRequest('traces', 'proto', withAttrs).batch, 'otel_traces');
    expect(parseMap(attrRow!.SpanAttributes!)).toEqual({ bad: 'a\ufffdb', 'k\ufffd': 'é ok' });
  });
});

describe('invalid items are rejected and counted, the rest kept', () => {
  const span = (traceId: string, spanId: string, extra: object = {}) => ({ traceId, spanId, name: 'x', ...extra });
  const T = '0102030405060708090a0b0c0d0e0f10';
  const S = '0102030405060708';

  it('spans with missing, short, long or all-zero ids', () => {
    const spans = [
      span(T, S),
      span('', S),
      span(T.slice(0, 30), S),
      span(T + '11', S),
      span('0'.repeat(32), S),
      span(T, ''),
      span(T, '00000000000000'),
      span(T, '0'.repeat(16)),
      span(T, S, { parentSpanId: '01020304' }),
      span(T, S, { parentSpanId: '0'.repeat(16) }),
      span(T, S, { links: [{ traceId: 'abcd', spanId: S }] }),
    ];
    const result = decodeBoth('traces', { resourceSpans: [{ scopeSpans: [{ spans }] }] });
    expect(result).toMatchObject({ accepted: 2, rejected: 9 });
    expect(rowsOf(result.batch, 'otel_traces').map((r) => r.ParentSpanId)).toEqual(['', '']);
    expect(result.errorMessage).toBe(
      'rejected 9 spans: trace_id must be 16 bytes, got 0 (1, first at resourceSpans[0].scopeSpans[0].spans[1]); ' +
        'trace_id must be 16 bytes, got 15 (1, first at resourceSpans[0].scopeSpans[0].spans[2]); ' +
        'trace_id must be 16 bytes, got 17 (1, first at resourceSpans[0].scopeSpans[0].spans[3]); ' +
        'trace_id is all zeros (1, first at resourceSpans[0].scopeSpans[0].spans[4]); ' +
        'span_id must be 8 bytes, got 0 (1, first at resourceSpans[0].scopeSpans[0].spans[5]); and 4 more reasons',
    );
  });

  it('reports the protobuf path in the message for protobuf requests', () => {
    const body = otlpJsonToProto('TracesRequest', { resourceSpans: [{ scopeSpans: [{ spans: [span(T, S), span(T, '0102')] }] }] });
    const result = decodeRequest('traces', 'proto', body);
    expect(result).toMatchObject({ accepted: 1, rejected: 1 });
    expect(result.errorMessage).toBe('rejected 1 spans: span_id must be 8 bytes, got 2 (1, first at resource_spans[0].scope_spans[0].spans[1])');
  });

  it('JSON ids that are not hex', () => {
    const result = decodeRequest('traces', 'json', Buffer.from(JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [span(T, S), span('zz'.repeat(16), S), span(T, '0102030405060708a')] }] }],
    })));
    expect(result).toMatchObject({ accepted: 1, rejected: 2 });
    expect(result.errorMessage).toContain('trace_id is not valid hex (1');
    expect(result.errorMessage).toContain('span_id is not valid hex (1');
  });

  it('log records with ids of the wrong length; absent or all-zero ids are fine', () => {
    const logs = [
      { traceId: T, spanId: S },
      {},
      { traceId: '0'.repeat(32), spanId: '0'.repeat(16) },
      { traceId: 'abcdef' },
      { spanId: '0102' },
    ];
    const result = decodeBoth('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: logs }] }] });
    expect(result).toMatchObject({ accepted: 3, rejected: 2 });
    expect(rowsOf(result.batch, 'otel_logs').map((r) => [r.TraceId, r.SpanId])).toEqual([[T, S], ['', ''], ['', '']]);
    expect(result.errorMessage).toMatch(/^rejected 2 log records: trace_id must be 16 bytes, got 3 .*span_id must be 8 bytes, got 2/);
  });

  it('metrics without data, and points with bad exemplar ids', () => {
    const result = decodeBoth('metrics', {
      resourceMetrics: [{
        scopeMetrics: [{
          metrics: [
            { name: 'no data' },
            { name: 'g', gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2, exemplars: [{ spanId: '0102' }] }] } },
            { name: 'empty gauge', gauge: {} },
          ],
        }],
      }],
    });
    expect(result).toMatchObject({ accepted: 1, rejected: 2 });
    expect(result.errorMessage).toContain('metric has no data (1, first at resourceMetrics[0].scopeMetrics[0].metrics[0])');
    expect(result.errorMessage).toContain('exemplar span_id must be 8 bytes, got 2');
  });

  it('a rejected span leaves none of its attributes behind, whatever rejects it', () => {
    let deep: unknown = { intValue: 1 };
    for (let i = 0; i < 40; i++) deep = { arrayValue: { values: [deep] } };
    const attrs = (tag: string, extra: object[] = []) => ({ attributes: [{ key: 'who', value: { stringValue: tag } }, { key: `only.${tag}`, value: { intValue: '7' } }, ...extra] });
    const result = decodeBoth('traces', {
      resourceSpans: [
        { resource: { attributes: [{ key: 'deep', value: deep }] }, scopeSpans: [{ spans: [span(T, S, attrs('under-bad-resource'))] }] },
        {
          scopeSpans: [{
            spans: [
              span(T, S, attrs('first')),
              // ids are checked after every field: its attributes are read first
              span(T, '0102', attrs('bad-id')),
              span(T, S, attrs('too-deep', [{ key: 'deep', value: deep }])),
              span(T, S, attrs('last')),
            ],
          }],
        },
      ],
    });
    expect(result).toMatchObject({ accepted: 2, rejected: 3 });
    expect(rowsOf(result.batch, 'otel_traces').map((r) => parseMap(r.SpanAttributes!))).toEqual([
      { who: 'first', 'only.first': '7' },
      { who: 'last', 'only.last': '7' },
    ]);
  });

  it('a rejected log record leaves none of its attributes nor its body behind, whatever rejects it', () => {
    let deep: unknown = { intValue: 1 };
    for (let i = 0; i < 40; i++) deep = { arrayValue: { values: [deep] } };
    const log = (tag: string, extra: object = {}, extraAttrs: object[] = []) => ({
      body: { stringValue: `body of ${tag}` },
      attributes: [{ key: 'who', value: { stringValue: tag } }, { key: `only.${tag}`, value: { intValue: '7' } }, ...extraAttrs],
      ...extra,
    });
    const result = decodeBoth('logs', {
      resourceLogs: [
        { resource: { attributes: [{ key: 'deep', value: deep }] }, scopeLogs: [{ logRecords: [log('under-bad-resource')] }] },
        {
          scopeLogs: [{
            logRecords: [
              log('first'),
              // ids are checked after every field: its attributes and body are read first
              log('bad-id', { spanId: '0102' }),
              log('too-deep-attribute', {}, [{ key: 'deep', value: deep }]),
              log('too-deep-body', { body: { kvlistValue: { values: [{ key: 'deep', value: deep }] } } }),
              log('last'),
            ],
          }],
        },
      ],
    });
    expect(result).toMatchObject({ accepted: 2, rejected: 4 });
    expect(rowsOf(result.batch, 'otel_logs').map((r) => [r.Body, parseMap(r.LogAttributes!)])).toEqual([
      ['body of first', { who: 'first', 'only.first': '7' }],
      ['body of last', { who: 'last', 'only.last': '7' }],
    ]);
  });

  it('a too-deep resource attribute rejects every item under the resource', () => {
    let v: unknown = { intValue: 1 };
    for (let i = 0; i < 40; i++) v = { arrayValue: { values: [v] } };
    const result = decodeBoth('traces', {
      resourceSpans: [
        { resource: { attributes: [{ key: 'deep', value: v }] }, scopeSpans: [{ spans: [span(T, S), span(T, S)] }] },
        { scopeSpans: [{ spans: [span(T, S)] }] },
      ],
    });
    expect(result).toMatchObject({ accepted: 1, rejected: 2 });
    expect(result.errorMessage).toMatch(/^rejected 2 spans: resource: AnyValue nesting deeper than 32 levels/);
  });
});

describe('malformed JSON requests', () => {
  const json = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

  it('syntax errors', () => {
    expect(decodeError('traces', json('{"resourceSpans": ['), 'json')).toMatch(/^invalid JSON: /);
  });

  it('structural fields of the wrong type name their path', () => {
    expect(decodeError('traces', json([]), 'json')).toBe('request: expected object, got array');
    expect(decodeError('traces', json({ resourceSpans: {} }), 'json')).toBe('resourceSpans: expected array, got object');
    expect(decodeError('traces', json({ resourceSpans: [{ scopeSpans: [{ spans: [7] }] }] }), 'json')).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0]: expected object, got number',
    );
    expect(decodeError('traces', json({ resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: 'x' }] }] }] }), 'json')).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].attributes: expected array, got string',
    );
    expect(decodeError('metrics', json({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ sum: [] }] }] }] }), 'json')).toBe(
      'resourceMetrics[0].scopeMetrics[0].metrics[0].sum: expected object, got array',
    );
    expect(decodeError('logs', json({ resourceLogs: [{ resource: { attributes: [{ key: 'k', value: { intValue: 'x' } }] } }] }), 'json')).toBe(
      'resourceLogs[0].resource.attributes[0].value.intValue: expected int64, got "x"',
    );
  });

  it('scalar fields of the wrong type', () => {
    const spanWith = (extra: object) => json({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: T, spanId: S, ...extra }] }] }] });
    expect(decodeError('traces', spanWith({ startTimeUnixNano: '-1' }), 'json')).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected uint64, got "-1"',
    );
    expect(decodeError('traces', spanWith({ startTimeUnixNano: '18446744073709551616' }), 'json')).toMatch(/expected uint64/);
    expect(decodeError('traces', spanWith({ name: 5 }), 'json')).toBe('resourceSpans[0].scopeSpans[0].spans[0].name: expected string, got number');
    expect(decodeError('traces', spanWith({ kind: 'SERVER' }), 'json')).toBe('resourceSpans[0].scopeSpans[0].spans[0].kind: unknown enum value "SERVER"');
  });

  it('quotes a bad value cut short, so a huge one does not come back whole', () => {
    // Found by test/fuzz-receivers.test.ts: a 70,000-character timestamp came back in a 70 KB 400 body.
    const spanWith = (extra: object) => json({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: T, spanId: S, ...extra }] }] }] });
    const huge = 'x'.repeat(5_000_000);
    expect(decodeError('traces', spanWith({ startTimeUnixNano: huge }), 'json')).toBe(
      `resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected uint64, got "${'x'.repeat(63)}… (5000002 characters)`,
    );
    expect(decodeError('traces', spanWith({ kind: huge }), 'json').length).toBeLessThan(200);
    expect(decodeError('traces', spanWith({ attributes: [{ key: 'k', value: { doubleValue: [huge] } }] }), 'json').length).toBeLessThan(200);
  });

  it('names a deeply nested array where a scalar belongs instead of overflowing the stack quoting it', () => {
    // Found by test/hostile-input.test.ts: 100,000 levels of [] as a timestamp made the error message
    // itself throw a RangeError, which the receivers answered with 500.
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    for (const [key, problem] of [['startTimeUnixNano', 'expected uint64'], ['kind', 'expected int32'], ['flags', 'expected uint32']]) {
      const body = Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"${key}":${deep}}]}]}]}`);
      expect(decodeError('traces', body, 'json')).toBe(`resourceSpans[0].scopeSpans[0].spans[0].${key}: ${problem}, got an array`);
    }
    const withFlags = json({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: T, spanId: S, flags: { a: 1 } }] }] }] });
    expect(decodeError('traces', withFlags, 'json')).toMatch(/flags: expected uint32, got an object$/);
  });

  it('accepts snake_case keys, enum names, numbers for int64 and ignores unknown fields', () => {
    const body = json({
      resource_spans: [{
        scope_spans: [{
          spans: [{ trace_id: T.toUpperCase(), span_id: S, kind: 'SPAN_KIND_CLIENT', start_time_unix_nano: 1000000000, end_time_unix_nano: '2000000000', future: { x: 1 } }],
        }],
        unknown: true,
      }],
    });
    const result = decodeRequest('traces', 'json', body);
    expect(result).toMatchObject({ accepted: 1, rejected: 0 });
    expect(rowsOf(result.batch, 'otel_traces')[0]).toMatchObject({ TraceId: T, SpanKind: 'Client', Duration: '1000000000' });
  });

  it('an empty request is valid and empty', () => {
    expect(decodeRequest('traces', 'json', json({}))).toMatchObject({ accepted: 0, rejected: 0, errorMessage: '' });
    expect(decodeRequest('logs', 'proto', new Uint8Array())).toMatchObject({ accepted: 0, rejected: 0 });
  });
});

const T = '0102030405060708090a0b0c0d0e0f10';
const S = '0102030405060708';
