import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext, type SpanStatus } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { Random } from './random.ts';

/**
 * Realistic span trees for the ingest benchmark: 20 services, each with its own
 * resource (as 20 SDK processes behind one gateway collector would send), nested
 * traces (server → client → server in another service → db), ~10 semantic-
 * convention attributes per span, some events and error statuses. Spans are
 * plain `ReadableSpan` objects, so the real OTel JS transformer encodes them.
 */

type DbSystem = 'postgresql' | 'redis' | 'mongodb' | 'mysql';

interface ServiceSpec {
  name: string;
  resource: Resource;
  /** Indexes of services this one calls (always higher indexes: traces are DAGs). */
  downstream: number[];
  db: DbSystem | undefined;
  routes: readonly string[];
  port: number;
}

interface Scope {
  name: string;
  version: string;
}

const HTTP_SCOPE: Scope = { name: '@opentelemetry/instrumentation-http', version: '0.219.0' };
const UNDICI_SCOPE: Scope = { name: '@opentelemetry/instrumentation-undici', version: '0.21.0' };
const APP_SCOPE: Scope = { name: 'app', version: '1.0.0' };
const DB_SCOPES: Record<DbSystem, Scope> = {
  postgresql: { name: '@opentelemetry/instrumentation-pg', version: '0.61.0' },
  redis: { name: '@opentelemetry/instrumentation-ioredis', version: '0.59.0' },
  mongodb: { name: '@opentelemetry/instrumentation-mongodb', version: '0.64.0' },
  mysql: { name: '@opentelemetry/instrumentation-mysql2', version: '0.59.0' },
};

const SERVICE_NAMES = [
  'frontend', 'api-gateway', 'checkout', 'cart', 'order', 'payment', 'fraud-detection', 'pricing',
  'inventory', 'catalog', 'search', 'recommendation', 'user', 'auth', 'shipping', 'currency',
  'notification', 'email', 'review', 'ads',
] as const;

const DB_BY_SERVICE: Partial<Record<string, DbSystem>> = {
  cart: 'redis', order: 'postgresql', payment: 'postgresql', 'fraud-detection': 'mongodb', pricing: 'redis',
  inventory: 'mysql', catalog: 'postgresql', search: 'mongodb', user: 'postgresql', auth: 'redis',
  shipping: 'mysql', review: 'mongodb', ads: 'redis', currency: 'redis',
};

const RESOURCE_NOUNS = ['items', 'orders', 'users', 'products', 'quotes', 'sessions', 'carts', 'reviews'];

const SQL_BY_DB: Record<DbSystem, readonly string[]> = {
  postgresql: [
    'SELECT id, status, total_cents, currency FROM orders WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC LIMIT 20',
    'UPDATE orders SET status = $1, updated_at = now() WHERE id = $2',
    'INSERT INTO payments (order_id, amount_cents, currency, provider, status) VALUES ($1, $2, $3, $4, $5)',
    'SELECT p.id, p.name, p.price_cents FROM products p JOIN categories c ON c.id = p.category_id WHERE c.slug = $1',
  ],
  mysql: [
    'SELECT sku, quantity, warehouse_id FROM stock WHERE sku IN (?, ?, ?, ?)',
    'UPDATE stock SET quantity = quantity - ? WHERE sku = ? AND quantity >= ?',
    'SELECT id, carrier, eta FROM shipments WHERE order_id = ?',
  ],
  redis: ['GET', 'SET', 'HGETALL', 'EXPIRE', 'MGET'],
  mongodb: ['find', 'aggregate', 'insertOne', 'updateOne'],
};

const USER_AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'okhttp/4.12.0',
  'node',
];

const ERROR_MESSAGES = [
  'connection reset by peer',
  'upstream request timeout',
  'deadline exceeded after 2000ms',
  'duplicate key value violates unique constraint "payments_order_id_key"',
  'insufficient stock for sku',
];

