/**
 * The view every detector shares: which spans are outbound calls (HTTP, RPC,
 * database, messaging), who made them, what they called and whether they failed,
 * grouped under the parent span that made them and sorted by start time.
 * Built once per trace in O(spans log spans); the detectors then walk the
 * per-parent lists linearly.
 */
import type { Trace, TraceSpan } from '../../model/trace.ts';
import { normalizeStatement } from './normalize-statement.ts';

export interface OutboundCall {
  readonly span: TraceSpan;
  /** The service that made the call (the caller's, when the client side was not instrumented). */
  readonly callerService: string;
  /** Callee service, database (`postgresql@orders-db/shop`) or queue. */
  readonly target: string;
  /** Callee operation, or the normalized statement for a database call. */
  readonly operation: string;
  /** `target` + `operation`: two calls with the same key are "the same call". */
  readonly key: string;
  readonly isDb: boolean;
  /** Failed the way a retry would follow: server-side or transport errors, not 4xx. */
  readonly failed: boolean;
  readonly start: number;
  readonly end: number;
}

export interface TraceCalls {
  readonly byId: ReadonlyMap<string, TraceSpan>;
  /** Outbound calls under each parent span id, by start (then end, then span id). Roots are not grouped. */
  readonly callsByParent: ReadonlyMap<string, readonly OutboundCall[]>;
  /** Every outbound call, including ones at the root of a (partial) trace. */
  readonly calls: readonly OutboundCall[];
  /**
   * The parent's calls split by `key`, each group in start order, keys in order
   * of first call. Computed on first use and shared by the retry-storm and N+1
   * detectors, which both look for repeats of the same call.
   */
  sameCallGroups(parentSpanId: string): readonly (readonly OutboundCall[])[];
}

export function dbSystem(span: TraceSpan): string | undefined {
  return span.attributes['db.system.name'] ?? span.attributes['db.system'];
}

/** Client-side attributes a span without a kind can still carry. */
function looksOutbound(a: Readonly<Record<string, string>>): boolean {
  return (
    a['peer.service'] !== undefined ||
    a['url.full'] !== undefined ||
    a['http.url'] !== undefined ||
    a['server.address'] !== undefined ||
    a['net.peer.name'] !== undefined ||
    a['rpc.service'] !== undefined ||
    a['messaging.system'] !== undefined
  );
}

/**
 * Is `span` a call its caller made to something else?
 * - Client and Producer spans always are; so are database spans of any kind
 *   (some drivers mark them Internal).
 * - A Server/Consumer span whose parent is a Server/Consumer/Internal span of
 *   another service is a call whose client side was not instrumented; under a
 *   Client/Producer/kind-less parent it is the receiving end of that call, which
 *   is already counted.
 * - A kind-less span is a call when it carries client attributes or has a child
 *   in another service, or sits under another service's non-client span.
 */
export function isOutboundCall(span: TraceSpan, parent: TraceSpan | undefined, hasRemoteChild: boolean): boolean {
  switch (span.kind) {
    case 'Client':
    case 'Producer':
      return true;
    case 'Internal':
      return dbSystem(span) !== undefined;
    case 'Server':
    case 'Consumer':
      return parent !== undefined && parent.service !== span.service && isLocalWork(parent);
    case 'Unspecified':
      if (parent !== undefined && parent.service !== span.service) return isLocalWork(parent);
      return dbSystem(span) !== undefined || looksOutbound(span.attributes) || hasRemoteChild;
  }
}

/** A span doing its own service's work, as opposed to one that is itself a call (client, producer, kind-less, database). */
function isLocalWork(parent: TraceSpan): boolean {
  return (parent.kind === 'Server' || parent.kind === 'Consumer' || parent.kind === 'Internal') && dbSystem(parent) === undefined;
}

/**
 * The first span of another service under each span: the callee side of a call,
 * whose name is the best label for what was called.
 */
function remoteChildren(spans: readonly TraceSpan[], byId: ReadonlyMap<string, TraceSpan>): Map<string, TraceSpan> {
  const remote = new Map<string, TraceSpan>();
  for (const s of spans) {
    if (s.parentSpanId === '') continue;
    const p = byId.get(s.parentSpanId);
    if (p === undefined || p.service === s.service) continue;
    const seen = remote.get(p.spanId);
    if (seen === undefined || s.start < seen.start) remote.set(p.spanId, s);
  }
  return remote;
}

