import { expect } from 'vitest';
import type { DecodeResult, OtelTable, Signal } from '../../rows/table-batch.ts';
import { tableText } from '../../rows/testing/tsv-read.ts';
import type { DecodeLimits } from '../decode-limits.ts';
import { decodeRequest } from '../decode.ts';
import { otlpJsonToProto, type EncodeOptions, type RequestKind } from './otlp-json-to-proto.ts';

const KIND: Record<Signal, RequestKind> = { traces: 'TracesRequest', metrics: 'MetricsRequest', logs: 'LogsRequest' };

/** Each table's rows as TSV (Native blocks rendered as the TSV writers would write them). */
export function tableTexts(r: DecodeResult): Record<string, string> {
  const tables = new Set<OtelTable>([...r.batch.tables.keys(), ...r.batch.encoded.keys()]);
  return Object.fromEntries([...tables].sort().map((t) => [t, tableText(r.batch, t) ?? '']));
}

/**
 * Decodes an OTLP/JSON request as JSON and, re-encoded, as protobuf (canonical
 * and with reversed field order / unpacked repeats), asserts all three give
 * the same rows (as TSV; the protobuf span decoder's Native block rendered as
 * TSV) and counts, and returns the JSON result.
 */
export function decodeBoth(signal: Signal, request: unknown, limits?: DecodeLimits): DecodeResult {
  const json = decodeRequest(signal, 'json', Buffer.from(JSON.stringify(request)), limits);
  const variants: EncodeOptions[] = [{}, { reverseFields: true, unpacked: true }];
  for (const opts of variants) {
    const proto = decodeRequest(signal, 'proto', otlpJsonToProto(KIND[signal], request, opts), limits);
    expect(tableTexts(proto), `protobuf ${JSON.stringify(opts)}`).toEqual(tableTexts(json));
    expect({ accepted: proto.accepted, rejected: proto.rejected }).toEqual({ accepted: json.accepted, rejected: json.rejected });
  }
  return json;
}
