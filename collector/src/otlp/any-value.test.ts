import { describe, expect, it } from 'vitest';
import { parseMap, rowsOf } from '../rows/testing/tsv-read.ts';
import { decodeRequest } from './decode.ts';
import { decodeBoth } from './testing/decode-both.ts';
import { lenField, varint } from './testing/proto-bytes.ts';

/**
 * Attribute values are stored as pdata `Value.AsString()` renders them (what
 * the contrib exporter writes); checked through both decoders.
 */

const kv = (key: string, value: unknown) => ({ key, value });

function spanAttributes(attributes: unknown[], limits?: { maxAnyValueDepth: number }) {
  const request = {
    resourceSpans: [{
      scopeSpans: [{
        spans: [{ traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 's', attributes }],
      }],
    }],
  };
  const result = decodeBoth('traces', request, limits);
  const [row] = rowsOf(result.batch, 'otel_traces');
  return { result, attrs: row ? parseMap(row.SpanAttributes!) : undefined };
}

function asString(value: unknown): string | undefined {
  return spanAttributes([kv('k', value)]).attrs?.['k'];
}

describe('scalars', () => {
  it.each([
    ['a string as is', { stringValue: 'héllo "q" \\ \t\n\'' }, 'héllo "q" \\ \t\n\''],
    ['bool', { boolValue: false }, 'false'],
    ['int', { intValue: 42 }, '42'],
    ['int64 min as a string', { intValue: '-9223372036854775808' }, '-9223372036854775808'],
    ['int64 max', { intValue: '9223372036854775807' }, '9223372036854775807'],
    ['double', { doubleValue: 0.1 }, '0.1'],
    ['whole double', { doubleValue: 2 }, '2'],
    ['double ≥ 1e21 in exponent form', { doubleValue: 1e21 }, '1e+21'],
    ['double < 1e-6 in exponent form', { doubleValue: 1e-7 }, '1e-7'],
    // (as a string: JSON.stringify, used to build the request, drops the sign)
    ['negative zero as Go prints it', { doubleValue: '-0' }, '-0'],
    ['NaN as Go json fails', { doubleValue: 'NaN' }, 'json: unsupported value: NaN'],
    ['+Inf', { doubleValue: 'Infinity' }, 'json: unsupported value: +Inf'],
    ['-Inf', { doubleValue: '-Infinity' }, 'json: unsupported value: -Inf'],
    ['bytes as standard base64', { bytesValue: 'AQID/w==' }, 'AQID/w=='],
    ['URL-safe base64 normalized', { bytesValue: 'AQID_w' }, 'AQID/w=='],
    ['an empty value', {}, ''],
  ])('%s', (_, value, expected) => {
    expect(asString(value)).toBe(expected);
  });
});

describe('arrays and kvlists as json.Marshal of the raw value', () => {
  it('mixes every element type; nested bytes are base64 strings, empty elements null', () => {
    const value = {
      arrayValue: {
        values: [
          { stringValue: 's' },
          { intValue: '9223372036854775807' },
          { doubleValue: 2.5 },
          { boolValue: true },
          { bytesValue: 'AQI=' },
          { kvlistValue: { values: [kv('k', { stringValue: 'v' })] } },
          {},
          { arrayValue: {} },
        ],
      },
    };
    expect(asString(value)).toBe('["s",9223372036854775807,2.5,true,"AQI=",{"k":"v"},null,[]]');
  });

  it('sorts kvlist keys bytewise at every level', () => {
    const value = {
      kvlistValue: {
        values: [
          kv('z', { intValue: '1' }),
          kv('a', { kvlistValue: { values: [kv('y', { arrayValue: { values: [{ boolValue: true }] } }), kv('b', {})] } }),
          kv('m', { stringValue: 's' }),
        ],
      },
    };
    expect(asString(value)).toBe('{"a":{"b":null,"y":[true]},"m":"s","z":1}');
  });

  it('orders non-ASCII keys by UTF-8 bytes, not UTF-16 units', () => {
    const keys = ['😀', '\uffff', 'é', 'z'];
    const value = { kvlistValue: { values: keys.map((k) => kv(k, { intValue: 1 })) } };
    expect(asString(value)).toBe('{"z":1,"é":1,"\uffff":1,"😀":1}');
  });

  it('keeps the last of duplicate kvlist keys', () => {
    const value = { kvlistValue: { values: [kv('a', { intValue: 1 }), kv('b', { intValue: 2 }), kv('a', { intValue: 3 })] } };
    expect(asString(value)).toBe('{"a":3,"b":2}');
  });

  it("escapes strings as Go's encoder does (HTML-safe, \\u00XX controls, \\u2028)", () => {
    const value = { arrayValue: { values: [{ stringValue: '<a&b>"\\\n\t\b\f\u0001\u001f\u2028\u2029é' }] } };
    expect(asString(value)).toBe('["\\u003ca\\u0026b\\u003e\\"\\\\\\n\\t\\b\\f\\u0001\\u001f\\u2028\\u2029é"]');
  });

  it('is empty when a nested double is NaN or infinite (json.Marshal fails)', () => {
    expect(asString({ arrayValue: { values: [{ doubleValue: 1 }, { doubleValue: 'NaN' }] } })).toBe('');
    expect(asString({ kvlistValue: { values: [kv('x', { arrayValue: { values: [{ doubleValue: 'Infinity' }] } })] } })).toBe('');
  });

  it('formats nested doubles like top-level ones', () => {
    const value = { arrayValue: { values: [1e21, 1e-7, 0.1, 100, -1.5e-10].map((d) => ({ doubleValue: d })) } };
    expect(asString(value)).toBe('[1e+21,1e-7,0.1,100,-1.5e-10]');
  });
});