function indexById(trace: Trace): Map<string, TraceSpan> {
  const byId = new Map<string, TraceSpan>();
  for (const s of trace.spans) byId.set(s.spanId, s);
  return byId;
}

export function collectCalls(trace: Trace): TraceCalls {
  const byId = indexById(trace);
  const remote = remoteChildren(trace.spans, byId);
  const callsByParent = new Map<string, OutboundCall[]>();
  const calls: OutboundCall[] = [];
  for (const s of trace.spans) {
    const parent = s.parentSpanId === '' ? undefined : byId.get(s.parentSpanId);
    const callee = remote.get(s.spanId);
    if (!isOutboundCall(s, parent, callee !== undefined)) continue;
    const call = describeCall(s, parent, callee);
    calls.push(call);
    if (s.parentSpanId === '') continue;
    const siblings = callsByParent.get(s.parentSpanId);
    if (siblings === undefined) callsByParent.set(s.parentSpanId, [call]);
    else siblings.push(call);
  }
  for (const siblings of callsByParent.values()) {
    if (siblings.length > 1) siblings.sort(byStart);
  }
  const groupCache = new Map<string, OutboundCall[][]>();
  const sameCallGroups = (parentSpanId: string): readonly (readonly OutboundCall[])[] => {
    const cached = groupCache.get(parentSpanId);
    if (cached !== undefined) return cached;
    const byKey = new Map<string, OutboundCall[]>();
    for (const c of callsByParent.get(parentSpanId) ?? []) {
      const g = byKey.get(c.key);
      if (g === undefined) byKey.set(c.key, [c]);
      else g.push(c);
    }
    const groups = [...byKey.values()];
    groupCache.set(parentSpanId, groups);
    return groups;
  };
  return { byId, callsByParent, calls, sameCallGroups };
}

export function byStart(a: OutboundCall, b: OutboundCall): number {
  return a.start - b.start || a.end - b.end || (a.span.spanId < b.span.spanId ? -1 : a.span.spanId > b.span.spanId ? 1 : 0);
}

/** Outbound calls per calling service: the lighter pass the fleet comparison needs (no call labels). */
export function countOutboundCalls(trace: Trace): Map<string, number> {
  const byId = indexById(trace);
  const hasRemote = new Set<string>();
  for (const s of trace.spans) {
    const p = s.parentSpanId === '' ? undefined : byId.get(s.parentSpanId);
    if (p !== undefined && p.service !== s.service) hasRemote.add(p.spanId);
  }
  const counts = new Map<string, number>();
  for (const s of trace.spans) {
    const parent = s.parentSpanId === '' ? undefined : byId.get(s.parentSpanId);
    if (!isOutboundCall(s, parent, hasRemote.has(s.spanId))) continue;
    const caller = callerOf(s, parent);
    counts.set(caller, (counts.get(caller) ?? 0) + 1);
  }
  return counts;
}

/**
 * Who made the call. A callee-side span counted as a call (the client side was
 * not instrumented) belongs to the callee; its parent's service made the call.
 * Every other call span belongs to its caller.
 */
function callerOf(span: TraceSpan, parent: TraceSpan | undefined): string {
  if (parent === undefined || parent.service === span.service) return span.service;
  const calleeSide = span.kind === 'Server' || span.kind === 'Consumer' || (span.kind === 'Unspecified' && dbSystem(span) === undefined);
  return calleeSide ? parent.service : span.service;
}

function describeCall(s: TraceSpan, parent: TraceSpan | undefined, callee: TraceSpan | undefined): OutboundCall {
  const a = s.attributes;
  const callerService = callerOf(s, parent);
  const system = dbSystem(s);
  let target: string;
  let operation: string;
  if (system !== undefined) {
    target = dbTarget(system, a);
    operation = dbOperation(s);
  } else if (callerService !== s.service) {
    // the callee's own span, seen directly under the caller
    target = s.service;
    operation = s.name;
  } else if (callee !== undefined) {
    target = callee.service;
    operation = callee.name;
  } else {
    target = remoteTarget(s);
    operation = remoteOperation(s);
  }
  return {
    span: s,
    callerService,
    target,
    operation,
    key: `${target}\u0000${operation}`,
    isDb: system !== undefined,
    failed: failedLikeRetry(s, callee),
    start: s.start,
    end: s.end,
  };
}

