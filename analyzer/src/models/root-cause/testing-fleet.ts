/** Synthetic fleets for the root-cause model tests: per-period span statistics as the queries return them. */
import type { MetricStat, RootCauseInput, SpanStat } from './types.ts';

const MS = 1_000_000;

export interface OpSpec {
  service: string;
  operation: string;
  kind?: string;
  instance?: string;
  target?: string;
  targetKind?: string;
  calls?: number;
  /** Median self time, ms. */
  selfMs: number;
  errors?: number;
  originErrors?: number;
}

/** One row with a plausible spread: quartiles at ±15 % of the median. */
export function spanRow(o: OpSpec, inWindow: 0 | 1): SpanStat {
  const m = o.selfMs * MS;
  return {
    service: o.service,
    instance: o.instance ?? `${o.service}-0`,
    operation: o.operation,
    kind: o.kind ?? 'Server',
    target: o.target ?? '',
    targetKind: o.targetKind ?? '',
    inWindow,
    calls: o.calls ?? 200,
    errors: o.errors ?? 0,
    originErrors: o.originErrors ?? 0,
    selfQ: [m * 0.85, m, m * 1.15],
    durP50: m,
  };
}

/**
 * A call chain: each service has a Server operation and a Client call into
 * the next one (its self time is the network gap). `window` overrides
 * per-service what changes in the window.
 */
export function chainFleet(services: readonly string[], window: Record<string, Partial<OpSpec>> = {}, clientGapWindow: Record<string, number> = {}): SpanStat[] {
  const rows: SpanStat[] = [];
  services.forEach((s, i) => {
    const server: OpSpec = { service: s, operation: `GET /${s}`, selfMs: 4 + i };
    rows.push(spanRow(server, 0), spanRow({ ...server, ...window[s] }, 1));
    const next = services[i + 1];
    if (next) {
      const client: OpSpec = { service: s, operation: 'HTTP GET', kind: 'Client', target: next, targetKind: 'service', selfMs: 1 };
      rows.push(spanRow(client, 0), spanRow({ ...client, selfMs: clientGapWindow[s] ?? 1 }, 1));
    }
  });
  return rows;
}

export function input(spans: readonly SpanStat[], metrics: readonly MetricStat[] = []): RootCauseInput {
  return { spans, metrics, logVolumes: [], logTemplates: [], windowS: 300, baselineS: 900 };
}
