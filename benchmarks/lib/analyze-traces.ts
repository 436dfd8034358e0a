import { spanTsvRow } from '../../analyzer/src/queries/testing/span-tsv.ts';
import type { Random } from './random.ts';

/**
 * Realistic traces for the analysis benchmark, written straight as otel_traces
 * TSV: 20 services behind a frontend and an API gateway, seven entry points,
 * HTTP client/server pairs with network delay, parallel fan-outs, dependent
 * sequential calls (with think time between them, so they are NOT a
 * "could run in parallel" case), database and cache calls with semantic-
 * convention attributes, an async producer → consumer hop, occasional clock
 * skew on one host and a few errors.
 *
 * Anti-patterns are planted at known positions (service + operation of the
 * span that makes the calls), in a fraction of the traces of their entry
 * point; everywhere else the shape avoids them (at most a few distinct
 * statements per span, fan-outs that really overlap, gaps before dependent
 * calls), so a detector that finds them is finding what was planted.
 */

export interface PlantedPattern {
  readonly kind: 'n-plus-one' | 'sequential-calls';
  readonly service: string;
  readonly operation: string;
}

export const PLANTED_PATTERNS: readonly PlantedPattern[] = [
  { kind: 'n-plus-one', service: 'order', operation: 'GET /orders/{id}' },
  { kind: 'n-plus-one', service: 'inventory', operation: 'POST /reserve' },
  { kind: 'sequential-calls', service: 'checkout', operation: 'POST /checkout' },
  { kind: 'sequential-calls', service: 'frontend', operation: 'GET /product/{id}' },
];

/** Share of the traces of a planted pattern's entry point that carry it. */
const PLANT_RATE = 0.4;

const MS = 1_000_000;

/** Builds one trace; times in ns relative to the trace start. */
class TraceWriter {
  private next = 0;
  spans = 0;

  constructor(
    private readonly rnd: Random,
    private readonly traceId: string,
    private readonly baseNs: bigint,
    private readonly out: string[],
    /** Per-service clock offset of this trace (ns), for skewed hosts. */
    private readonly skew: ReadonlyMap<string, number>,
  ) {}

  /** A fresh span id; server spans reserve theirs before their children are laid out. */
  id(): string {
    return this.traceId.slice(0, 8) + (this.next++).toString(16).padStart(8, '0');
  }

  emit(
    spanId: string,
    parent: string,
    service: string,
    name: string,
    kind: string,
    start: number,
    end: number,
    attributes: Record<string, string>,
    error = false,
  ): string {
    const offset = this.skew.get(service) ?? 0;
    this.out.push(
      spanTsvRow({
        traceId: this.traceId,
        spanId,
        parentSpanId: parent,
        service,
        name,
        kind,
        startNs: this.baseNs + BigInt(Math.round(start + offset)),
        durationNs: Math.max(0, Math.round(end - start)),
        status: error ? 'Error' : 'Unset',
        attributes,
      }),
    );
    this.spans++;
    return spanId;
  }

  /** A ms duration around `medianMs` (ns), capped so no statement reads as "slow" by accident. */
  dur(medianMs: number, capMs = medianMs * 6): number {
    return Math.min(capMs, Math.max(0.05, this.rnd.skewed(medianMs, 0.5))) * MS;
  }

  net(): number {
    return (0.1 + this.rnd.next() * 0.4) * MS;
  }

  /**
   * The start of a call that needs `prev`'s answer: think time of at least
   * 2 ms and 15 % of `prev`, more than the "fired back to back" gap of the
   * sequential-calls rule (max(1 ms, 10 % of the shorter call)).
   */
  after(prev: Timed): number {
    return prev.end + Math.max(2 * MS, 0.15 * (prev.end - prev.start)) + this.dur(1);
  }

