import { describe, expect, it } from 'vitest';
import type { Collector } from '@ppo/collector';
import { ingestRates, ingestSnapshot } from './ingest-rates.ts';

type Source = Pick<Collector, 'ingest' | 'inserts'>;

function source(traces: { requests: number; accepted: number; refused: number; inserted: number }, metricsInserted = 0): Source {
  const counters = (c: { requests: number; accepted: number; refused: number }) => ({
    requests: c.requests,
    accepted: c.accepted,
    rejected: 0,
    invalidRequests: 0,
    refused: { memory: c.refused, spool_full: 0, shutting_down: 0, spool_error: 0 },
  });
  return {
    ingest: { counters: { traces: counters(traces), metrics: counters({ requests: 0, accepted: 0, refused: 0 }), logs: counters({ requests: 0, accepted: 0, refused: 0 }) } },
    inserts: { rowsByTable: { otel_traces: traces.inserted, otel_metrics_gauge: metricsInserted, otel_metrics_sum: metricsInserted } },
  } as unknown as Source;
}

describe('ingest rates', () => {
  it('are the counters\' increase over the interval, per signal, with per-second rates', () => {
    const a = ingestSnapshot(source({ requests: 10, accepted: 1_000, refused: 0, inserted: 800 }), 0);
    const b = ingestSnapshot(source({ requests: 30, accepted: 6_000, refused: 2, inserted: 5_800 }, 50), 5_000);
    const r = ingestRates(a, b, { spoolBytes: 123, backlogRows: 200 });
    expect(r.interval_s).toBe(5);
    expect(r.signals['traces']).toMatchObject({ received_requests: 20, accepted: 5_000, refused_requests: 2, inserted: 5_000, accepted_per_s: 1_000, inserted_per_s: 1_000, received_requests_per_s: 4 });
    // Every otel_metrics_* table counts for the metrics signal.
    expect(r.signals['metrics']).toMatchObject({ inserted: 100, accepted: 0 });
    expect(r).toMatchObject({ spool_bytes: 123, backlog_rows: 200 });
  });
});
