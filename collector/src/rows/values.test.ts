import { describe, expect, it } from 'vitest';
import { dateTime64Element, dateTime64Text, dateTimeElement, dateTimeText, durationText, float64Text, spanKindName, statusCodeName } from './values.ts';

describe('timestamps in the text forms ClickHouse parses', () => {
  it('DateTime64(9) fields: 19-digit ticks, padded seconds.nanos before 2001, saturated after 2262', () => {
    expect(dateTime64Text('1700000000123456789')).toBe('1700000000123456789');
    expect(dateTime64Text('0')).toBe('0000000000.000000000');
    expect(dateTime64Text('999')).toBe('0000000000.000000999');
    expect(dateTime64Text('485449191639875000')).toBe('0485449191.639875000');
    expect(dateTime64Text('9300000000000000000')).toBe('9223372036854775807');
    expect(dateTime64Text('18446744073709551615')).toBe('9223372036854775807');
  });

  it('Array(DateTime64(9)) elements are plain ticks', () => {
    expect(dateTime64Element('5')).toBe('5');
    expect(dateTime64Element('1700000000123456789')).toBe('1700000000123456789');
    expect(dateTime64Element('18446744073709551615')).toBe('9223372036854775807');
  });

  it('DateTime fields and elements are whole seconds', () => {
    expect(dateTimeText('1700000000999999999')).toBe('1700000000');
    expect(dateTimeText('0')).toBe('0000000000');
    expect(dateTimeText('123456789000000000')).toBe('0123456789');
    expect(dateTimeText('9999999999000000000')).toBe('4294967295');
    expect(dateTimeElement('999999999')).toBe('0');
    expect(dateTimeElement('1700000000999999999')).toBe('1700000000');
  });

  it('durations clamp at zero', () => {
    expect(durationText('1700000000000000000', '1700000000000001000')).toBe('1000');
    expect(durationText('5', '3')).toBe('0');
    expect(durationText('0', '18446744073709551615')).toBe('18446744073709551615');
  });
});

describe('scalars', () => {
  it('floats', () => {
    expect([NaN, Infinity, -Infinity, 0.1, 1e21, 5].map(float64Text)).toEqual(['nan', 'inf', '-inf', '0.1', '1e+21', '5']);
  });

  it('enum names as pdata prints them, unknown values empty', () => {
    expect([0, 1, 2, 3, 4, 5, 6, -1].map(spanKindName)).toEqual(['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer', '', '']);
    expect([0, 1, 2, 3].map(statusCodeName)).toEqual(['Unset', 'Ok', 'Error', '']);
  });
});