  /**
   * An HTTP call: client span in the caller, server span in the callee whose
   * body `handler` lays out (given the server span id and the time its work
   * starts, it returns the time the work ends).
   */
  call(parent: string, caller: string, callee: string, method: string, route: string, start: number, handler: (serverId: string, t: number) => number): Timed {
    const clientId = this.id();
    const serverId = this.id();
    const serverStart = start + this.net();
    const serverEnd = handler(serverId, this.middleware(serverId, callee, serverStart)) + this.dur(0.1);
    const end = serverEnd + this.net();
    const failed = this.rnd.chance(0.005);
    const status = failed ? '503' : '200';
    const path = route.replace('{id}', String(this.rnd.int(1, 99999)));
    this.emit(serverId, clientId, callee, `${method} ${route}`, 'Server', serverStart, serverEnd, {
      'http.request.method': method,
      'http.route': route,
      'url.path': path,
      'http.response.status_code': status,
    }, failed);
    this.emit(clientId, parent, caller, `${method} ${route}`, 'Client', start, end, {
      'http.request.method': method,
      'server.address': callee,
      'url.full': `http://${callee}:8080${path}`,
      'http.response.status_code': status,
    }, failed);
    return { start, end };
  }

  /**
   * What HTTP server instrumentation records before the handler runs (as
   * express's: query parsing, init): two short internal spans. Returns when
   * the handler starts.
   */
  middleware(serverId: string, service: string, t: number): number {
    const query = this.work(serverId, service, 'middleware - query', t + 0.01 * MS, 0.03);
    const init = this.work(serverId, service, 'middleware - expressInit', query.end + 0.01 * MS, 0.03);
    return init.end + this.dur(0.05);
  }

  /** A database or cache call of `service`. */
  db(parent: string, service: string, system: string, statement: string, name: string, start: number, medianMs: number): Timed {
    const end = start + this.dur(medianMs, 60);
    this.emit(this.id(), parent, service, name, 'Client', start, end, {
      'db.system': system,
      'db.statement': statement,
      'db.name': service,
      'server.address': `${service}-${system}`,
    });
    return { start, end };
  }

  /** In-process work: an internal span. */
  work(parent: string, service: string, name: string, start: number, medianMs: number, capMs?: number): Timed {
    const end = start + this.dur(medianMs, capMs);
    this.emit(this.id(), parent, service, name, 'Internal', start, end, {});
    return { start, end };
  }

  root(service: string, name: string, method: string, route: string, handler: (rootId: string, t: number) => number): void {
    const rootId = this.id();
    const end = handler(rootId, this.middleware(rootId, service, 0)) + this.dur(0.2);
    this.emit(rootId, '', service, name, 'Server', 0, end, {
      'http.request.method': method,
      'http.route': route,
      'url.path': route.replace('{id}', String(this.rnd.int(1, 99999))),
      'http.response.status_code': '200',
    });
  }
}

interface Timed {
  readonly start: number;
  readonly end: number;
}

const latest = (...calls: Timed[]): Timed => calls.reduce((a, b) => (b.end > a.end ? b : a));

type Entry = (w: TraceWriter, rnd: Random, plant: boolean) => void;

// ---- Service handlers: each lays out a server span's children from `t` and returns when its work ends. ----

function catalogProduct(w: TraceWriter, id: string, t: number): number {
  const cache = w.db(id, 'catalog', 'redis', 'GET product:42', 'GET', t, 0.4);
  return w.db(id, 'catalog', 'postgresql', 'SELECT p.id, p.name, p.price_cents FROM products p WHERE p.id = $1', 'SELECT products', w.after(cache), 3).end;
}

function catalogList(w: TraceWriter, id: string, t: number): number {
  const q = w.db(id, 'catalog', 'postgresql', 'SELECT p.id, p.name FROM products p JOIN categories c ON c.id = p.category_id WHERE c.slug = $1 LIMIT 50', 'SELECT products', t, 6);
  return w.work(id, 'catalog', 'serialize', q.end, 0.8).end;
}

function reviews(w: TraceWriter, id: string, t: number): number {
  return w.db(id, 'review', 'mongodb', '{"find":"reviews","filter":{"product_id":"?"}}', 'find', t, 4).end;
}

function recommendations(w: TraceWriter, id: string, t: number): number {
  const scored = w.work(id, 'recommendation', 'score-candidates', t, 9);
  return w.call(id, 'recommendation', 'catalog', 'GET', '/products', scored.end + 0.2 * MS, (s, st) => catalogList(w, s, st)).end;
}

