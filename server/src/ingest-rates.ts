/**
 * The live stream's `ingest` events: every PPO_STREAM_INGEST_INTERVAL, what
 * the collector received, accepted, refused and inserted per signal since the
 * previous tick, as counts and per-second rates (the same counters /metrics
 * exposes as totals).
 */
import type { LiveEvents } from '@ppo/analyzer';
import type { Collector, Signal } from '@ppo/collector';

const SIGNALS = ['traces', 'metrics', 'logs'] as const satisfies readonly Signal[];

interface SignalSnapshot {
  requests: number;
  accepted: number;
  rejected: number;
  refused: number;
  invalid: number;
  inserted: number;
}

export type IngestSnapshot = Record<(typeof SIGNALS)[number], SignalSnapshot> & { at: number };

const signalOfTable = (table: string): (typeof SIGNALS)[number] => (table.startsWith('otel_metrics') ? 'metrics' : table.startsWith('otel_logs') ? 'logs' : 'traces');

export function ingestSnapshot(collector: Pick<Collector, 'ingest' | 'inserts'>, at: number): IngestSnapshot {
  const inserted: Record<string, number> = { traces: 0, metrics: 0, logs: 0 };
  for (const [table, rows] of Object.entries(collector.inserts.rowsByTable)) inserted[signalOfTable(table)] = (inserted[signalOfTable(table)] ?? 0) + (rows ?? 0);
  const one = (signal: (typeof SIGNALS)[number]): SignalSnapshot => {
    const c = collector.ingest.counters[signal];
    return {
      requests: c.requests,
      accepted: c.accepted,
      rejected: c.rejected,
      refused: Object.values(c.refused).reduce((a, b) => a + b, 0),
      invalid: c.invalidRequests,
      inserted: inserted[signal] ?? 0,
    };
  };
  return { at, traces: one('traces'), metrics: one('metrics'), logs: one('logs') };
}

export interface IngestRatesEvent extends Record<string, unknown> {
  interval_s: number;
  /** Per signal: requests received, items accepted / rejected, requests refused (back-pressure) and invalid, rows inserted, over the interval; `*_per_s` rates. */
  signals: Record<string, Record<string, number>>;
  spool_bytes: number;
  backlog_rows: number;
}

/** The `ingest` event between two snapshots. */
export function ingestRates(prev: IngestSnapshot, cur: IngestSnapshot, extra: { spoolBytes: number; backlogRows: number }): IngestRatesEvent {
  const dt = Math.max(0.001, (cur.at - prev.at) / 1000);
  const signals: IngestRatesEvent['signals'] = {};
  for (const s of SIGNALS) {
    const d = (k: keyof SignalSnapshot): number => Math.max(0, cur[s][k] - prev[s][k]);
    const rate = (k: keyof SignalSnapshot): number => Math.round((d(k) / dt) * 100) / 100;
    signals[s] = {
      received_requests: d('requests'),
      accepted: d('accepted'),
      rejected: d('rejected'),
      refused_requests: d('refused'),
      invalid_requests: d('invalid'),
      inserted: d('inserted'),
      accepted_per_s: rate('accepted'),
      inserted_per_s: rate('inserted'),
      received_requests_per_s: rate('requests'),
    };
  }
  return { interval_s: Math.round(dt * 1000) / 1000, signals, spool_bytes: extra.spoolBytes, backlog_rows: extra.backlogRows };
}

/** Publishes `ingest` every `intervalMs`; returns the stop function. */
export function startIngestPublisher(collector: Collector, events: LiveEvents, intervalMs: number): () => void {
  let prev = ingestSnapshot(collector, Date.now());
  const timer = setInterval(() => {
    const cur = ingestSnapshot(collector, Date.now());
    events.publish('ingest', ingestRates(prev, cur, { spoolBytes: collector.spool.bytes, backlogRows: collector.drainer.backlogRows }));
    prev = cur;
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
