/**
 * `GET /api/ppo/stream` against a whole PPO process: real HTTP clients
 * (fetch streaming the body, and a raw node:http client that stops reading),
 * API keys (Bearer or ?access_token=), type filters, heartbeats, ingest rates
 * from real OTLP traffic, an SLO burn from the SLO job reaching both the stream
 * and PPO_WEBHOOK_URL, and bounded buffering for a client that does not read.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpTraces } from '../api/src/testing/api-harness.ts';
import { postOtlp } from './helpers/http.ts';
import { settled, startTestPpo, type TestPpo } from './helpers/start-ppo.ts';

const KEY = 'stream-test-key';
let ppo: TestPpo;
let hook: Server;
const hookBodies: unknown[] = [];
let hookCalls = 0;

interface SseMessage {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

/** Reads SSE messages from a fetch response body as they arrive. */
async function* sse(res: Response): AsyncGenerator<SseMessage> {
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const msg: SseMessage = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) msg.comment = line.slice(1).trim();
          else {
            const i = line.indexOf(':');
            const field = line.slice(0, i);
            const v = line.slice(i + 1).replace(/^ /, '');
            if (field === 'event' || field === 'id' || field === 'data') msg[field] = v;
          }
        }
        yield msg;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** The first message matching `pred` within `ms`. */
async function first(messages: AsyncGenerator<SseMessage>, pred: (m: SseMessage) => boolean, ms = 10_000): Promise<SseMessage> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no matching SSE message in time')), ms).unref());
  // next() by hand: a for-await that returns early would close the generator (and the stream).
  const found = (async () => {
    for (let r = await messages.next(); !r.done; r = await messages.next()) if (pred(r.value)) return r.value;
    throw new Error('stream ended');
  })();
  return Promise.race([found, timeout]);
}

const open = (path: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }, signal?: AbortSignal): Promise<Response> =>
  fetch(`${ppo.apiBase}${path}`, { headers, ...(signal ? { signal } : {}) });