function ads(w: TraceWriter, id: string, t: number): number {
  const cached = w.db(id, 'ads', 'redis', 'MGET ad:1 ad:2 ad:3', 'MGET', t, 0.5);
  return w.work(id, 'ads', 'rank-ads', cached.end, 2).end;
}

function currency(w: TraceWriter, id: string, t: number): number {
  return w.db(id, 'currency', 'redis', 'HGETALL rates', 'HGETALL', t, 0.6).end;
}

function userById(w: TraceWriter, id: string, t: number): number {
  return w.db(id, 'user', 'postgresql', 'SELECT id, email, name FROM users WHERE id = $1', 'SELECT users', t, 2).end;
}

function authVerify(w: TraceWriter, id: string, t: number): number {
  const session = w.db(id, 'auth', 'redis', 'GET session:abc', 'GET', t, 0.3);
  return w.work(id, 'auth', 'verify-jwt', session.end, 0.6).end;
}

/** Planted N+1 of `order`: one query per order item, back to back. */
function orderById(w: TraceWriter, rnd: Random, id: string, t: number, plant: boolean): number {
  let last = w.db(id, 'order', 'postgresql', 'SELECT id, status, total_cents FROM orders WHERE id = $1', 'SELECT orders', t, 2);
  if (plant) {
    const items = rnd.int(6, 12);
    for (let i = 0; i < items; i++) {
      const sql = `SELECT sku, quantity, price_cents FROM order_items WHERE order_id = ${rnd.int(1, 9_000_000)} AND line = ${i}`;
      last = w.db(id, 'order', 'postgresql', sql, 'SELECT order_items', last.end + 0.05 * MS, 1.5);
    }
  } else {
    last = w.db(id, 'order', 'postgresql', 'SELECT sku, quantity, price_cents FROM order_items WHERE order_id = $1', 'SELECT order_items', w.after(last), 3);
  }
  return w.call(id, 'order', 'user', 'GET', '/users/{id}', w.after(last), (s, st) => userById(w, s, st)).end;
}

/** Planted N+1 of `inventory`: one UPDATE per reserved SKU instead of one batched statement. */
function inventoryReserve(w: TraceWriter, rnd: Random, id: string, t: number, plant: boolean): number {
  if (!plant) return w.db(id, 'inventory', 'mysql', 'UPDATE stock SET quantity = quantity - ? WHERE sku IN (?, ?, ?, ?) AND quantity >= ?', 'UPDATE stock', t, 4).end;
  let end = t;
  const skus = rnd.int(5, 9);
  for (let i = 0; i < skus; i++) {
    const sql = `UPDATE stock SET quantity = quantity - ${rnd.int(1, 5)} WHERE sku = 'SKU-${rnd.int(1, 9999)}' AND quantity >= 1`;
    end = w.db(id, 'inventory', 'mysql', sql, 'UPDATE stock', end + 0.05 * MS, 2).end;
  }
  return end;
}

function inventoryStock(w: TraceWriter, id: string, t: number): number {
  return w.db(id, 'inventory', 'mysql', 'SELECT sku, quantity, warehouse_id FROM stock WHERE sku IN (?, ?, ?, ?)', 'SELECT stock', t, 2.5).end;
}

function pricing(w: TraceWriter, id: string, t: number): number {
  const cached = w.db(id, 'pricing', 'redis', 'GET price:SKU-1', 'GET', t, 0.4);
  return w.work(id, 'pricing', 'apply-promotions', cached.end, 5).end;
}

function fraud(w: TraceWriter, id: string, t: number): number {
  const history = w.db(id, 'fraud-detection', 'mongodb', '{"aggregate":"payments","pipeline":[{"$match":{"user_id":"?"}}]}', 'aggregate', t, 6);
  return w.work(id, 'fraud-detection', 'model-inference', history.end, 12).end;
}

function payment(w: TraceWriter, id: string, t: number): number {
  const psp = w.work(id, 'payment', 'psp-authorize', t, 35, 200);
  return w.db(id, 'payment', 'postgresql', 'INSERT INTO payments (order_id, amount_cents, currency, provider, status) VALUES ($1, $2, $3, $4, $5)', 'INSERT payments', psp.end + 0.1 * MS, 3).end;
}

