import type { SpoolDrainer } from './batcher/spool-drainer.ts';
import type { InsertStats } from './collector.ts';
import type { Ingest, RefusalReason } from './ingest.ts';
import { InsertLatency } from './insert-latency.ts';
import type { Spool } from './spool/spool.ts';

const ITEM: Record<string, string> = { traces: 'spans', metrics: 'data_points', logs: 'log_records' };

export interface SelfMetricsSources {
  ingest: Ingest;
  spool: Spool;
  drainer: SpoolDrainer;
  inserts: InsertStats;
}

/** Prometheus text exposition (format 0.0.4) of the collector's own state. */
export function renderSelfMetrics({ ingest, spool, drainer, inserts }: SelfMetricsSources): string {
  const lines: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: [labels: string, value: number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  const signals = Object.entries(ingest.counters);
  const perSignal = (pick: (c: Ingest['counters']['traces']) => number): [string, number][] =>
    signals.map(([signal, c]) => [`{signal="${signal}",item="${ITEM[signal] ?? signal}"}`, pick(c)]);

  family('ppo_otlp_requests_total', 'counter', 'OTLP export requests received.', perSignal((c) => c.requests));
  family('ppo_otlp_items_accepted_total', 'counter', 'Spans, data points or log records acknowledged (spooled durably).', perSignal((c) => c.accepted));
  family('ppo_otlp_items_rejected_total', 'counter', 'Items dropped as invalid and reported in partial_success.', perSignal((c) => c.rejected));
  family('ppo_otlp_requests_invalid_total', 'counter', 'Requests refused as malformed (400 / INVALID_ARGUMENT).', perSignal((c) => c.invalidRequests));
  const refused: [string, number][] = [];
  for (const [signal, c] of signals) {
    for (const [reason, n] of Object.entries(c.refused) as [RefusalReason, number][]) refused.push([`{signal="${signal}",reason="${reason}"}`, n]);
  }
  family('ppo_otlp_requests_refused_total', 'counter', 'Requests refused as retryable (503 / UNAVAILABLE), by reason.', refused);
  family('ppo_ingest_inflight_bytes', 'gauge', 'Request bytes being decoded and spooled (bounded by PPO_QUEUE_MAX_BYTES).', [['', ingest.bytesInFlight]]);
  family('ppo_spool_bytes', 'gauge', 'Bytes of spool segments on disk.', [['', spool.bytes]]);
  family('ppo_spool_max_bytes', 'gauge', 'Spool size at which receivers refuse (PPO_SPOOL_MAX_BYTES).', [['', spool.maxBytes]]);
  const oldest = drainer.oldestAppendedAt;
  family('ppo_spool_oldest_age_seconds', 'gauge', 'Age of the oldest acknowledged row not yet in ClickHouse.', [['', oldest === undefined ? 0 : (Date.now() - oldest) / 1000]]);
  family('ppo_spool_backlog_rows', 'gauge', 'Acknowledged rows waiting for or in an INSERT.', [['', drainer.backlogRows]]);
  family('ppo_insert_batches_total', 'counter', 'INSERTs into ClickHouse that succeeded.', [['', inserts.inserts]]);
  family('ppo_insert_rows_total', 'counter', 'Rows inserted into ClickHouse.', [['', inserts.rows]]);
  family('ppo_insert_bytes_total', 'counter', 'TSV bytes inserted into ClickHouse.', [['', inserts.bytes]]);
  family('ppo_insert_failures_total', 'counter', 'INSERT attempts that failed (ClickHouse errors).', [['', inserts.failures]]);
  family('ppo_insert_retries_total', 'counter', 'INSERT attempts repeated after a failure.', [['', drainer.retries]]);
  family('ppo_insert_dead_lettered_rows_total', 'counter', 'Rows ClickHouse refused for their content, set aside under spool/dead-letter.', [['', drainer.deadLettered]]);
  const h = inserts.latency;
  let cumulative = 0;
  const buckets: [string, number][] = InsertLatency.BOUNDS.map((b, i) => {
    cumulative += h.counts[i] ?? 0;
    return [`_bucket{le="${b}"}`, cumulative];
  });
  lines.push('# HELP ppo_insert_duration_seconds Latency of successful INSERTs.', '# TYPE ppo_insert_duration_seconds histogram');
  for (const [suffix, v] of buckets) lines.push(`ppo_insert_duration_seconds${suffix} ${v}`);
  lines.push(`ppo_insert_duration_seconds_bucket{le="+Inf"} ${h.count}`, `ppo_insert_duration_seconds_sum ${h.sum}`, `ppo_insert_duration_seconds_count ${h.count}`);
  const mem = process.memoryUsage();
  family('process_resident_memory_bytes', 'gauge', 'Resident memory of the PPO process (V8 heap, buffers and the embedded ClickHouse).', [['', mem.rss]]);
  family('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', [['', mem.heapUsed]]);
  family('nodejs_external_memory_bytes', 'gauge', 'Memory of Buffers and other objects outside the V8 heap.', [['', mem.external]]);
  return lines.join('\n') + '\n';
}