function dbTarget(system: string, a: Readonly<Record<string, string>>): string {
  const where = a['peer.service'] ?? a['server.address'] ?? a['net.peer.name'];
  const namespace = a['db.namespace'] ?? a['db.name'];
  return system + (where !== undefined ? `@${where}` : '') + (namespace !== undefined ? `/${namespace}` : '');
}

function dbOperation(s: TraceSpan): string {
  const a = s.attributes;
  const statement = a['db.query.text'] ?? a['db.statement'];
  if (statement !== undefined && statement.trim() !== '') return normalizeStatement(statement);
  const op = a['db.operation.name'] ?? a['db.operation'];
  const collection = a['db.collection.name'] ?? a['db.sql.table'] ?? a['db.mongodb.collection'];
  if (op !== undefined) return collection !== undefined ? `${op} ${collection}` : op;
  return s.name;
}

function remoteTarget(s: TraceSpan): string {
  const a = s.attributes;
  const explicit = a['peer.service'];
  if (explicit !== undefined) return explicit;
  const messaging = a['messaging.system'];
  if (messaging !== undefined) {
    const destination = a['messaging.destination.name'] ?? a['messaging.destination'];
    return destination !== undefined ? `${messaging}:${destination}` : messaging;
  }
  const host = a['server.address'] ?? a['net.peer.name'] ?? urlHost(a['url.full'] ?? a['http.url']);
  if (host !== undefined) return host;
  return a['rpc.service'] ?? s.name;
}

function remoteOperation(s: TraceSpan): string {
  const a = s.attributes;
  const rpcMethod = a['rpc.method'];
  if (rpcMethod !== undefined) return `${a['rpc.service'] ?? ''}/${rpcMethod}`;
  const method = a['http.request.method'] ?? a['http.method'];
  if (method !== undefined) {
    const route = a['url.template'] ?? a['http.route'] ?? templatePath(urlPath(a['url.full'] ?? a['http.url']) ?? a['url.path'] ?? a['http.target']);
    return route !== undefined ? `${method} ${route}` : method;
  }
  return s.name;
}

function urlHost(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#:]+)/i.exec(url);
  return m?.[1];
}

function urlPath(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  if (m === null) return url;
  return m[1] === '' ? '/' : m[1];
}

const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{12,}|[A-Za-z0-9_-]{20,})$/i;

/** `/products/123?x=1` → `/products/{id}`: the route a templated client would have reported. */
export function templatePath(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const cut = path.search(/[?#]/);
  const bare = cut < 0 ? path : path.slice(0, cut);
  if (!/\d/.test(bare)) return bare; // the usual case: nothing that can be an id
  return bare
    .split('/')
    .map((seg) => (seg !== '' && ID_SEGMENT.test(seg) && /\d/.test(seg) ? '{id}' : seg))
    .join('/');
}

/** gRPC codes that are the caller's fault; retrying them cannot help, so they are not retry fodder. */
const GRPC_CALLER_ERRORS: ReadonlySet<string> = new Set(['0', '3', '5', '6', '7', '9', '11', '12', '16']);

/**
 * Failed in a way a retry would follow: HTTP 5xx or 429, a gRPC status other
 * than OK and the caller-error codes, or an Error status without a status code
 * (timeouts, connection resets). A 4xx is the caller's fault, so although
 * OTel marks a client 4xx as Error, three 404s are lookups, not a retry storm.
 */
export function failedLikeRetry(s: TraceSpan, callee: TraceSpan | undefined): boolean {
  const code = httpStatus(s) ?? (callee !== undefined ? httpStatus(callee) : undefined);
  if (code !== undefined) return code >= 500 || code === 429;
  const grpc = s.attributes['rpc.grpc.status_code'] ?? callee?.attributes['rpc.grpc.status_code'];
  if (grpc !== undefined) return !GRPC_CALLER_ERRORS.has(grpc);
  return s.status === 'Error' || callee?.status === 'Error';
}

function httpStatus(s: TraceSpan): number | undefined {
  const raw = s.attributes['http.response.status_code'] ?? s.attributes['http.status_code'];
  if (raw === undefined) return undefined;
  const code = Number.parseInt(raw, 10);
  return Number.isFinite(code) ? code : undefined;
}

/**
 * How far `next` may overlap the calls before it and still count as started
 * after them: a little (end timestamps are taken after the response is handed
 * back), never most of a call.
 */
export function overlapTolerance(prev: OutboundCall, next: OutboundCall, toleranceNs: number, ratio: number): number {
  return Math.min(toleranceNs, ratio * Math.min(prev.end - prev.start, next.end - next.start));
}
