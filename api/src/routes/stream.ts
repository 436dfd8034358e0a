/**
 * `GET /api/ppo/stream`: the live event bus as Server-Sent Events.
 *
 * Each event is `id: <n>`, `event: <type>`, `data: {"type","at","data"}`.
 * Comments (`: heartbeat`) keep proxies from closing an idle stream.
 *
 * Slow clients: every client has its own queue of at most `maxQueue` events.
 * The response body is pulled by the HTTP server only as fast as the socket
 * drains (node-server waits for 'drain'), so a client that does not read
 * stops pulling; its queue fills, and then the OLDEST queued event is dropped
 * for each new one. When the client reads again it first gets
 * `event: dropped` with how many events it missed, then the newest events.
 * Memory per client is therefore bounded by the queue plus the socket
 * buffers, whatever the client does; the client is never disconnected for
 * being slow (the dropped notice tells it to re-sync from the REST endpoints).
 *
 * Reconnects: a client sending `Last-Event-ID` gets the events after it that
 * are still in the replay buffer (the last `replay` events), then live ones.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { LiveEvent, LiveEventType } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { parseQuery } from '../validate.ts';

const EVENT_TYPES = ['anomaly', 'slo_burn', 'recommendation', 'outcome', 'ingest', 'root_cause', 'forecast'] as const satisfies readonly LiveEventType[];

export const streamQuery = z
  .object({
    types: z
      .string()
      .optional()
      .transform((s) => (s ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0))
      .pipe(z.array(z.enum(EVENT_TYPES)))
      .describe(`comma-separated event types to receive (${EVENT_TYPES.join(', ')}); all when absent`),
    access_token: z
      .string()
      .optional()
      .describe('an API key, for clients that cannot set Authorization (browser EventSource); accepted on this route only'),
  })
  .strict();

export const streamRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/stream',
    tag: 'stream',
    summary: 'Live findings and ingest rates as Server-Sent Events',
    description:
      'Events: `id: <n>`, `event: anomaly|slo_burn|recommendation|outcome|ingest|root_cause|forecast`, `data: {"type","at","data"}`; ' +
      '`event: dropped` (`data: {"dropped": n}`) when a slow client missed events (its queue is bounded; the oldest are dropped). ' +
      'Heartbeat comments every few seconds. `Last-Event-ID` replays recent events. Auth: `Authorization: Bearer <key>` or `?access_token=<key>`.',
    query: streamQuery,
    response: { description: 'text/event-stream', contentType: 'text/event-stream' },
  },
];

export interface StreamOptions {
  /** Heartbeat comment interval, ms. */
  heartbeatMs?: number;
  /** Events queued per client before the oldest are dropped. */
  maxQueue?: number;
  /** Events kept for Last-Event-ID replay. */
  replay?: number;
}

interface Numbered {
  id: number;
  event: LiveEvent;
}

const encoder = new TextEncoder();

function frame(n: Numbered): string {
  // JSON.stringify never emits a raw newline, so one data: line is enough.
  return `id: ${n.id}\nevent: ${n.event.type}\ndata: ${JSON.stringify(n.event)}\n\n`;
}

/** One connected client: its filter and bounded queue. */
class StreamClient {
  private readonly queue: Numbered[] = [];
  private dropped = 0;
  private wake: (() => void) | undefined;
  private heartbeatDue = false;
  closed = false;

  constructor(
    private readonly types: ReadonlySet<LiveEventType> | undefined,
    private readonly maxQueue: number,
  ) {}

  push(n: Numbered): void {
    if (this.closed || (this.types && !this.types.has(n.event.type))) return;
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(n);
    this.notify();
  }

  heartbeat(): void {
    this.heartbeatDue = true;
    this.notify();
  }

  close(): void {
    this.closed = true;
    this.notify();
  }

  get queued(): number {
    return this.queue.length;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The next chunk to write, waiting until there is one; undefined once closed. */
  async next(): Promise<string | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      if (this.dropped > 0) {
        const n = this.dropped;
        this.dropped = 0;
        return `event: dropped\ndata: ${JSON.stringify({ dropped: n, at: new Date().toISOString() })}\n\n`;
      }
      const head = this.queue.shift();
      if (head) {
        // Everything queued goes out in one write (bounded by maxQueue).
        let out = frame(head);
        for (let more = this.queue.shift(); more; more = this.queue.shift()) out += frame(more);
        this.heartbeatDue = false;
        return out;
      }
      if (this.heartbeatDue) {
        this.heartbeatDue = false;
        return `: heartbeat ${new Date().toISOString()}\n\n`;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** Connected clients and the shared numbering of events, per app. */
export interface StreamHub {
  readonly clients: number;
  /** Sum of the clients' queued events (for tests and metrics). */
  readonly queued: number;
}

export function streamRoutes(deps: ApiDeps, opts: StreamOptions = {}): Hono & { hub: StreamHub } {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxQueue = opts.maxQueue ?? 256;
  const replaySize = opts.replay ?? 256;
  const clients = new Set<StreamClient>();
  const recent: Numbered[] = [];
  let seq = 0;
  // One subscription per app numbers events once for every client.
  deps.events.subscribe((event) => {
    const n = { id: ++seq, event };
    recent.push(n);
    if (recent.length > replaySize) recent.shift();
    for (const c of clients) c.push(n);
  });
  deps.shutdown?.addEventListener('abort', () => {
    for (const c of clients) c.close();
  });

  const app = new Hono();
  app.get('/', (c) => {
    const q = parseQuery(c, streamQuery);
    const client = new StreamClient(q.types.length > 0 ? new Set(q.types) : undefined, maxQueue);
    const lastId = Number(c.req.header('Last-Event-ID') ?? NaN);
    if (Number.isInteger(lastId)) for (const n of recent) if (n.id > lastId) client.push(n);
    clients.add(client);
    const timer = setInterval(() => client.heartbeat(), heartbeatMs);
    timer.unref();
    const cleanup = (): void => {
      clearInterval(timer);
      client.close();
      clients.delete(client);
    };
    let opened = false;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (!opened) {
            opened = true;
            // retry: how long EventSource waits before reconnecting; the comment flushes the headers.
            controller.enqueue(encoder.encode(`retry: 3000\n: connected to PPO live stream\n\n`));
            return;
          }
          const chunk = await client.next();
          if (chunk === undefined) {
            cleanup();
            // Already cancelled when the client went away first.
            try {
              controller.close();
            } catch {
              /* closed */
            }
            return;
          }
          controller.enqueue(encoder.encode(chunk));
        },
        cancel() {
          cleanup();
        },
      },
      // Pull only when the HTTP server asks: nothing is read ahead of the socket.
      { highWaterMark: 0 },
    );
    c.req.raw.signal.addEventListener('abort', cleanup, { once: true });
    return new Response(body, {
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        // The connection ends with the stream (at shutdown or when the client leaves); an idle
        // keep-alive socket left behind would hold server.close() for the keep-alive timeout.
        Connection: 'close',
        // nginx buffers proxied responses unless told not to.
        'X-Accel-Buffering': 'no',
      },
    });
  });
  const hub: StreamHub = {
    get clients() {
      return clients.size;
    },
    get queued() {
      let n = 0;
      for (const c of clients) n += c.queued;
      return n;
    },
  };
  return Object.assign(app, { hub });
}