function buildServices(random: Random): ServiceSpec[] {
  const regions = ['eu-west-1', 'us-east-1'];
  return SERVICE_NAMES.map((name, i) => {
    const downstream: number[] = [];
    // Each service calls 1-3 services further down the list (entry services more).
    const fanOut = i < 2 ? 4 : i < 14 ? random.int(1, 3) : random.int(0, 1);
    for (let k = 0; k < fanOut && i + 1 < SERVICE_NAMES.length; k++) {
      const target = random.int(i + 1, Math.min(SERVICE_NAMES.length - 1, i + 8));
      if (!downstream.includes(target)) downstream.push(target);
    }
    const podSuffix = random.hex(5).slice(0, 5);
    const version = `${random.int(1, 4)}.${random.int(0, 30)}.${random.int(0, 9)}`;
    const resource = resourceFromAttributes({
      'service.name': name,
      'service.namespace': 'shop',
      'service.version': version,
      'service.instance.id': random.hex(16),
      'deployment.environment.name': 'production',
      'host.name': `ip-10-0-${random.int(0, 255)}-${random.int(0, 255)}.${regions[i % 2] ?? 'eu-west-1'}.compute.internal`,
      'host.arch': 'amd64',
      'os.type': 'linux',
      'cloud.provider': 'aws',
      'cloud.region': regions[i % 2] ?? 'eu-west-1',
      'k8s.namespace.name': 'shop',
      'k8s.deployment.name': name,
      'k8s.pod.name': `${name}-7d9f8b6c4-${podSuffix}`,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': '20.19.0',
      'process.pid': random.int(1, 65000),
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': '2.8.0',
    });
    const noun = random.pick(RESOURCE_NOUNS);
    const routes = [`/api/${name}/${noun}`, `/api/${name}/${noun}/:id`, `/api/${name}/${noun}/:id/status`, `/api/${name}/health`];
    return { name, resource, downstream, db: DB_BY_SERVICE[name], routes, port: 8080 };
  });
}

/** A span tree element before it becomes a ReadableSpan (times in ns from the request's base). */
interface Timing {
  start: number;
  end: number;
}

/** Converts `baseSec` + `offsetNs` to an HrTime without losing ns precision. */
function hr(baseSec: number, offsetNs: number): HrTime {
  const whole = Math.floor(offsetNs / 1e9);
  return [baseSec + whole, Math.round(offsetNs - whole * 1e9)];
}

function hrDuration(ns: number): HrTime {
  const whole = Math.floor(ns / 1e9);
  return [whole, Math.round(ns - whole * 1e9)];
}

export interface GeneratorOptions {
  random: Random;
  /** Unix seconds all generated timestamps are offsets from. */
  baseSec: number;
}

export interface SpanGenerator {
  readonly services: readonly ServiceSpec[];
  /** One trace starting `offsetNs` after the base time; returns its spans (children first is fine). */
  trace(offsetNs: number): ReadableSpan[];
}

