import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveEvents } from '../events/live-events.ts';
import { startWebhook, WebhookNotifier } from './webhook.ts';

interface Received {
  at: number;
  body: unknown;
  headers: IncomingMessage['headers'];
}

let server: Server | undefined;

/** A real local HTTP endpoint answering each request with the next status of `statuses` (the last one repeats). */
async function endpoint(statuses: number[], opts: { retryAfter?: string; delayMs?: number } = {}): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ at: Date.now(), body: JSON.parse(text), headers: req.headers });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      const answer = () => {
        if (opts.retryAfter && status !== 200) res.setHeader('retry-after', opts.retryAfter);
        res.writeHead(status).end('{}');
      };
      if (opts.delayMs) setTimeout(answer, opts.delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('webhook', () => {
  it('retries a failing endpoint with growing back-off until it succeeds, without blocking the publisher', async () => {
    const { url, received } = await endpoint([503, 500, 200]);
    const events = new LiveEvents();
    const hook = startWebhook(events, { url, initialBackoffMs: 40, maxBackoffMs: 1_000 });
    const t0 = performance.now();
    events.publish('slo_burn', { state: 'firing', service: 'checkout' });
    events.publish('anomaly', { service: 'checkout' }); // not subscribed by default
    expect(performance.now() - t0).toBeLessThan(20); // publish returned at once
    await hook.notifier.idle();
    expect(received).toHaveLength(3);
    expect(received[2]?.body).toMatchObject({ type: 'slo_burn', data: { state: 'firing', service: 'checkout' } });
    expect(received[2]?.headers['content-type']).toBe('application/json');
    const gaps = received.slice(1).map((r, i) => r.at - (received[i]?.at ?? 0));
    // Equal jitter: attempt n waits between half and all of 40 * 2^(n-1) ms.
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(hook.notifier.stats).toMatchObject({ delivered: 1, retries: 2, failed: 0, dropped: 0 });
    await hook.stop();
  });

  it('gives up after maxAttempts and does not retry a 4xx refusal', async () => {
    const { url, received } = await endpoint([500]);
    const n = new WebhookNotifier({ url, maxAttempts: 3, initialBackoffMs: 5 });
    n.enqueue({ type: 'slo_burn', at: new Date().toISOString(), data: {} });
    await n.idle();
    expect(received).toHaveLength(3);
    expect(n.stats).toMatchObject({ delivered: 0, failed: 1, retries: 2 });
    await n.stop();
  });

  it('a 400 is the receiver refusing the payload: one attempt', async () => {
    const { url, received } = await endpoint([400]);
    const n = new WebhookNotifier({ url, initialBackoffMs: 5 });
    n.enqueue({ type: 'slo_burn', at: new Date().toISOString(), data: {} });
    await n.idle();
    expect(received).toHaveLength(1);
    expect(n.stats.failed).toBe(1);
  });

  it('bounds the queue while the endpoint is slow, dropping the oldest events', async () => {
    const { url, received } = await endpoint([200], { delayMs: 50 });
    const n = new WebhookNotifier({ url, maxQueue: 5 });
    for (let i = 0; i < 50; i++) n.enqueue({ type: 'slo_burn', at: new Date().toISOString(), data: { i } });
    expect(n.stats.queued).toBeLessThanOrEqual(5);
    await n.idle();
    // Delivery starts on the next turn: of the 50 only the newest 5 were kept.
    expect(received.map((r) => (r.body as { data: { i: number } }).data.i)).toEqual([45, 46, 47, 48, 49]);
    expect(n.stats.dropped).toBe(45);
    // While one is in flight (50 ms), a burst again keeps the newest 5 behind it.
    received.length = 0;
    for (let i = 100; i < 102; i++) n.enqueue({ type: 'slo_burn', at: new Date().toISOString(), data: { i } });
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 102; i < 120; i++) n.enqueue({ type: 'slo_burn', at: new Date().toISOString(), data: { i } });
    await n.idle();
    expect(received.map((r) => (r.body as { data: { i: number } }).data.i)).toEqual([100, 115, 116, 117, 118, 119]);
  });

  it('back-off grows exponentially with jitter, is capped, and honours Retry-After', () => {
    const low = new WebhookNotifier({ url: 'http://127.0.0.1:1/', initialBackoffMs: 100, maxBackoffMs: 1_000, random: () => 0 });
    const high = new WebhookNotifier({ url: 'http://127.0.0.1:1/', initialBackoffMs: 100, maxBackoffMs: 1_000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map((a) => low.backoffMs(a))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => high.backoffMs(a))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(low.backoffMs(1, 700)).toBe(700);
    expect(low.backoffMs(1, 5_000)).toBe(1_000);
  });

  it('stop() ends a retry wait at once', async () => {
    const { url } = await endpoint([503]);
    const n = new WebhookNotifier({ url, initialBackoffMs: 60_000 });
    n.enqueue({ type: 'slo_burn', at: new Date().toISOString(), data: {} });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await n.stop();
    expect(performance.now() - t0).toBeLessThan(100);
    expect(n.enqueue({ type: 'slo_burn', at: new Date().toISOString(), data: {} })).toBe(false);
  });
});
