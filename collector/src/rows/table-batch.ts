/**
 * The hand-off between decoders and the batcher: rows already serialized as
 * ClickHouse TabSeparated text, grouped by target table. Decoders never build
 * row objects; they append TSV lines here.
 */
export type OtelTable =
  | 'otel_traces'
  | 'otel_logs'
  | 'otel_metrics_gauge'
  | 'otel_metrics_sum'
  | 'otel_metrics_histogram'
  | 'otel_metrics_exponential_histogram'
  | 'otel_metrics_summary';

/**
 * How a table's rows are serialized for ClickHouse: TabSeparated lines, or
 * Native blocks (columnar, what the engine keeps in memory: it reads them
 * without parsing text; the OTLP protobuf span decoder writes these).
 */
export type RowFormat = 'TabSeparated' | 'Native';

/** Rows of one table already encoded (one Native block). */
export interface EncodedRows {
  format: RowFormat;
  payload: Buffer;
  rows: number;
}

export interface TableText {
  /** TSV lines, each ending in '\n', columns in the order of `TABLE_COLUMNS[table]`. */
  text: string;
  rows: number;
}

export class TableBatch {
  readonly tables = new Map<OtelTable, TableText>();
  /** Tables whose rows a decoder encoded itself (kept apart from `tables`). */
  readonly encoded = new Map<OtelTable, EncodedRows>();

  /** Appends one complete TSV line (must end with '\n'). */
  append(table: OtelTable, line: string): void {
    const t = this.tables.get(table);
    if (t) {
      t.text += line;
      t.rows++;
    } else {
      this.tables.set(table, { text: line, rows: 1 });
    }
  }

  setEncoded(table: OtelTable, rows: EncodedRows): void {
    this.encoded.set(table, rows);
  }

  get rowCount(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.rows;
    for (const t of this.encoded.values()) n += t.rows;
    return n;
  }

  /** Every table's rows as bytes, for the spool. */
  payloads(): { table: OtelTable; format: RowFormat; rows: number; payload: Buffer }[] {
    const out: { table: OtelTable; format: RowFormat; rows: number; payload: Buffer }[] = [];
    for (const [table, t] of this.tables) out.push({ table, format: 'TabSeparated', rows: t.rows, payload: Buffer.from(t.text) });
    for (const [table, t] of this.encoded) out.push({ table, format: t.format, rows: t.rows, payload: t.payload });
    return out;
  }
}

/** Signal of an OTLP export request. */
export type Signal = 'traces' | 'metrics' | 'logs';

/**
 * Outcome of decoding one export request. A request whose envelope cannot be
 * decoded at all is an error thrown as `OtlpDecodeError` instead; items that
 * are individually invalid (e.g. a trace id of the wrong length) are counted
 * in `rejected` and reported via OTLP partial_success.
 */
export interface DecodeResult {
  batch: TableBatch;
  /** spans / data points / log records written to `batch` */
  accepted: number;
  /** spans / data points / log records dropped as invalid */
  rejected: number;
  /** human-readable reason for the first rejections (empty when rejected = 0) */
  errorMessage: string;
}

/** The request body is not valid OTLP (protobuf or JSON); maps to HTTP 400 / gRPC INVALID_ARGUMENT. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}
