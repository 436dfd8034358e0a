export { startCollector, spoolDir } from './collector.ts';
export type { Collector, CollectorOptions, InsertStats } from './collector.ts';
export type { IngestCounters } from './ingest.ts';
export { TABLE_COLUMNS } from './rows/columns.ts';
export type { OtelTable, Signal } from './rows/table-batch.ts';
export type { FsyncPolicy } from './spool/spool.ts';
