import { describe, expect, it } from 'vitest';
import { encodeExportResponseProto, exportResponseJson } from './export-response.ts';

describe('export responses', () => {
  it('are empty when nothing was rejected', () => {
    expect(encodeExportResponseProto('traces', 0, '').length).toBe(0);
    expect(exportResponseJson('metrics', 0, '')).toEqual({});
  });

  it('carry partial_success {1: rejected, 2: error_message} in protobuf', () => {
    const msg = 'rejected 300 spans: é';
    const bytes = encodeExportResponseProto('traces', 300, msg);
    const m = Buffer.from(msg, 'utf8');
    const inner = Buffer.concat([Buffer.from([0x08, 0xac, 0x02, 0x12, m.length]), m]);
    expect(Buffer.from(bytes)).toEqual(Buffer.concat([Buffer.from([0x0a, inner.length]), inner]));
    expect(Buffer.from(encodeExportResponseProto('logs', 0, 'warning'))).toEqual(Buffer.from([0x0a, 9, 0x12, 7, ...Buffer.from('warning')]));
  });

  it('name the signal-specific count in JSON, as an int64 string', () => {
    expect(exportResponseJson('traces', 2, 'bad')).toEqual({ partialSuccess: { rejectedSpans: '2', errorMessage: 'bad' } });
    expect(exportResponseJson('metrics', 1, '')).toEqual({ partialSuccess: { rejectedDataPoints: '1' } });
    expect(exportResponseJson('logs', 5, 'x')).toEqual({ partialSuccess: { rejectedLogRecords: '5', errorMessage: 'x' } });
  });
});
