import type { InsertBatcher } from './batcher/insert-batcher.ts';
import type { InsertStats } from './collector.ts';
import type { Ingest } from './ingest.ts';

const ITEM: Record<string, string> = { traces: 'spans', metrics: 'data_points', logs: 'log_records' };

/** Prometheus text exposition (format 0.0.4) of the collector's counters. */
export function renderSelfMetrics(ingest: Ingest, batcher: InsertBatcher, inserts: InsertStats): string {
  const lines: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: [labels: string, value: number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  const perSignal = (pick: (c: Ingest['counters']['traces']) => number): [string, number][] =>
    Object.entries(ingest.counters).map(([signal, c]) => [`{signal="${signal}",item="${ITEM[signal] ?? signal}"}`, pick(c)]);

  family('ppo_otlp_requests_total', 'counter', 'OTLP export requests received.', perSignal((c) => c.requests));
  family('ppo_otlp_items_accepted_total', 'counter', 'Spans, data points or log records stored.', perSignal((c) => c.accepted));
  family('ppo_otlp_items_rejected_total', 'counter', 'Items dropped as invalid and reported in partial_success.', perSignal((c) => c.rejected));
  family('ppo_otlp_requests_invalid_total', 'counter', 'Requests refused as malformed (400 / INVALID_ARGUMENT).', perSignal((c) => c.invalidRequests));
  family('ppo_otlp_requests_refused_total', 'counter', 'Requests refused as retryable (503 / UNAVAILABLE) under load or storage failure.', perSignal((c) => c.refusedRequests));
  family('ppo_insert_batches_total', 'counter', 'INSERTs into ClickHouse that succeeded.', [['', inserts.inserts]]);
  family('ppo_insert_rows_total', 'counter', 'Rows inserted into ClickHouse.', [['', inserts.rows]]);
  family('ppo_insert_bytes_total', 'counter', 'TSV bytes inserted into ClickHouse.', [['', inserts.bytes]]);
  family('ppo_insert_failures_total', 'counter', 'INSERTs that failed.', [['', inserts.failures]]);
  family('ppo_insert_seconds_total', 'counter', 'Time spent in successful INSERTs.', [['', inserts.totalMs / 1000]]);
  family('ppo_queue_bytes', 'gauge', 'Rows held in memory waiting for or in an INSERT.', [['', batcher.bytesQueued]]);
  return lines.join('\n') + '\n';
}
