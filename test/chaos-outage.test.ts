/**
 * ClickHouse unavailable under load (issue #4, point 7). PPO runs as a child
 * process whose INSERTs fail while a control file exists (embedded chDB cannot
 * be stopped on its own). While they fail, the receivers keep acknowledging
 * into the spool, health turns degraded with the reason, and once the small
 * spool is full both receivers refuse with retryable statuses only (gRPC
 * UNAVAILABLE with RetryInfo, HTTP 503 with Retry-After) while memory stays
 * bounded. When the outage ends the backlog drains in append order and every
 * acknowledged span is stored exactly once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { grpcSender, httpSender, type SendOutcome, type TraceSender } from './chaos/otlp-client.ts';
import { killAllChildren, readStoredSpans, startChaosPpo, waitFor, waitForDrain, type ChaosPpo } from './chaos/ppo-child.ts';
import { buildRequest, type ChaosRequest } from './chaos/spans.ts';

const MIB = 1024 * 1024;
const SPOOL_MAX_BYTES = 8 * MIB;
/** chDB alone takes ~300-700 MiB; the spool, queue and caches must not add unbounded amounts on top. */
const RSS_LIMIT_MIB = 1536;

let root: string | undefined;
afterAll(async () => {
  killAllChildren();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Ack {
  request: ChaosRequest;
  /** When the successful attempt was sent and answered. */
  sentAt: number;
  ackedAt: number;
}

type Transport = 'grpc' | 'http';

/** Load generator: workers resend refused requests after a short pause, as an SDK would. */
class Load {
  readonly acks: Ack[] = [];
  readonly refusals: Record<Transport, { count: number; withoutHint: number; samples: Set<string> }> = {
    grpc: { count: 0, withoutHint: 0, samples: new Set() },
    http: { count: 0, withoutHint: 0, samples: new Set() },
  };
  readonly errors: string[] = [];
  private next = 0;
  /** Requests handed out so far (the rest wait until `release` lets more go). */
  private allowed = 0;

  constructor(private readonly requests: readonly ChaosRequest[]) {}

  release(n: number): void {
    this.allowed = Math.min(this.requests.length, this.allowed + n);
  }

  get done(): boolean {
    return this.acks.length === this.requests.length;
  }

  async worker(transport: Transport, sender: TraceSender, until: () => boolean): Promise<void> {
    while (!until()) {
      if (this.next >= this.allowed) {
        await sleep(20);
        continue;
      }
      const request = this.requests[this.next++] as ChaosRequest;
      for (;;) {
        const sentAt = Date.now();
        const outcome: SendOutcome = await sender.send(request.body, 20_000);
        if (outcome.kind === 'ok') {
          if (outcome.rejected > 0) this.errors.push(`${transport}: request ${request.index}: ${outcome.rejected} spans rejected`);
          this.acks.push({ request, sentAt, ackedAt: Date.now() });
          break;
        }
        if (outcome.kind === 'error') {
          this.errors.push(`${transport}: request ${request.index}: ${outcome.status} ${outcome.message}`);
          break;
        }
        const r = this.refusals[transport];
        r.count++;
        if (!outcome.hint) r.withoutHint++;
        if (r.samples.size < 3) r.samples.add(`${outcome.status}: ${outcome.message.slice(0, 160)}`);
        if (until()) return;
        await sleep(150);
      }
    }
  }
}

it('keeps acknowledging into the spool through an outage, refuses only retryably when full, then stores everything once in order', async () => {
  root = await mkdtemp(join(tmpdir(), 'ppo-chaos-outage-'));
  const dataDir = join(root, 'data');
  const outageFile = join(root, 'clickhouse-down');
  const ppo: ChaosPpo = await startChaosPpo({
    dataDir,
    env: {
      PPO_CHAOS_OUTAGE_FILE: outageFile,
      PPO_SPOOL_MAX_BYTES: String(SPOOL_MAX_BYTES),
      PPO_BATCH_MIN_ROWS: '500',
      PPO_BATCH_MAX_DELAY_MS: '20',
      PPO_BATCH_MAX_ROWS: '1000',
      PPO_CHAOS_STOP_MERGES: '1',
    },
  });
  let rssMax = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, ppo.rssMiB() ?? 0)), 100);
  // ~100 spans of ~1.2 KB TSV each per request: the 8 MiB spool holds ~60 requests.
  const requests = Array.from({ length: 240 }, (_, i) => buildRequest({ run: 7, index: i, spans: 100, padBytes: 1000 }));
  const load = new Load(requests);
  const senders: [Transport, TraceSender][] = [
    ['grpc', grpcSender(ppo.ports.otlpGrpc)],
    ['grpc', grpcSender(ppo.ports.otlpGrpc)],
    ['grpc', grpcSender(ppo.ports.otlpGrpc)],
    ['http', httpSender(ppo.ports.otlpHttp)],
  ];
  let stopLoad = false;
  const workers = senders.map(([t, s]) => load.worker(t, s, () => stopLoad || load.done));
  const log = (msg: string): void => console.log(`[chaos-outage] ${msg}`);

  try {
    // 1. Healthy: requests are acknowledged and inserted.
    load.release(20);
    await waitFor('the first 20 requests to be acknowledged', () => (load.acks.length === 20 ? true : undefined), 20_000, 20);
    await waitForDrain(ppo, 20_000);
    expect((await ppo.health()).status).toBe('ok');

    // 2. ClickHouse goes away under load.
    await writeFile(outageFile, '');
    const outageStarted = Date.now();
    load.release(requests.length);
    const degraded = await waitFor(
      'health to report failing inserts',
      async () => {
        const h = await ppo.health();
        return h.status === 'degraded' && h.checks['ingest']?.status === 'degraded' ? h : undefined;
      },
      20_000,
      100,
    );
    expect(degraded.checks['ingest']?.detail).toMatch(/ClickHouse inserts failing.*simulated outage/);
    expect(degraded.checks['clickhouse']?.status).toBe('ok');
    // Both receivers end up refusing, retryably, once the spool is full.
    await waitFor('refusals on both transports', () => (load.refusals.grpc.count > 0 && load.refusals.http.count > 0 ? true : undefined), 30_000, 50);
    const ackedInOutage = load.acks.filter((a) => a.ackedAt > outageStarted).length;
    expect(ackedInOutage, 'requests acknowledged into the spool while inserts failed').toBeGreaterThan(20);
    const full = await ppo.health();
    expect(full.checks['spool']?.status, JSON.stringify(full.checks['spool'])).toBe('degraded');
    await sleep(2000); // keep refusing for a while: memory must not grow
    const m = await ppo.metrics();
    expect(m.get('ppo_spool_bytes')).toBeLessThanOrEqual(SPOOL_MAX_BYTES);
    expect(m.get('ppo_insert_failures_total')).toBeGreaterThan(0);
    expect(m.get('ppo_otlp_requests_refused_total{signal="traces",reason="spool_full"}')).toBeGreaterThan(0);
    // Everything acknowledged since the outage began waits in the spool (plus at
    // most the requests still in flight, whose answers are on their way).
    const backlogInOutage = m.get('ppo_spool_backlog_rows') ?? 0;
    const ackedSinceOutage = (load.acks.length - 20) * 100;
    expect(backlogInOutage).toBeGreaterThanOrEqual(ackedSinceOutage);
    expect(backlogInOutage).toBeLessThanOrEqual(ackedSinceOutage + senders.length * 100);
    log(
      `outage ${((Date.now() - outageStarted) / 1000).toFixed(1)} s: ${ackedInOutage} requests acknowledged into the spool, ` +
        `${backlogInOutage} rows waiting, spool ${((m.get('ppo_spool_bytes') ?? 0) / MIB).toFixed(1)} MiB, ` +
        `refused: grpc ${load.refusals.grpc.count} ${JSON.stringify([...load.refusals.grpc.samples])}, http ${load.refusals.http.count} ${JSON.stringify([...load.refusals.http.samples])}`,
    );

    // 3. ClickHouse is back: the backlog drains and the refused requests get in.
    await rm(outageFile);
    const recovered = Date.now();
    await waitFor('every request to be acknowledged', () => (load.done ? true : undefined), 60_000, 50);
    await waitForDrain(ppo, 60_000);
    log(`recovered: all ${requests.length} requests acknowledged and inserted ${((Date.now() - recovered) / 1000).toFixed(1)} s after the outage ended`);
    const after = await ppo.health();
    expect(after.status, JSON.stringify(after.checks)).toBe('ok');
  } finally {
    stopLoad = true;
    await Promise.all(workers);
    for (const [, s] of senders) s.close();
    clearInterval(rssTimer);
  }
  expect(load.errors, 'non-retryable answers').toEqual([]);
  expect(load.refusals.grpc.withoutHint, 'UNAVAILABLE without RetryInfo').toBe(0);
  expect(load.refusals.http.withoutHint, '503 without Retry-After').toBe(0);
  log(`PPO RSS max ${rssMax.toFixed(0)} MiB (limit ${RSS_LIMIT_MIB})`);
  expect(rssMax).toBeGreaterThan(0);
  expect(rssMax).toBeLessThan(RSS_LIMIT_MIB);
  expect(await ppo.stop()).toEqual({ code: 0, signal: null });

  // Exactly once.
  const stored = await readStoredSpans(dataDir);
  const expected = new Set(requests.flatMap((r) => r.spanIds));
  const missing = [...expected].filter((id) => !stored.has(id));
  const duplicated = [...stored].filter(([, s]) => s.n !== 1).map(([id, s]) => `${id}×${s.n}`);
  const unexpected = [...stored.keys()].filter((id) => !expected.has(id));
  expect(missing.length, `missing, e.g. ${missing.slice(0, 5).join(', ')}`).toBe(0);
  expect(duplicated.length, `duplicated, e.g. ${duplicated.slice(0, 5).join(', ')}`).toBe(0);
  expect(unexpected.length).toBe(0);

  // In order: a request acknowledged before another was sent was appended to
  // the spool first, so it must not be in a later insert block. (A merged
  // part spans a block range, so compare the earlier one's lowest block with
  // the later one's highest.)
  const blocks = new Map<number, { b0: number; b1: number }>();
  for (const r of requests) {
    let b0 = Infinity;
    let b1 = -Infinity;
    for (const id of r.spanIds) {
      const s = stored.get(id);
      if (!s) continue;
      b0 = Math.min(b0, s.b0);
      b1 = Math.max(b1, s.b1);
    }
    blocks.set(r.index, { b0, b1 });
  }
  const byAck = [...load.acks].sort((a, b) => a.ackedAt - b.ackedAt);
  const outOfOrder: string[] = [];
  let highestLowBlock = -Infinity;
  let highestFrom = -1;
  let i = 0;
  for (const later of [...load.acks].sort((a, b) => a.sentAt - b.sentAt)) {
    while (i < byAck.length && (byAck[i] as Ack).ackedAt < later.sentAt) {
      const earlier = byAck[i] as Ack;
      const b0 = blocks.get(earlier.request.index)?.b0 ?? -Infinity;
      if (b0 > highestLowBlock) {
        highestLowBlock = b0;
        highestFrom = earlier.request.index;
      }
      i++;
    }
    const b1 = blocks.get(later.request.index)?.b1 ?? Infinity;
    if (highestLowBlock > b1) outOfOrder.push(`request ${highestFrom} (block ≥ ${highestLowBlock}) was inserted after request ${later.request.index} (block ≤ ${b1})`);
  }
  expect(outOfOrder.slice(0, 5)).toEqual([]);
  const distinctBlocks = new Set([...blocks.values()].map((b) => `${b.b0}-${b.b1}`)).size;
  log(`${stored.size} spans stored once each, in ${distinctBlocks} insert block ranges, in acknowledgement order`);
}, 150_000);