function shipping(w: TraceWriter, id: string, t: number): number {
  return w.db(id, 'shipping', 'mysql', 'INSERT INTO shipments (order_id, carrier, eta) VALUES (?, ?, ?)', 'INSERT shipments', t, 3).end;
}

/** Publishes and returns; `email` consumes later: a producer → consumer hop, off the critical path. */
function notification(w: TraceWriter, id: string, t: number): number {
  const pubEnd = t + w.dur(0.8);
  const attrs = { 'messaging.system': 'kafka', 'messaging.destination.name': 'notifications' };
  const producer = w.emit(w.id(), id, 'notification', 'notifications publish', 'Producer', t, pubEnd, attrs);
  const consumeStart = pubEnd + w.dur(40);
  const consumer = w.emit(w.id(), producer, 'email', 'notifications process', 'Consumer', consumeStart, consumeStart + w.dur(25, 100), attrs);
  w.work(consumer, 'email', 'render-template', consumeStart + 0.1 * MS, 4);
  return pubEnd;
}

function createOrder(w: TraceWriter, id: string, t: number): number {
  return w.db(id, 'order', 'postgresql', 'INSERT INTO orders (user_id, status, total_cents) VALUES ($1, $2, $3) RETURNING id', 'INSERT orders', t, 3).end;
}

function cartGet(w: TraceWriter, id: string, t: number): number {
  return w.db(id, 'cart', 'redis', 'HGETALL cart:u1', 'HGETALL', t, 0.5).end;
}

function checkoutHandler(w: TraceWriter, rnd: Random, id: string, t: number, plant: boolean): number {
  const auth = w.call(id, 'checkout', 'auth', 'POST', '/verify', t, (s, st) => authVerify(w, s, st));
  let last = w.call(id, 'checkout', 'cart', 'GET', '/cart', w.after(auth), (s, st) => cartGet(w, s, st));
  if (plant) {
    // Planted: three independent calls fired back to back.
    last = w.call(id, 'checkout', 'pricing', 'POST', '/quote', last.end + 0.05 * MS, (s, st) => pricing(w, s, st));
    last = w.call(id, 'checkout', 'fraud-detection', 'POST', '/score', last.end + 0.05 * MS, (s, st) => fraud(w, s, st));
    last = w.call(id, 'checkout', 'currency', 'POST', '/convert', last.end + 0.05 * MS, (s, st) => currency(w, s, st));
  } else {
    // The same calls, issued concurrently.
    const t0 = w.after(last);
    last = latest(
      w.call(id, 'checkout', 'pricing', 'POST', '/quote', t0, (s, st) => pricing(w, s, st)),
      w.call(id, 'checkout', 'fraud-detection', 'POST', '/score', t0 + 0.05 * MS, (s, st) => fraud(w, s, st)),
      w.call(id, 'checkout', 'currency', 'POST', '/convert', t0 + 0.1 * MS, (s, st) => currency(w, s, st)),
    );
  }
  last = w.call(id, 'checkout', 'inventory', 'POST', '/reserve', w.after(last), (s, st) => inventoryReserve(w, rnd, s, st, plant));
  last = w.call(id, 'checkout', 'payment', 'POST', '/charge', w.after(last), (s, st) => payment(w, s, st));
  const t1 = w.after(last);
  return latest(
    w.call(id, 'checkout', 'shipping', 'POST', '/shipments', t1, (s, st) => shipping(w, s, st)),
    w.call(id, 'checkout', 'notification', 'POST', '/notify', t1 + 0.1 * MS, (s, st) => notification(w, s, st)),
    w.call(id, 'checkout', 'order', 'POST', '/orders', t1 + 0.2 * MS, (s, st) => createOrder(w, s, st)),
  ).end;
}

function gateway(w: TraceWriter, id: string, method: string, route: string, callee: string, t: number, handler: (sid: string, st: number) => number): number {
  const limited = w.work(id, 'api-gateway', 'rate-limit', t, 0.2);
  return w.call(id, 'api-gateway', callee, method, route, limited.end + 0.05 * MS, handler).end;
}

