import type { Logger } from 'pino';
import type { Storage } from '@ppo/storage';
import { InsertBatcher } from './batcher/insert-batcher.ts';
import { Ingest } from './ingest.ts';
import { GrpcReceiver } from './receivers/grpc-receiver.ts';
import { HttpReceiver } from './receivers/http-receiver.ts';
import { TABLE_COLUMNS } from './rows/columns.ts';
import { renderSelfMetrics } from './self-metrics.ts';

export interface CollectorOptions {
  storage: Storage;
  log: Logger;
  host: string;
  grpcPort: number;
  httpPort: number;
  maxRequestBytes: number;
  batch: { maxRows: number; minRows: number; maxDelayMs: number; queueMaxBytes: number };
}

export interface InsertStats {
  inserts: number;
  rows: number;
  bytes: number;
  failures: number;
  /** Sum of insert latencies, for an average on /metrics. */
  totalMs: number;
}

export interface Collector {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly ingest: Ingest;
  readonly batcher: InsertBatcher;
  readonly inserts: InsertStats;
  /** Prometheus text of the collector's own counters. */
  metricsText(): string;
  stop(): Promise<void>;
}

/** The collector role: both OTLP receivers feeding one batcher that writes to storage. */
export async function startCollector(opts: CollectorOptions): Promise<Collector> {
  const { storage, log } = opts;
  const inserts: InsertStats = { inserts: 0, rows: 0, bytes: 0, failures: 0, totalMs: 0 };
  const batcher = new InsertBatcher({
    insert: (table, body, dedupToken) => storage.insertTsv(table, body, { columns: TABLE_COLUMNS[table], dedupToken }),
    minRows: opts.batch.minRows,
    maxRows: opts.batch.maxRows,
    maxDelayMs: opts.batch.maxDelayMs,
    maxQueuedBytes: opts.batch.queueMaxBytes,
    onInsert: (table, rows, bytes, ms) => {
      inserts.inserts++;
      inserts.rows += rows;
      inserts.bytes += bytes;
      inserts.totalMs += ms;
      log.debug({ table, rows, bytes, ms: Math.round(ms) }, 'inserted batch');
    },
    onInsertError: (table, rows, err) => {
      inserts.failures++;
      log.warn({ table, rows, err }, 'insert failed; senders were told to retry');
    },
  });
  const ingest = new Ingest(batcher);
  const common = { host: opts.host, maxRequestBytes: opts.maxRequestBytes, ingest, log };
  const grpcReceiver = new GrpcReceiver({ ...common, port: opts.grpcPort });
  const httpReceiver = new HttpReceiver({ ...common, port: opts.httpPort });
  const grpcPort = await grpcReceiver.start();
  let httpPort: number;
  try {
    httpPort = await httpReceiver.start();
  } catch (err) {
    await grpcReceiver.stop();
    throw err;
  }
  log.info({ grpcPort, httpPort }, 'OTLP receivers listening');
  return {
    grpcPort,
    httpPort,
    ingest,
    batcher,
    inserts,
    metricsText: () => renderSelfMetrics(ingest, batcher, inserts),
    async stop() {
      // Stop taking requests first, then let in-flight ones finish storing.
      await Promise.all([grpcReceiver.stop(), httpReceiver.stop()]);
      await batcher.close();
    },
  };
}
