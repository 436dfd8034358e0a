import { crc32 } from 'node:zlib';
import type { OtelTable, RowFormat } from '../rows/table-batch.ts';

/**
 * One spool record = the rows of one table from one request, in the format
 * ClickHouse reads them in (TabSeparated lines or one Native block).
 *
 *   magic  u32  'PPOS'
 *   length u32  payload bytes
 *   crc    u32  crc32 of (table, rows, appendedAt, payload)
 *   table  u8   index into TABLES; bit 7 set = Native block, clear = TabSeparated
 *               (records written before Native existed have it clear)
 *   rows   u32
 *   appendedAt f64  ms since epoch (for the oldest-age metric)
 *   payload     TSV lines or a Native block
 *
 * The CRC covers everything after itself, so a torn write at the tail of a
 * segment (crash mid-append) is detected on replay and cut off.
 */
export const HEADER_BYTES = 25;
const MAGIC = 0x50504f53;

export const TABLES: readonly OtelTable[] = [
  'otel_traces',
  'otel_logs',
  'otel_metrics_gauge',
  'otel_metrics_sum',
  'otel_metrics_histogram',
  'otel_metrics_exponential_histogram',
  'otel_metrics_summary',
];
const TABLE_INDEX = new Map(TABLES.map((t, i) => [t, i]));
const NATIVE_BIT = 0x80;

export interface RecordHeader {
  table: OtelTable;
  format: RowFormat;
  rows: number;
  appendedAt: number;
  payloadBytes: number;
}

/** The header of a record; written with the payload in one writev, so the payload is never copied. */
export function encodeRecordHeader(table: OtelTable, format: RowFormat, rows: number, appendedAt: number, payload: Buffer): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(payload.length, 4);
  h.writeUInt8((TABLE_INDEX.get(table) ?? 0) | (format === 'Native' ? NATIVE_BIT : 0), 12);
  h.writeUInt32LE(rows, 13);
  h.writeDoubleLE(appendedAt, 17);
  h.writeUInt32LE(crc32(payload, crc32(h.subarray(12))), 8);
  return h;
}

export function encodeRecord(table: OtelTable, format: RowFormat, rows: number, appendedAt: number, payload: Buffer): Buffer {
  return Buffer.concat([encodeRecordHeader(table, format, rows, appendedAt, payload), payload]);
}

export type ParseOutcome =
  | { kind: 'record'; header: RecordHeader; payloadStart: number; next: number }
  | { kind: 'end' }
  | { kind: 'torn'; reason: string };

/** Parses the record at `offset` of a segment's bytes. */
export function parseRecord(buf: Buffer, offset: number): ParseOutcome {
  if (offset === buf.length) return { kind: 'end' };
  if (buf.length - offset < HEADER_BYTES) return { kind: 'torn', reason: 'truncated header' };
  if (buf.readUInt32LE(offset) !== MAGIC) return { kind: 'torn', reason: 'bad magic' };
  const payloadBytes = buf.readUInt32LE(offset + 4);
  const next = offset + HEADER_BYTES + payloadBytes;
  if (next > buf.length) return { kind: 'torn', reason: 'truncated payload' };
  if (crc32(buf.subarray(offset + 12, next)) !== buf.readUInt32LE(offset + 8)) return { kind: 'torn', reason: 'checksum mismatch' };
  const tableByte = buf.readUInt8(offset + 12);
  const table = TABLES[tableByte & ~NATIVE_BIT];
  if (!table) return { kind: 'torn', reason: 'unknown table' };
  return {
    kind: 'record',
    header: { table, format: tableByte & NATIVE_BIT ? 'Native' : 'TabSeparated', rows: buf.readUInt32LE(offset + 13), appendedAt: buf.readDoubleLE(offset + 17), payloadBytes },
    payloadStart: offset + HEADER_BYTES,
    next,
  };
}