beforeAll(async () => {
  // The webhook receiver fails its first call, then accepts.
  hook = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      hookCalls++;
      if (hookCalls === 1) return void res.writeHead(503).end();
      hookBodies.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  ppo = await startTestPpo({
    PPO_API_KEYS: KEY,
    PPO_STREAM_INGEST_INTERVAL: '200ms',
    PPO_STREAM_HEARTBEAT: '300ms',
    PPO_STREAM_CLIENT_QUEUE: '16',
    PPO_ANALYZE_INTERVAL: '1h', // the test runs the SLO job itself
    PPO_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`,
  });
});

afterAll(async () => {
  await ppo?.stop();
  hook?.closeAllConnections();
  await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
});

describe('live stream auth', () => {
  it('refuses without a key, accepts Bearer, and ?access_token= on the stream only', async () => {
    expect((await open('/stream', {})).status).toBe(401);
    expect((await open('/stream?access_token=wrong', {})).status).toBe(401);
    const ac = new AbortController();
    const bearer = await open('/stream', undefined, ac.signal);
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const token = await open(`/stream?access_token=${KEY}`, {}, ac.signal);
    expect(token.status).toBe(200);
    ac.abort();
    // Other routes keep insisting on the header.
    expect((await open(`/monitors?access_token=${KEY}`, {})).status).toBe(401);
  });

  it('rejects an unknown event type with a 400 problem', async () => {
    const res = await open('/stream?types=anomaly,bogus');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });
});

describe('live stream events', () => {
  it('sends heartbeats and ingest rates of real OTLP traffic', async () => {
    const ac = new AbortController();
    const messages = sse(await open('/stream?types=ingest', undefined, ac.signal));
    expect((await first(messages, (m) => m.comment?.startsWith('heartbeat') === true)).comment).toMatch(/^heartbeat \d{4}-/);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const spans = Array.from({ length: 25 }, (_, i) => ({
      service: 'ingest-probe',
      traceId: (i + 1).toString(16).padStart(32, '0'),
      spanId: (i + 1).toString(16).padStart(16, '0'),
      name: 'GET /',
      kind: 2,
      startNs: nowNs,
      durationNs: 1_000_000n,
    }));
    expect((await postOtlp(ppo.otlpHttpUrl, 'traces', otlpTraces(spans))).status).toBe(200);
    // Events carry per-interval deltas; the request is counted when it arrives and its
    // items when they are spooled, so the two can fall into consecutive intervals.
    let accepted = 0;
    let received = 0;
    const ingest = await first(messages, (m) => {
      if (m.event !== 'ingest') return false;
      const traces = (JSON.parse(m.data ?? '{}') as { data: { signals: Record<string, Record<string, number>> } }).data.signals['traces'];
      accepted += traces?.['accepted'] ?? 0;
      received += traces?.['received_requests'] ?? 0;
      return accepted >= 25 && received >= 1;
    });
    const data = (JSON.parse(ingest.data ?? '{}') as { data: { interval_s: number; signals: Record<string, Record<string, number>> } }).data;
    expect(accepted).toBe(25);
    expect(received).toBe(1);
    expect(data.interval_s).toBeGreaterThan(0.1);
    expect(Number(ingest.id)).toBeGreaterThan(0);
    ac.abort();
  });

  it('delivers only the requested types, and an SLO burn from the job reaches the stream and the webhook', async () => {
    const ac = new AbortController();
    const messages = sse(await open('/stream?types=slo_burn', undefined, ac.signal));
    await first(messages, (m) => m.comment?.startsWith('connected') === true);
    const created = await fetch(`${ppo.apiBase}/monitor-performance`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'payments', objectives: [{ kind: 'availability', target: 0.999 }], window: '30d' }),
    });
    expect(created.status).toBe(201);
    // 40 failed payments in the last minute: every window burns at 1000x.
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const spans = Array.from({ length: 40 }, (_, i) => ({
      service: 'payments',
      traceId: (1000 + i).toString(16).padStart(32, '0'),
      spanId: (1000 + i).toString(16).padStart(16, '0'),
      name: 'POST /pay',
      kind: 2,
      startNs: nowNs - BigInt(i) * 100_000_000n,
      durationNs: 5_000_000n,
      error: true,
    }));
    expect((await postOtlp(ppo.otlpHttpUrl, 'traces', otlpTraces(spans))).status).toBe(200);
    await settled();
    const [run] = (await ppo.ppo.analyzer?.runNow(['slo'])) ?? [];
    expect(run).toMatchObject({ job: 'slo', ok: true, findings: 2 });
    const burn = await first(messages, (m) => m.event === 'slo_burn');
    const event = JSON.parse(burn.data ?? '{}') as { type: string; data: Record<string, unknown> };
    expect(event.type).toBe('slo_burn');
    expect(event.data).toMatchObject({ state: 'firing', service: 'payments', objective: 'availability>=0.999' });
    // The webhook failed once (503) and got both alerts on retry.
    await expect.poll(() => hookBodies.length, { timeout: 10_000 }).toBe(2);
    expect(hookCalls).toBe(3);
    expect(hookBodies[0]).toMatchObject({ type: 'slo_burn', data: { service: 'payments', state: 'firing' } });
    // The filtered stream saw no ingest events in the meantime.
    ac.abort();
  });
});

describe('a client that stops reading', () => {
  it('gets a bounded number of events and a dropped notice; the server never buffers the rest', async () => {
    const url = new URL(`${ppo.apiBase}/stream?types=anomaly`);
    let received = '';
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(url, { headers: { authorization: `Bearer ${KEY}` } }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    res.setEncoding('utf8');
    // Read the greeting, then stop reading: the socket fills and the server stops pulling.
    await new Promise<void>((r) => res.once('data', (chunk: string) => ((received += chunk), r())));
    res.pause();
    const published = 600;
    const payloadBytes = 100_000;
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().external;
    for (let i = 0; i < published; i++) {
      // Distinct 100 KB payloads: 60 MB in all, which a server that buffered per client would have to hold.
      ppo.ppo.events.publish('anomaly', { i, blob: String(i).padEnd(payloadBytes, 'x') });
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    const heapGrowth = process.memoryUsage().heapUsed + process.memoryUsage().external - heapBefore;
    // Resume and read what the server kept for us.
    res.on('data', (chunk: string) => (received += chunk));
    res.resume();
    await expect.poll(() => /event: dropped/.test(received), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => (received.match(/"i":599/g) ?? []).length, { timeout: 10_000 }).toBe(1);
    res.destroy();
    const delivered = (received.match(/^event: anomaly$/gm) ?? []).length;
    const dropped = [...received.matchAll(/event: dropped\ndata: (\{.*\})/g)].reduce((n, m) => n + (JSON.parse(m[1] ?? '{}') as { dropped: number }).dropped, 0);
    // Every event was either delivered or counted as dropped; most were dropped.
    expect(delivered + dropped).toBe(published);
    expect(delivered).toBeLessThan(published / 2);
    expect(dropped).toBeGreaterThan(published / 2);
    // The newest events survive, in order.
    expect(received.lastIndexOf('"i":598')).toBeLessThan(received.lastIndexOf('"i":599'));
    // Memory grew by far less than what was published (60 MB), some of which is still uncollected garbage.
    expect(heapGrowth).toBeLessThan(published * payloadBytes * 0.6);
    console.log(`slow client: published ${published} x ${payloadBytes} B, delivered ${delivered}, dropped ${dropped}, heap+external growth ${(heapGrowth / 1e6).toFixed(1)} MB`);
  });

  it('ends open streams when PPO stops, so stop() returns', async () => {
    const res = await open('/stream');
    const messages = sse(res);
    await first(messages, (m) => m.comment?.startsWith('connected') === true);
    const t0 = performance.now();
    await ppo.stop();
    const stopMs = performance.now() - t0;
    console.log(`stop with an open stream: ${Math.round(stopMs)} ms`);
    expect(stopMs).toBeLessThan(2_000);
    // The stream ended rather than hanging.
    await expect(first(messages, () => false, 5_000)).rejects.toThrow(/stream ended|terminated|aborted/);
  });
});