const ENTRIES: readonly { weight: number; name: string; entry: Entry }[] = [
  {
    weight: 20,
    name: 'GET /',
    entry: (w) =>
      w.root('frontend', 'GET /', 'GET', '/', (id, t) => {
        const all = latest(
          w.call(id, 'frontend', 'ads', 'GET', '/ads', t, (s, st) => ads(w, s, st)),
          w.call(id, 'frontend', 'recommendation', 'GET', '/recommendations', t + 0.05 * MS, (s, st) => recommendations(w, s, st)),
          w.call(id, 'frontend', 'catalog', 'GET', '/products', t + 0.1 * MS, (s, st) => catalogList(w, s, st)),
        );
        return w.work(id, 'frontend', 'render', all.end, 3).end;
      }),
  },
  {
    weight: 25,
    name: 'GET /product/{id}',
    entry: (w, _rnd, plant) =>
      w.root('frontend', 'GET /product/{id}', 'GET', '/product/{id}', (id, t) => {
        let last: Timed;
        if (plant) {
          // Planted: catalog, reviews and recommendations one after another.
          last = w.call(id, 'frontend', 'catalog', 'GET', '/product/{id}', t, (s, st) => catalogProduct(w, s, st));
          last = w.call(id, 'frontend', 'review', 'GET', '/reviews', last.end + 0.05 * MS, (s, st) => reviews(w, s, st));
          last = w.call(id, 'frontend', 'recommendation', 'GET', '/recommendations', last.end + 0.05 * MS, (s, st) => recommendations(w, s, st));
        } else {
          last = latest(
            w.call(id, 'frontend', 'catalog', 'GET', '/product/{id}', t, (s, st) => catalogProduct(w, s, st)),
            w.call(id, 'frontend', 'review', 'GET', '/reviews', t + 0.05 * MS, (s, st) => reviews(w, s, st)),
            w.call(id, 'frontend', 'recommendation', 'GET', '/recommendations', t + 0.1 * MS, (s, st) => recommendations(w, s, st)),
          );
        }
        last = w.call(id, 'frontend', 'currency', 'GET', '/convert', w.after(last), (s, st) => currency(w, s, st));
        return w.work(id, 'frontend', 'render', last.end, 2.5).end;
      }),
  },
  {
    weight: 10,
    name: 'POST /cart',
    entry: (w) =>
      w.root('frontend', 'POST /cart', 'POST', '/cart', (id, t) =>
        w.call(id, 'frontend', 'api-gateway', 'POST', '/cart', t, (gid, gt) =>
          gateway(w, gid, 'POST', '/cart', 'cart', gt, (cid, ct) => {
            const cart = w.db(cid, 'cart', 'redis', 'HGETALL cart:u1', 'HGETALL', ct, 0.5);
            const t0 = w.after(cart);
            const both = latest(
              w.call(cid, 'cart', 'pricing', 'GET', '/price', t0, (s, st) => pricing(w, s, st)),
              w.call(cid, 'cart', 'inventory', 'GET', '/stock', t0 + 0.05 * MS, (s, st) => inventoryStock(w, s, st)),
            );
            return w.db(cid, 'cart', 'redis', 'HSET cart:u1 sku qty', 'HSET', w.after(both), 0.4).end;
          }),
        ).end,
      ),
  },
  {
    weight: 15,
    name: 'POST /checkout',
    entry: (w, rnd, plant) =>
      w.root('frontend', 'POST /checkout', 'POST', '/checkout', (id, t) =>
        w.call(id, 'frontend', 'api-gateway', 'POST', '/checkout', t, (gid, gt) =>
          gateway(w, gid, 'POST', '/checkout', 'checkout', gt, (cid, ct) => checkoutHandler(w, rnd, cid, ct, plant)),
        ).end,
      ),
  },
  {
    weight: 15,
    name: 'GET /orders/{id}',
    entry: (w, rnd, plant) =>
      w.root('frontend', 'GET /orders/{id}', 'GET', '/orders/{id}', (id, t) =>
        w.call(id, 'frontend', 'api-gateway', 'GET', '/orders/{id}', t, (gid, gt) =>
          gateway(w, gid, 'GET', '/orders/{id}', 'order', gt, (oid, ot) => orderById(w, rnd, oid, ot, plant)),
        ).end,
      ),
  },
  {
    weight: 10,
    name: 'GET /search',
    entry: (w) =>
      w.root('frontend', 'GET /search', 'GET', '/search', (id, t) => {
        const found = w.call(id, 'frontend', 'search', 'GET', '/search', t, (sid, st) => {
          const q = w.db(sid, 'search', 'mongodb', '{"find":"products","filter":{"$text":"?"}}', 'find', st, 8);
          return w.work(sid, 'search', 'rerank', q.end, 3).end;
        });
        const t0 = w.after(found);
        const both = latest(
          w.call(id, 'frontend', 'ads', 'GET', '/ads', t0, (s, st) => ads(w, s, st)),
          w.call(id, 'frontend', 'catalog', 'GET', '/products', t0 + 0.05 * MS, (s, st) => catalogList(w, s, st)),
        );
        return w.work(id, 'frontend', 'render', both.end, 2).end;
      }),
  },
  {
    weight: 5,
    name: 'POST /login',
    entry: (w) =>
      w.root('frontend', 'POST /login', 'POST', '/login', (id, t) =>
        w.call(id, 'frontend', 'auth', 'POST', '/login', t, (aid, at) => {
          const user = w.call(aid, 'auth', 'user', 'GET', '/users/{id}', at, (s, st) => userById(w, s, st));
          const hash = w.work(aid, 'auth', 'bcrypt-verify', w.after(user), 40, 120);
          return w.db(aid, 'auth', 'redis', 'SET session:abc', 'SET', hash.end + 0.1 * MS, 0.3).end;
        }).end,
      ),
  },
];

