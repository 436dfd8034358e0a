import type { ClickHouseClient } from '@clickhouse/client';
import { peerColumns } from '@ppo/analyzer';

export type EdgeKind = 'request' | 'messaging' | 'database' | 'external';
export type PeerKind = 'database' | 'messaging' | 'external';

/** caller → callee aggregate, as ClickHouse returns it. */
export interface EdgeRow {
  caller: string;
  callee: string;
  kind: EdgeKind;
  calls: number;
  errors: number;
  p95Ns: number;
}

export interface ServiceMapWindow {
  fromNanos: bigint;
  toNanos: bigint;
  /**
   * How far before the window a parent may start (and after it a child) and
   * still pair up: a request that began just before `from` still explains
   * its children inside the window.
   */
  marginNanos: bigint;
}

// Service → service edges: each span whose parent belongs to another service,
// found by a self-join of the window's spans on TraceId + ParentSpanId = SpanId.
// The join keys are 64-bit hashes of (TraceId, SpanId), so the hash table
// holds ~20 bytes per span, not two hex strings: memory stays bounded by the
// window, and the work stays in ClickHouse. This pairs client→server and
// producer→consumer spans, and also spans without a kind whose service
// differs from their parent's (instrumentations that set no kind).
// Latency is the callee span's (the time the callee worked), errors are the
// callee's plus the caller's client-side failures (timeouts the callee never saw end).
const SERVICE_EDGES_SQL = `
SELECT
  p.ServiceName AS caller,
  c.ServiceName AS callee,
  if(p.SpanKind = 'Producer' OR c.SpanKind = 'Consumer', 'messaging', 'request') AS kind,
  count() AS calls,
  countIf(c.StatusCode = 'Error' OR (p.SpanKind = 'Client' AND p.StatusCode = 'Error')) AS errors,
  quantileTDigest(0.95)(c.Duration) AS p95Ns
FROM (
  SELECT cityHash64(TraceId, ParentSpanId) AS parentKey, ServiceName, SpanKind, StatusCode, Duration
  FROM otel_traces
  WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})
    AND ParentSpanId != ''
) AS c
INNER JOIN (
  SELECT cityHash64(TraceId, SpanId) AS spanKey, ServiceName, SpanKind, StatusCode
  FROM otel_traces
  WHERE Timestamp >= fromUnixTimestamp64Nano({parentFrom:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})
) AS p ON c.parentKey = p.spanKey
WHERE c.ServiceName != p.ServiceName
GROUP BY caller, callee, kind
`;

// Un-instrumented peers (see peerColumns). Database and messaging attributes
// count on any span that is not an entry span (some libraries give their spans
// no kind); a bare address only on Client spans.
const PEER_COLUMNS = peerColumns({ externalOnClientSpansOnly: true });

// Calls to a peer that no instrumented service answered: the calling span has
// no child Server/Consumer span (nor a child without a kind) in the window.
// When the peer is instrumented, the service → service edge above covers the call.
const PEER_EDGES_SQL = `
SELECT
  c.ServiceName AS caller,
  c.peer AS callee,
  c.peerKind AS kind,
  count() AS calls,
  countIf(c.StatusCode = 'Error') AS errors,
  quantileTDigest(0.95)(c.Duration) AS p95Ns
FROM (
  SELECT cityHash64(TraceId, SpanId) AS spanKey, ServiceName, StatusCode, Duration, ${PEER_COLUMNS}
  FROM otel_traces
  WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})
    AND SpanKind NOT IN ('Server', 'Consumer')
    AND peerKind != ''
) AS c
LEFT ANTI JOIN (
  SELECT cityHash64(TraceId, ParentSpanId) AS parentKey
  FROM otel_traces
  WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({childTo:Int64})
    AND ParentSpanId != '' AND SpanKind IN ('Server', 'Consumer', 'Unspecified')
) AS ch ON c.spanKey = ch.parentKey
GROUP BY caller, callee, kind
`;

// A queue's consumers whose producer is not instrumented (or did not
// propagate context): a Consumer span that starts a trace, with a messaging
// system, is a call from the queue to the service.
const QUEUE_EDGES_SQL = `
SELECT
  arrayStringConcat(arrayFilter(x -> x != '', [SpanAttributes['messaging.system'],
    if(SpanAttributes['messaging.destination.name'] != '', SpanAttributes['messaging.destination.name'], SpanAttributes['messaging.destination'])]), '/') AS caller,
  ServiceName AS callee,
  'messaging' AS kind,
  count() AS calls,
  countIf(StatusCode = 'Error') AS errors,
  quantileTDigest(0.95)(Duration) AS p95Ns
FROM otel_traces
WHERE Timestamp >= fromUnixTimestamp64Nano({from:Int64}) AND Timestamp < fromUnixTimestamp64Nano({to:Int64})
  AND SpanKind = 'Consumer' AND ParentSpanId = '' AND SpanAttributes['messaging.system'] != ''
GROUP BY caller, callee
`;

const JOIN_MEMORY_BYTES = String(512 * 1024 * 1024);

async function edges(client: ClickHouseClient, query: string, w: ServiceMapWindow): Promise<EdgeRow[]> {
  const rs = await client.query({
    query,
    query_params: {
      from: w.fromNanos.toString(),
      to: w.toNanos.toString(),
      parentFrom: (w.fromNanos - w.marginNanos).toString(),
      childTo: (w.toNanos + w.marginNanos).toString(),
    },
    format: 'JSONEachRow',
    clickhouse_settings: {
      output_format_json_quote_64bit_integers: 0,
      // A hash join while its table fits in this much memory, then a
      // spilling merge join: a busy day's window slows down instead of
      // exhausting the server's (or, embedded, PPO's own) memory.
      join_algorithm: 'auto',
      max_bytes_in_join: JOIN_MEMORY_BYTES,
    },
  });
  return rs.json<EdgeRow>();
}

export interface ServiceMapEdges {
  /** Both ends are instrumented services. */
  services: EdgeRow[];
  /** The callee is an un-instrumented database, queue or external host. */
  peers: EdgeRow[];
  /** The caller is a queue (a trace-starting Consumer span). */
  queues: EdgeRow[];
}

/** Every edge of the window, grouped by which end is not a service. */
export async function fetchServiceMapEdges(client: ClickHouseClient, w: ServiceMapWindow): Promise<ServiceMapEdges> {
  // One query at a time: chDB runs them in-process anyway, and a server then
  // holds one join's memory at a time.
  const services = await edges(client, SERVICE_EDGES_SQL, w);
  const peers = await edges(client, PEER_EDGES_SQL, w);
  const queues = await edges(client, QUEUE_EDGES_SQL, w);
  return { services, peers, queues };
}