export function createSpanGenerator(opts: GeneratorOptions): SpanGenerator {
  const { random, baseSec } = opts;
  const services = buildServices(random);
  const tenants = Array.from({ length: 50 }, (_, i) => `tenant-${String(i).padStart(3, '0')}`);

  function makeSpan(args: {
    name: string;
    kind: SpanKind;
    service: ServiceSpec;
    scope: Scope;
    traceId: string;
    spanId: string;
    parent: SpanContext | undefined;
    timing: Timing;
    attributes: Attributes;
    status: SpanStatus;
    events: TimedEvent[];
  }): ReadableSpan {
    const ctx: SpanContext = { traceId: args.traceId, spanId: args.spanId, traceFlags: TraceFlags.SAMPLED };
    const span: ReadableSpan = {
      name: args.name,
      kind: args.kind,
      spanContext: () => ctx,
      startTime: hr(baseSec, args.timing.start),
      endTime: hr(baseSec, args.timing.end),
      status: args.status,
      attributes: args.attributes,
      links: [],
      events: args.events,
      duration: hrDuration(args.timing.end - args.timing.start),
      ended: true,
      resource: args.service.resource,
      instrumentationScope: args.scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
    return args.parent ? { ...span, parentSpanContext: args.parent } : span;
  }

  function exceptionEvent(atNs: number, message: string): TimedEvent {
    return {
      name: 'exception',
      time: hr(baseSec, atNs),
      attributes: {
        'exception.type': 'Error',
        'exception.message': message,
        'exception.stacktrace': `Error: ${message}\n    at handler (/app/dist/server.js:${random.int(10, 900)}:${random.int(1, 80)})\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`,
      },
    };
  }

  /**
   * A server span in `svc` starting at `start`, with its subtree appended to
   * `out`. Returns the server span's end time and whether it failed.
   */
  function serverSpan(
    out: ReadableSpan[],
    traceId: string,
    svc: ServiceSpec,
    parent: SpanContext | undefined,
    start: number,
    depth: number,
    ids: { user: string; tenant: string },
  ): { end: number; failed: boolean } {
    const spanId = random.hex(8);
    const ctx: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED };
    const route = random.pick(svc.routes);
    const method = random.chance(0.7) ? 'GET' : random.pick(['POST', 'PUT', 'DELETE']);
    let cursor = start + random.skewed(200_000, 0.5); // request parsing, auth middleware
    let childFailed = false;
    const events: TimedEvent[] = [];

    // Database calls.
    if (svc.db) {
      const dbCalls = random.int(1, 3);
      for (let i = 0; i < dbCalls; i++) {
        const dur = random.skewed(svc.db === 'redis' ? 300_000 : 2_500_000);
        out.push(dbSpan(traceId, svc, ctx, { start: cursor, end: cursor + dur }, ids));
        cursor += dur + random.skewed(50_000);
      }
    }
    // Downstream calls, each a client span here and a server span there.
    if (depth < 4) {
      for (const target of svc.downstream) {
        if (!random.chance(depth === 0 ? 0.9 : 0.6)) continue;
        const callee = services[target];
        if (!callee) continue;
        const clientId = random.hex(8);
        const clientCtx: SpanContext = { traceId, spanId: clientId, traceFlags: TraceFlags.SAMPLED };
        const netDelay = random.skewed(150_000, 0.4);
        const sub = serverSpan(out, traceId, callee, clientCtx, cursor + netDelay, depth + 1, ids);
        const end = sub.end + random.skewed(120_000, 0.4);
        const calleeRoute = random.pick(callee.routes).replace(':id', String(random.int(1, 99999)));
        const status = sub.failed ? 503 : 200;
        out.push(
          makeSpan({
            name: method,
            kind: SpanKind.CLIENT,
            service: svc,
            scope: UNDICI_SCOPE,
            traceId,
            spanId: clientId,
            parent: ctx,
            timing: { start: cursor, end },
            attributes: {
              'http.request.method': method,
              'url.full': `http://${callee.name}.shop.svc.cluster.local:${callee.port}${calleeRoute}`,
              'url.path': calleeRoute,
              'server.address': `${callee.name}.shop.svc.cluster.local`,
              'server.port': callee.port,
              'http.response.status_code': status,
              'network.peer.address': `10.1.${random.int(0, 255)}.${random.int(0, 255)}`,
              'network.protocol.version': '1.1',
              'peer.service': callee.name,
              'app.retry': random.chance(0.05),
            },
            status: sub.failed ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.UNSET },
            events: [],
          }),
        );
        childFailed ||= sub.failed;
        cursor = end + random.skewed(30_000);
      }
    }
    // Some business logic as an internal span.
    if (random.chance(0.3)) {
      const dur = random.skewed(800_000);
      out.push(
        makeSpan({
          name: random.pick(['render', 'serialize response', 'compute totals', 'validate input']),
          kind: SpanKind.INTERNAL,
          service: svc,
          scope: APP_SCOPE,
          traceId,
          spanId: random.hex(8),
          parent: ctx,
          timing: { start: cursor, end: cursor + dur },
          attributes: {
            'app.items': random.int(0, 50),
            'app.cache_hit': random.chance(0.8),
            'app.score': Math.round(random.next() * 10000) / 100,
            'app.tenant_id': ids.tenant,
            'code.function.name': random.pick(['buildResponse', 'applyDiscounts', 'checkLimits']),
          },
          status: { code: SpanStatusCode.UNSET },
          events: random.chance(0.2) ? [{ name: 'cache.miss', time: hr(baseSec, cursor + dur / 2), attributes: { 'cache.key': `${svc.name}:${random.int(1, 9999)}` } }] : [],
        }),
      );
      cursor += dur;
    }
    const end = cursor + random.skewed(150_000, 0.5);
    const ownFailure = random.chance(0.02);
    const failed = ownFailure || (childFailed && random.chance(0.5));
    const statusCode = failed ? random.pick([500, 502, 503]) : random.chance(0.05) ? random.pick([400, 404, 409]) : 200;
    let status: SpanStatus = { code: SpanStatusCode.UNSET };
    if (failed) {
      const message = random.pick(ERROR_MESSAGES);
      status = { code: SpanStatusCode.ERROR, message };
      events.push(exceptionEvent(end - 10_000, message));
    } else if (depth === 0 && random.chance(0.1)) {
      status = { code: SpanStatusCode.OK };
    }
    out.push(
      makeSpan({
        name: `${method} ${route}`,
        kind: SpanKind.SERVER,
        service: svc,
        scope: HTTP_SCOPE,
        traceId,
        spanId,
        parent,
        timing: { start, end },
        attributes: {
          'http.request.method': method,
          'http.route': route,
          'url.path': route.replace(':id', String(random.int(1, 99999))),
          'url.scheme': 'http',
          'http.response.status_code': statusCode,
          'server.address': `${svc.name}.shop.svc.cluster.local`,
          'server.port': svc.port,
          'client.address': `10.0.${random.int(0, 255)}.${random.int(0, 255)}`,
          'user_agent.original': depth === 0 ? random.pick(USER_AGENTS) : 'undici',
          'enduser.id': ids.user,
          'app.tenant_id': ids.tenant,
          'app.request_bytes': random.int(0, 20000),
        },
        status,
        events,
      }),
    );
    return { end, failed };
  }

  function dbSpan(traceId: string, svc: ServiceSpec, parent: SpanContext, timing: Timing, ids: { tenant: string }): ReadableSpan {
    const db = svc.db ?? 'postgresql';
    const statement = random.pick(SQL_BY_DB[db]);
    const operation = db === 'redis' || db === 'mongodb' ? statement : (statement.split(' ')[0] ?? 'SELECT');
    const collection = db === 'mongodb' ? random.pick(RESOURCE_NOUNS) : undefined;
    const port = { postgresql: 5432, mysql: 3306, redis: 6379, mongodb: 27017 }[db];
    const attributes: Attributes = {
      'db.system.name': db,
      'db.namespace': db === 'redis' ? '0' : `${svc.name.replace('-', '_')}_db`,
      'db.operation.name': operation,
      'db.query.text': db === 'redis' ? `${statement} ${svc.name}:${random.int(1, 99999)}` : statement,
      'server.address': `${svc.name}-${db}.shop.svc.cluster.local`,
      'server.port': port,
      'db.response.returned_rows': random.int(0, 200),
      'app.tenant_id': ids.tenant,
      'db.client.pool.utilization': Math.round(random.next() * 1000) / 1000,
      'network.peer.address': `10.2.${random.int(0, 255)}.${random.int(0, 255)}`,
    };
    if (collection) attributes['db.collection.name'] = collection;
    const failed = random.chance(0.005);
    return makeSpan({
      name: db === 'redis' || db === 'mongodb' ? `${operation}${collection ? ` ${collection}` : ''}` : `${operation} ${svc.name.replace('-', '_')}_db`,
      kind: SpanKind.CLIENT,
      service: svc,
      scope: DB_SCOPES[db],
      traceId,
      spanId: random.hex(8),
      parent,
      timing,
      attributes,
      status: failed ? { code: SpanStatusCode.ERROR, message: 'connection terminated unexpectedly' } : { code: SpanStatusCode.UNSET },
      events: failed ? [exceptionEvent(timing.end, 'connection terminated unexpectedly')] : [],
    });
  }

  const entryServices = services.slice(0, 4);
  return {
    services,
    trace(offsetNs) {
      const out: ReadableSpan[] = [];
      const traceId = random.hex(16);
      const ids = { user: `user-${random.int(1, 200_000)}`, tenant: random.pick(tenants) };
      const entry = random.pick(entryServices);
      serverSpan(out, traceId, entry, undefined, offsetNs, 0, ids);
      return out;
    },
  };
}
