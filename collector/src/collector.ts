import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Storage } from '@ppo/storage';
import { isRejectedData } from './batcher/clickhouse-errors.ts';
import { SpoolDrainer } from './batcher/spool-drainer.ts';
import { Ingest } from './ingest.ts';
import { GrpcReceiver } from './receivers/grpc-receiver.ts';
import { HttpReceiver } from './receivers/http-receiver.ts';
import { TABLE_COLUMNS } from './rows/columns.ts';
import type { OtelTable } from './rows/table-batch.ts';
import { renderSelfMetrics } from './self-metrics.ts';
import { Spool, type FsyncPolicy } from './spool/spool.ts';
import { InsertLatency } from './insert-latency.ts';

export interface CollectorOptions {
  storage: Storage;
  log: Logger;
  host: string;
  grpcPort: number;
  httpPort: number;
  maxRequestBytes: number;
  /** Request bytes decoded at once before receivers refuse (memory bound). */
  maxInFlightBytes: number;
  /** How long stop() lets the backlog drain before leaving it in the spool. */
  shutdownGraceMs: number;
  batch: { maxRows: number; maxBytes: number; minRows: number; maxDelayMs: number };
  spool: {
    dir: string;
    fsync: FsyncPolicy;
    fsyncIntervalMs: number;
    maxBytes: number;
    segmentBytes: number;
    cacheBytes: number;
  };
  retry?: { initialMs: number; maxMs: number };
  /** Fault-injection points for crash and outage tests; never set in production. */
  beforeInsert?: (table: OtelTable, bytes: number) => void | Promise<void>;
  /** Called after an INSERT succeeded and before the spool records it. */
  afterInsert?: (table: OtelTable, rows: number) => void;
}

export interface InsertStats {
  inserts: number;
  rows: number;
  bytes: number;
  failures: number;
  latency: InsertLatency;
  /** Rows inserted per table (the live stream's per-signal ingest rates). */
  rowsByTable: Partial<Record<OtelTable, number>>;
}

export interface Collector {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly ingest: Ingest;
  readonly spool: Spool;
  readonly drainer: SpoolDrainer;
  readonly inserts: InsertStats;
  /** Prometheus text of the collector's own counters. */
  metricsText(): string;
  stop(): Promise<void>;
}

export function spoolDir(dataDir: string): string {
  return join(dataDir, 'spool');
}

/**
 * The collector role: both OTLP receivers append to the spool; the drainer
 * inserts from it. The spool is replayed into the drainer before the
 * receivers open, so older data goes to ClickHouse first.
 */
export async function startCollector(opts: CollectorOptions): Promise<Collector> {
  const { storage, log } = opts;
  const inserts: InsertStats = { inserts: 0, rows: 0, bytes: 0, failures: 0, latency: new InsertLatency(), rowsByTable: {} };
  const { spool, replay, redo } = await Spool.open({
    dir: opts.spool.dir,
    fsync: opts.spool.fsync,
    fsyncIntervalMs: opts.spool.fsyncIntervalMs,
    maxBytes: opts.spool.maxBytes,
    segmentBytes: opts.spool.segmentBytes,
    memoryBytes: opts.spool.cacheBytes,
    log: (level, msg, fields) => log[level](fields ?? {}, msg),
  });
  let spoolFullLogged = false;
  const drainer = new SpoolDrainer({
    spool,
    insert: async (table, body, dedupToken, format) => {
      await opts.beforeInsert?.(table, body.reduce((n, b) => n + b.length, 0));
      await storage.insertRows(table, body, { columns: TABLE_COLUMNS[table], dedupToken, format });
    },
    minRows: opts.batch.minRows,
    maxRows: opts.batch.maxRows,
    maxBytes: opts.batch.maxBytes,
    maxDelayMs: opts.batch.maxDelayMs,
    retry: opts.retry ?? { initialMs: 200, maxMs: 30_000 },
    onInsert: (table, rows, bytes, ms) => {
      inserts.inserts++;
      inserts.rows += rows;
      inserts.rowsByTable[table] = (inserts.rowsByTable[table] ?? 0) + rows;
      inserts.bytes += bytes;
      inserts.latency.observe(ms / 1000);
      opts.afterInsert?.(table, rows);
      log.debug({ table, rows, bytes, ms: Math.round(ms) }, 'inserted batch');
    },
    onInsertError: (table, rows, attempt, err) => {
      inserts.failures++;
      if (attempt <= 1) log.warn({ table, rows, err }, 'insert failed; retrying with back-off (data stays in the spool)');
      else log.debug({ table, rows, attempt, err }, 'insert retry failed');
    },
    onRecovered: (failedForMs) => log.info({ failedForMs }, 'inserts recovered; draining the spool backlog'),
    isRejectedData,
    onSplit: (table, records, reason) => log.warn({ table, records, reason }, 'ClickHouse refused a batch for its content; retrying its requests one by one'),
    onDeadLetter: (table, rows, file, reason) => log.error({ table, rows, file, reason }, 'ClickHouse refused these rows; set aside in the spool dead-letter folder'),
  });
  drainer.start(replay, redo);
  const ingest = new Ingest({
    spool,
    drainer,
    maxInFlightBytes: opts.maxInFlightBytes,
    onRefused: (reason, message) => {
      if (reason === 'spool_full' && !spoolFullLogged) {
        spoolFullLogged = true;
        log.warn({ spoolBytes: spool.bytes }, message);
        setTimeout(() => (spoolFullLogged = false), 60_000).unref();
      }
    },
  });
  const common = { host: opts.host, maxRequestBytes: opts.maxRequestBytes, ingest, log };
  const grpcReceiver = new GrpcReceiver({ ...common, port: opts.grpcPort });
  const httpReceiver = new HttpReceiver({ ...common, port: opts.httpPort });
  let grpcPort: number;
  let httpPort: number;
  try {
    grpcPort = await grpcReceiver.start();
    httpPort = await httpReceiver.start();
  } catch (err) {
    await grpcReceiver.stop();
    await drainer.close(0);
    await spool.close();
    throw err;
  }
  log.info({ grpcPort, httpPort }, 'OTLP receivers listening');
  return {
    grpcPort,
    httpPort,
    ingest,
    spool,
    drainer,
    inserts,
    metricsText: () => renderSelfMetrics({ ingest, spool, drainer, inserts }),
    async stop() {
      // Stop taking requests, give the backlog a moment to reach ClickHouse;
      // what does not make it stays in the spool for the next start.
      await Promise.all([grpcReceiver.stop(), httpReceiver.stop()]);
      await drainer.close(opts.shutdownGraceMs);
      await spool.close();
    },
  };
}