describe('attribute maps', () => {
  it('keep order and duplicate keys as sent, and quote keys and values', () => {
    const { result } = spanAttributes([kv("it's", { stringValue: 'a\\b' }), kv('dup', { intValue: 1 }), kv('dup', { intValue: 2 })]);
    const [row] = rowsOf(result.batch, 'otel_traces');
    expect(row!.SpanAttributes).toBe("{'it\\'s':'a\\\\b','dup':'1','dup':'2'}");
  });
});

describe('nesting depth', () => {
  function nested(depth: number): unknown {
    let v: unknown = { stringValue: 'leaf' };
    for (let i = 1; i < depth; i++) v = { arrayValue: { values: [v] } };
    return v;
  }

  it('accepts values exactly as deep as the limit', () => {
    const { result, attrs } = spanAttributes([kv('k', nested(3))], { maxAnyValueDepth: 3 });
    expect(result.accepted).toBe(1);
    expect(attrs).toEqual({ k: '[["leaf"]]' });
  });

  it('rejects the item when a value is deeper than the limit', () => {
    const { result } = spanAttributes([kv('k', nested(4))], { maxAnyValueDepth: 3 });
    expect(result).toMatchObject({ accepted: 0, rejected: 1 });
    expect(result.errorMessage).toContain('AnyValue nesting deeper than 3 levels');
    expect(result.errorMessage).toContain('spans[0]');
  });

  it('defaults to 32 levels', () => {
    expect(spanAttributes([kv('k', nested(32))]).result.accepted).toBe(1);
    expect(spanAttributes([kv('k', nested(33))]).result.rejected).toBe(1);
  });

  it('rejects, without recursing into, values nested far deeper than any stack', () => {
    const depth = 100_000;
    const json =
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",' +
      '"spanId":"0102030405060708","attributes":[{"key":"k","value":' +
      '{"arrayValue":{"values":['.repeat(depth - 1) + '{"intValue":1}' + ']}}'.repeat(depth - 1) + '}]}]}]}]}';
    expect(decodeRequest('traces', 'json', Buffer.from(json))).toMatchObject({ accepted: 0, rejected: 1 });

    // AnyValue{5: ArrayValue{1: AnyValue{...}}}: only length prefixes precede
    // the innermost value, so compute sizes inside out and write them outside in.
    const inner = Buffer.from([0x18, 0x01]); // int_value: 1
    const prefixes: Buffer[] = [];
    let size = inner.length;
    for (let i = 1; i < depth; i++) {
      const arrayValue = Buffer.concat([Buffer.from([0x0a]), varint(size)]);
      const anyValue = Buffer.concat([Buffer.from([0x2a]), varint(arrayValue.length + size)]);
      size += arrayValue.length + anyValue.length;
      prefixes.push(Buffer.concat([anyValue, arrayValue]));
    }
    const value = Buffer.concat([...prefixes.reverse(), inner]);
    const span = Buffer.concat([
      lenField(1, Buffer.alloc(16, 1)),
      lenField(2, Buffer.alloc(8, 1)),
      lenField(9, Buffer.concat([lenField(1, Buffer.from('k')), lenField(2, value)])),
    ]);
    const proto = lenField(1, lenField(2, lenField(2, span)));
    expect(decodeRequest('traces', 'proto', proto)).toMatchObject({ accepted: 0, rejected: 1 });
  });
});

describe('intValue beyond int64 in JSON', () => {
  // The OTel JS SDK's JSON serializer sends integral doubles ≥ 2^63 as intValue.
  function request(intValue: unknown): Uint8Array {
    const span = (id: string, attributes: unknown[]) => ({
      traceId: '0102030405060708090a0b0c0d0e0f10',
      spanId: id,
      name: 'op',
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000000001000',
      attributes,
    });
    const body = {
      resourceSpans: [{ scopeSpans: [{ spans: [span('0102030405060708', [kv('big', { intValue })]), span('0102030405060709', [kv('ok', { intValue: 7 })])] }] }],
    };
    return Buffer.from(JSON.stringify(body));
  }

  it.each([['99999999999999999999'], [1e20], ['-9223372036854775809']])('rejects only the span that carries %s, naming why', (value) => {
    const result = decodeRequest('traces', 'json', request(value));
    expect(result).toMatchObject({ accepted: 1, rejected: 1 });
    expect(result.errorMessage).toContain('outside the int64 range');
    expect(rowsOf(result.batch, 'otel_traces').map((r) => r.SpanId)).toEqual(['0102030405060709']);
  });

  it('still stores the int64 extremes', () => {
    const result = decodeRequest('traces', 'json', request('-9223372036854775808'));
    expect(result).toMatchObject({ accepted: 2, rejected: 0 });
  });
});
