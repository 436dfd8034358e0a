import { describe, expect, it } from 'vitest';
import { encodeRecord, HEADER_BYTES, parseRecord } from './record-codec.ts';

describe('spool record codec', () => {
  const a = encodeRecord('otel_traces', 'TabSeparated', 2, 1700000000000, Buffer.from('a\tb\nc\td\n'));
  const b = encodeRecord('otel_metrics_summary', 'Native', 1, 1700000000001, Buffer.from('x\n'));
  const segment = Buffer.concat([a, b]);

  it('round-trips consecutive records', () => {
    const first = parseRecord(segment, 0);
    expect(first.kind).toBe('record');
    if (first.kind !== 'record') return;
    expect(first.header).toEqual({ table: 'otel_traces', format: 'TabSeparated', rows: 2, appendedAt: 1700000000000, payloadBytes: 8 });
    expect(segment.subarray(first.payloadStart, first.next).toString()).toBe('a\tb\nc\td\n');
    const second = parseRecord(segment, first.next);
    expect(second.kind === 'record' && [second.header.table, second.header.format]).toEqual(['otel_metrics_summary', 'Native']);
    expect(second.kind === 'record' && parseRecord(segment, second.next)).toEqual({ kind: 'end' });
  });

  it('detects a torn tail at every cut point', () => {
    for (let cut = a.length + 1; cut < segment.length; cut++) {
      const r = parseRecord(segment.subarray(0, cut), a.length);
      expect(r.kind).toBe('torn');
    }
  });

  it('detects a flipped payload bit', () => {
    const damaged = Buffer.from(a);
    damaged.writeUInt8(damaged.readUInt8(HEADER_BYTES + 1) ^ 0x01, HEADER_BYTES + 1);
    expect(parseRecord(damaged, 0)).toEqual({ kind: 'torn', reason: 'checksum mismatch' });
  });
});
