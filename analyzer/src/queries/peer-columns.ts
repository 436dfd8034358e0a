/**
 * How PPO names a dependency that sends no spans of its own (a database, a
 * queue, an external host), from the calling span's attributes, current
 * semantic conventions first, then the older names:
 *   database   db.system.name | db.system, + server.address | net.peer.name, + db.namespace | db.name
 *   messaging  messaging.system, + messaging.destination.name | messaging.destination
 *   external   server.address | net.peer.name (HTTP/RPC clients)
 * peer.service, when set, is the name the application itself gave the peer
 * and wins. One rule for the service map and root-cause analysis, so a
 * dependency has the same name in both.
 *
 * The SELECT columns `dbSystem`, `msgSystem`, `host`, `peerKind`
 * ('database' | 'messaging' | 'external' | '') and `peer` over otel_traces.
 * `externalOnClientSpansOnly`: a bare address means "the host this call went
 * to" only on Client spans; set it when the query reads spans of every kind.
 */
export function peerColumns(opts: { externalOnClientSpansOnly: boolean }): string {
  const external = opts.externalOnClientSpansOnly
    ? "SpanKind = 'Client' AND (host != '' OR SpanAttributes['peer.service'] != '')"
    : "host != '' OR SpanAttributes['peer.service'] != ''";
  return `
    if(SpanAttributes['db.system.name'] != '', SpanAttributes['db.system.name'], SpanAttributes['db.system']) AS dbSystem,
    SpanAttributes['messaging.system'] AS msgSystem,
    if(SpanAttributes['server.address'] != '', SpanAttributes['server.address'], SpanAttributes['net.peer.name']) AS host,
    multiIf(
      dbSystem != '', 'database',
      msgSystem != '', 'messaging',
      ${external}, 'external',
      '') AS peerKind,
    multiIf(
      SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'],
      peerKind = 'database', arrayStringConcat(arrayFilter(x -> x != '', [dbSystem, host,
        if(SpanAttributes['db.namespace'] != '', SpanAttributes['db.namespace'], SpanAttributes['db.name'])]), '/'),
      peerKind = 'messaging', arrayStringConcat(arrayFilter(x -> x != '', [msgSystem,
        if(SpanAttributes['messaging.destination.name'] != '', SpanAttributes['messaging.destination.name'], SpanAttributes['messaging.destination'])]), '/'),
      host) AS peer`;
}
