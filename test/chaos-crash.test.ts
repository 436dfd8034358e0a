/**
 * Crash safety of the ingest path (issue #4, points 2 and 4): PPO runs as a
 * child process and is SIGKILLed — at a chosen point between an INSERT and the
 * spool recording it, or at a random moment under load from the real OTel JS
 * gRPC exporter — then restarted on the same data dir. Every span a client saw
 * acknowledged must end up in otel_traces exactly once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ExportResultCode, setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Random } from '../benchmarks/lib/random.ts';
import { grpcSender } from './chaos/otlp-client.ts';
import { killAllChildren, readStoredSpans, startChaosPpo, waitFor, waitForDrain, type ChaosPpo, type StoredSpan } from './chaos/ppo-child.ts';
import { buildRequest } from './chaos/spans.ts';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ppo-chaos-crash-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  killAllChildren();
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
});

/** The "replaying" line PPO logs on start-up when the spool holds work from before the crash. */
function replayLine(ppo: ChaosPpo): { records: number; interruptedInserts: number } | undefined {
  const line = ppo.lines.find((l) => l['msg'] === 'spool: replaying records not yet inserted');
  return line ? { records: Number(line['records']), interruptedInserts: Number(line['interruptedInserts']) } : undefined;
}

interface Tally {
  missing: string[];
  duplicated: string[];
  unexpected: string[];
}

/** Compares what ClickHouse holds with what was acknowledged (and what may legitimately be there besides). */
function tally(stored: Map<string, StoredSpan>, acked: ReadonlySet<string>, mayBeStored: ReadonlySet<string> = new Set()): Tally {
  const t: Tally = { missing: [], duplicated: [], unexpected: [] };
  for (const id of acked) if (!stored.has(id)) t.missing.push(id);
  for (const [id, s] of stored) {
    if (s.n > 1) t.duplicated.push(`${id}×${s.n}`);
    if (!acked.has(id) && !mayBeStored.has(id)) t.unexpected.push(id);
  }
  return t;
}

describe('SIGKILL at a chosen point of an insert, then restart on the same data dir', () => {
  const small = { requests: 30, spans: 50, padBytes: 0, days: 1, batch: { PPO_BATCH_MAX_ROWS: '200' } };
  const cases = [
    {
      name: 'after ClickHouse confirmed the INSERT, before the spool marked it done: the redo is deduplicated by its token',
      kill: { PPO_CHAOS_KILL_AFTER_INSERTS: '3' },
      at: 'after-insert',
      ...small,
    },
    {
      name: 'after the insert intent was logged, before ClickHouse saw the INSERT: the redo lands once',
      kill: { PPO_CHAOS_KILL_BEFORE_INSERT: '3' },
      at: 'before-insert',
      ...small,
    },
    {
      // ~50 MB of TSV: several parsing chunks, and rows of three days (three
      // partitions, so three blocks whose dedup ids all derive from the token).
      name: 'after a ~50 MB INSERT spanning three daily partitions was confirmed: the redo is deduplicated as a whole',
      kill: { PPO_CHAOS_KILL_AFTER_INSERTS: '2' },
      at: 'after-insert',
      requests: 120,
      spans: 500,
      padBytes: 600,
      days: 3,
      batch: {},
    },
  ] as const;

  for (const c of cases) {
    it(c.name, async () => {
      const root = await tempDir();
      const dataDir = join(root, 'data');
      const holdFile = join(root, 'hold-inserts');
      // Inserts wait until every request is acknowledged, so the acked set is
      // exactly what was sent and the kill hits a known insert (the first
      // insert takes what was there when the drainer first woke, the next
      // ones the rest in batches).
      await writeFile(holdFile, '');
      const env = {
        ...c.kill,
        ...c.batch,
        PPO_CHAOS_HOLD_FILE: holdFile,
        PPO_BATCH_MIN_ROWS: '1',
        PPO_BATCH_MAX_DELAY_MS: '10',
      };
      const first = await startChaosPpo({ dataDir, env });
      const sender = grpcSender(first.ports.otlpGrpc);
      const acked = new Set<string>();
      const now = Date.now();
      const requests = Array.from({ length: c.requests }, (_, i) =>
        buildRequest({ run: 1, index: i, spans: c.spans, padBytes: c.padBytes, atMs: now - (i % c.days) * 86_400_000 }),
      );
      try {
        for (let i = 0; i < requests.length; i += 10) {
          const outcomes = await Promise.all(requests.slice(i, i + 10).map((r) => sender.send(r.body)));
          outcomes.forEach((o, k) => {
            expect(o, `request ${i + k}`).toEqual({ kind: 'ok', rejected: 0 });
            for (const id of (requests[i + k] as (typeof requests)[number]).spanIds) acked.add(id);
          });
        }
      } finally {
        sender.close();
      }
      expect(acked.size).toBe(c.requests * c.spans);

      await rm(holdFile);
      const exit = await Promise.race([first.exited, sleep(60_000).then(() => undefined)]);
      expect(exit, `PPO was not killed by the chaos hook:\n${first.tail()}`).toEqual({ code: null, signal: 'SIGKILL' });
      const kill = first.lines.find((l) => l['chaos'] === 'kill');
      expect(kill?.['at']).toBe(c.at);

      const second = await startChaosPpo({ dataDir, env: { PPO_BATCH_MAX_DELAY_MS: '10' } });
      try {
        // The killed insert is found in the commit log and redone first, with its token.
        expect(replayLine(second), second.tail()).toMatchObject({ interruptedInserts: 1 });
        await waitForDrain(second, 60_000);
      } finally {
        expect(await second.stop()).toEqual({ code: 0, signal: null });
      }

      const stored = await readStoredSpans(dataDir);
      const t = tally(stored, acked);
      expect(t.missing.length, `acknowledged spans missing, e.g. ${t.missing.slice(0, 5).join(', ')}`).toBe(0);
      expect(t.duplicated.length, `spans stored more than once, e.g. ${t.duplicated.slice(0, 5).join(', ')}`).toBe(0);
      expect(t.unexpected.length, `spans stored that were never sent, e.g. ${t.unexpected.slice(0, 5).join(', ')}`).toBe(0);
      expect(stored.size).toBe(acked.size);
    }, 120_000);
  }
});

