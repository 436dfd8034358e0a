import { describe, expect, it } from 'vitest';
import { encodeRpcStatus, GrpcCode } from './rpc-status.ts';

describe('encodeRpcStatus', () => {
  it('encodes code and message', () => {
    const b = encodeRpcStatus(GrpcCode.INVALID_ARGUMENT, 'bad');
    expect([...b]).toEqual([0x08, 3, 0x12, 3, 0x62, 0x61, 0x64]);
  });

  it('adds a RetryInfo detail with the delay split into seconds and nanos', () => {
    const b = encodeRpcStatus(GrpcCode.UNAVAILABLE, 'x', 1500);
    const typeUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo');
    expect(b.includes(typeUrl)).toBe(true);
    // Duration{seconds: 1, nanos: 500_000_000} at the end: 08 01 10 80 CA B5 EE 01
    expect([...b.subarray(b.length - 8)]).toEqual([0x08, 0x01, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01]);
  });
});