const TOTAL_WEIGHT = ENTRIES.reduce((s, e) => s + e.weight, 0);

export interface GeneratedChunk {
  readonly tsv: Buffer;
  readonly spans: number;
  readonly traces: number;
  /** Traces carrying each planted pattern, by `PLANTED_PATTERNS` index. */
  readonly planted: readonly number[];
}

/**
 * Generates traces `first .. first + count - 1`, trace i starting at
 * `startNs + i * spacingNs` (plus jitter), as one TSV buffer.
 */
export function generateChunk(rnd: Random, first: number, count: number, startNs: bigint, spacingNs: bigint): GeneratedChunk {
  const out: string[] = [];
  let spans = 0;
  const planted = PLANTED_PATTERNS.map(() => 0);
  for (let i = first; i < first + count; i++) {
    const traceId = rnd.hex(16);
    const base = startNs + BigInt(i) * spacingNs + BigInt(rnd.int(0, Number(spacingNs) - 1));
    // One host in 30 traces runs a few ms behind (clock skew: its spans start before their parents).
    const skew = new Map<string, number>();
    if (rnd.chance(1 / 30)) skew.set('recommendation', -(1 + rnd.next() * 3) * MS);
    const w = new TraceWriter(rnd, traceId, base, out, skew);
    let pick = rnd.next() * TOTAL_WEIGHT;
    let entry = ENTRIES[0] as (typeof ENTRIES)[number];
    for (const e of ENTRIES) {
      pick -= e.weight;
      if (pick < 0) {
        entry = e;
        break;
      }
    }
    const plant = rnd.chance(PLANT_RATE);
    entry.entry(w, rnd, plant);
    if (plant) {
      PLANTED_PATTERNS.forEach((p, k) => {
        const carries =
          (entry.name === 'GET /orders/{id}' && p.service === 'order') ||
          (entry.name === 'POST /checkout' && (p.service === 'inventory' || p.service === 'checkout')) ||
          (entry.name === 'GET /product/{id}' && p.service === 'frontend');
        if (carries) planted[k] = (planted[k] as number) + 1;
      });
    }
    spans += w.spans;
  }
  return { tsv: Buffer.from(out.join('')), spans, traces: count, planted };
}