/** Collects every span the SDK ends, for the test to export by hand. */
class CollectingProcessor implements SpanProcessor {
  ended: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface ExportRecord {
  spanIds: string[];
  startedAt: number;
  endedAt: number;
  ok: boolean;
  error: string | undefined;
}

describe('kill -9 at a random moment under sustained load from the OTel JS gRPC exporter', () => {
  it('stores every span the exporter saw acknowledged exactly once after a restart', async () => {
    const seed = Number(process.env['CHAOS_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    const random = new Random(seed);
    const killAfterMs = 1500 + Math.floor(random.next() * 3000);
    const log = (msg: string): void => console.log(`[chaos-crash seed=${seed}] ${msg}`);
    log(`kill -9 ${killAfterMs} ms after the first acknowledged export (rerun with CHAOS_SEED=${seed})`);
    const sdkErrors: unknown[] = [];
    setGlobalErrorHandler((err) => sdkErrors.push(err));

    const root = await tempDir();
    const dataDir = join(root, 'data');
    const env = { PPO_BATCH_MIN_ROWS: '300', PPO_BATCH_MAX_ROWS: '2000', PPO_BATCH_MAX_DELAY_MS: '20' };
    const first = await startChaosPpo({ dataDir, env });
    const ports = first.ports;

    const processor = new CollectingProcessor();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'chaos-exporter' }),
      spanProcessors: [processor],
    });
    const tracer = provider.getTracer('chaos');
    // The JS gRPC exporter (0.219) does not retry on gRPC errors: an export in
    // flight at the kill, or sent while PPO restarts, fails with UNAVAILABLE and
    // the SDK drops its spans. They were not acknowledged, so they are not
    // asserted; grpc-js reconnects on its own once PPO listens again.
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${ports.otlpGrpc}`, timeoutMillis: 20_000 });
    const exports: ExportRecord[] = [];
    let sending = true;
    let spanNo = 0;
    const exportOnce = (batch: ReadableSpan[]): Promise<ExportRecord> => {
      const rec: ExportRecord = { spanIds: batch.map((s) => s.spanContext().spanId), startedAt: Date.now(), endedAt: 0, ok: false, error: undefined };
      exports.push(rec);
      return new Promise((resolve) =>
        exporter.export(batch, (result) => {
          rec.endedAt = Date.now();
          rec.ok = result.code === ExportResultCode.SUCCESS;
          if (!rec.ok) rec.error = result.error?.message ?? 'failed';
          resolve(rec);
        }),
      );
    };
    const loop = async (): Promise<void> => {
      while (sending) {
        for (let i = 0; i < 100; i++) {
          const span = tracer.startSpan(`op ${spanNo % 7}`, { attributes: { 'chaos.n': spanNo++ } });
          span.end();
        }
        const batch = processor.ended.splice(0);
        const rec = await exportOnce(batch);
        if (!rec.ok) await sleep(200);
      }
    };
    const loops = [loop(), loop(), loop()];

    let second: ChaosPpo | undefined;
    let killedAt = 0;
    try {
      // The random moment counts from the first acknowledged export, so a slow start cannot eat it.
      await waitFor('a first acknowledged export', () => (exports.some((e) => e.ok) ? true : undefined), 30_000, 10);
      await sleep(killAfterMs);
      killedAt = Date.now();
      first.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const ackedBeforeKill = exports.filter((e) => e.ok && e.endedAt <= killedAt).length;
      log(`killed with ${exports.filter((e) => e.startedAt <= killedAt && (e.endedAt === 0 || e.endedAt > killedAt)).length} exports in flight, ${ackedBeforeKill} acknowledged before`);
      expect(ackedBeforeKill).toBeGreaterThan(0);

      second = await startChaosPpo({ dataDir, env, ports });
      const restartedAt = Date.now();
      log(`restarted in ${restartedAt - killedAt} ms: ${JSON.stringify(replayLine(second) ?? 'nothing to replay')}`);
      // Keep the load on until the exporter got through to the new process a few times.
      await waitFor('exports acknowledged by the restarted PPO', () => (exports.filter((e) => e.ok && e.startedAt > restartedAt).length >= 5 ? true : undefined), 45_000, 100);
    } finally {
      sending = false;
      await Promise.all(loops);
      await exporter.shutdown();
      await provider.shutdown();
    }
    await waitForDrain(second, 30_000);
    expect(await second.stop()).toEqual({ code: 0, signal: null });

    const acked = new Set<string>();
    const sent = new Set<string>();
    // An export in flight when PPO died may have reached the spool although its
    // answer was lost. A client that resends it (OTLP is at-least-once; this
    // exporter does not, but grpc-js may replay a call transparently) gets its
    // spans stored twice: that is the client's retry, not PPO's doing, and
    // only those spans may be duplicated.
    const resentAfterKill = new Set<string>();
    for (const e of exports) {
      for (const id of e.spanIds) sent.add(id);
      if (e.ok) for (const id of e.spanIds) acked.add(id);
      if (e.startedAt <= killedAt && e.endedAt > killedAt) for (const id of e.spanIds) resentAfterKill.add(id);
    }
    const stored = await readStoredSpans(dataDir);
    const t = tally(stored, acked, sent);
    const duplicatedByPpo = t.duplicated.filter((d) => !resentAfterKill.has(d.split('×')[0] ?? ''));
    const duplicatedByRetry = t.duplicated.length - duplicatedByPpo.length;
    const inFlightAtKill = exports.filter((e) => e.startedAt <= killedAt && e.endedAt > killedAt);
    const failures = new Map<string, number>();
    for (const e of exports) if (e.error !== undefined) failures.set(e.error, (failures.get(e.error) ?? 0) + 1);
    log(
      `${exports.length} exports, ${acked.size} spans acknowledged, ${stored.size} distinct spans stored; ` +
        `${inFlightAtKill.length} exports in flight at the kill (${inFlightAtKill.filter((e) => e.ok).length} acknowledged after the restart), ` +
        `${duplicatedByRetry} spans stored twice by the exporter's retry; failed exports: ${JSON.stringify([...failures])}`,
    );
    expect(t.missing.length, `seed ${seed}: acknowledged spans missing, e.g. ${t.missing.slice(0, 5).join(', ')}`).toBe(0);
    expect(duplicatedByPpo.length, `seed ${seed}: spans stored more than once, e.g. ${duplicatedByPpo.slice(0, 5).join(', ')}`).toBe(0);
    expect(t.unexpected.length, `seed ${seed}: spans stored that were never sent`).toBe(0);
    for (const d of t.duplicated) expect(Number(d.split('×')[1]), `seed ${seed}: ${d}`).toBeLessThanOrEqual(2);
  }, 150_000);
});
