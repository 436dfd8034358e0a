import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { createScheduler, LiveEvents, startWebhook, type Scheduler } from '@ppo/analyzer';
import { startApi, type ApiServer, type HealthCheck } from '@ppo/api';
import { migrate } from '@ppo/clickhouse-migrations';
import { spoolDir, startCollector, type Collector, type OtelTable } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import type { PpoConfig } from './config.ts';
import { startIngestPublisher } from './ingest-rates.ts';
import { analyzerJobs } from './jobs.ts';

/** A running PPO process: the roles it runs and the ports they listen on. */
export interface Ppo {
  readonly config: PpoConfig;
  readonly storage: Storage;
  readonly collector: Collector | undefined;
  readonly api: ApiServer | undefined;
  /** The analysis jobs' scheduler when this process runs the analyzer role. */
  readonly analyzer: Scheduler | undefined;
  /** Findings as they happen, for the live stream (and tests). */
  readonly events: LiveEvents;
  readonly ports: { otlpGrpc?: number; otlpHttp?: number; api?: number };
  stop(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'ppo' } });
}

/** Hooks for tests that inject faults; never set in production. */
export interface PpoHooks {
  /** Throw to simulate a failing ClickHouse (the drainer retries). */
  beforeInsert?: (table: OtelTable, bytes: number) => void | Promise<void>;
  /** Runs after an INSERT succeeded, before the spool marks it done (e.g. to SIGKILL the process there). */
  afterInsert?: (table: OtelTable, rows: number) => void;
}

const MIB = 1024 * 1024;

function collectorChecks(collector: Collector | undefined): Record<string, HealthCheck> {
  if (!collector) return {};
  const { spool, drainer } = collector;
  const insertError = drainer.insertError;
  const fill = spool.bytes / spool.maxBytes;
  const oldest = drainer.oldestAppendedAt;
  const lag = oldest === undefined ? 0 : Math.round((Date.now() - oldest) / 1000);
  const spoolDetail = `${(spool.bytes / MIB).toFixed(1)} of ${(spool.maxBytes / MIB).toFixed(0)} MiB, ${drainer.backlogRows} rows waiting, oldest ${lag} s`;
  return {
    receivers: { status: 'ok', detail: `otlp grpc :${collector.grpcPort}, otlp http :${collector.httpPort}` },
    spool:
      fill >= 0.9
        ? { status: 'degraded', detail: `nearly full, receivers will refuse soon: ${spoolDetail}` }
        : { status: 'ok', detail: spoolDetail },
    ingest: insertError
      ? { status: 'degraded', detail: `ClickHouse inserts failing, data is kept in the spool and retried: ${insertError}` }
      : { status: 'ok', detail: 'inserting' },
  };
}

/**
 * Starts the configured roles over one storage connection: migrations first
 * (so receivers never write to missing tables), then the collector, then the API.
 * Whatever started is stopped again if a later step fails.
 */
export async function startPpo(config: PpoConfig, log: Logger = createLogger(config.logLevel), hooks: PpoHooks = {}): Promise<Ppo> {
  const dataDir = resolve(config.dataDir);
  const storage = openStorage({ clickhouseUrl: config.clickhouseUrl, dataDir, engineMaxMemoryBytes: config.chdbMaxMemoryBytes });
  let collector: Collector | undefined;
  let api: ApiServer | undefined;
  let analyzer: Scheduler | undefined;
  const events = new LiveEvents((err, event) => log.warn({ err, event: event.type }, 'live event subscriber failed'));
  // Alerts go to PPO_WEBHOOK_URL from the bus, so a slow or failing webhook never holds up a job.
  const webhook = config.webhookUrl ? startWebhook(events, { url: config.webhookUrl, log: log.child({ role: 'webhook' }) }) : undefined;
  let stopIngestRates: (() => void) | undefined;
  const stopAll = async (): Promise<void> => {
    stopIngestRates?.();
    await api?.stop();
    await analyzer?.stop();
    await webhook?.stop();
    await collector?.stop();
    await storage.close();
  };
  try {
    const migrated = await migrate(storage.client, {
      retentionDays: config.retentionDays,
      log: (msg, fields) => log.info(fields ?? {}, msg),
    });
    log.info({ storage: storage.kind, dataDir: storage.kind === 'embedded' ? dataDir : undefined, applied: migrated.applied }, 'storage ready');
    if (config.roles.has('collector')) {
      collector = await startCollector({
        storage,
        log: log.child({ role: 'collector' }),
        host: config.listenHost,
        grpcPort: config.ports.otlpGrpc,
        httpPort: config.ports.otlpHttp,
        maxRequestBytes: config.maxRequestBytes,
        maxInFlightBytes: config.queueMaxBytes,
        shutdownGraceMs: config.shutdownGraceMs,
        batch: config.batch,
        spool: { dir: spoolDir(dataDir), ...config.spool },
        ...(hooks.beforeInsert ? { beforeInsert: hooks.beforeInsert } : {}),
        ...(hooks.afterInsert ? { afterInsert: hooks.afterInsert } : {}),
      });
      stopIngestRates = startIngestPublisher(collector, events, config.stream.ingestIntervalMs);
    }
    if (config.roles.has('analyzer')) {
      analyzer = createScheduler({
        jobs: analyzerJobs(config),
        client: storage.client,
        events,
        log: log.child({ role: 'analyzer' }),
        intervalMs: config.analyzeIntervalMs,
      });
      analyzer.start();
    }
    if (config.roles.has('api')) {
      const apiLog = log.child({ role: 'api' });
      const running = collector;
      api = await startApi(
        {
          storage,
          apiKeys: config.apiKeys,
          checks: async () => collectorChecks(running),
          metricsText: () => running?.metricsText() ?? '',
          log: apiLog,
          corsOrigins: config.corsOrigins,
          events,
          stream: { heartbeatMs: config.stream.heartbeatMs, maxQueue: config.stream.clientQueue },
          ...(analyzer ? { analysis: analyzer } : {}),
        },
        { host: config.listenHost, port: config.ports.api, log: apiLog },
      );
      apiLog.info({ port: api.port }, `API listening on http://localhost:${api.port}/api/ppo`);
    }
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  const ports: Ppo['ports'] = {};
  if (collector) {
    ports.otlpGrpc = collector.grpcPort;
    ports.otlpHttp = collector.httpPort;
  }
  if (api) ports.api = api.port;
  let stopping: Promise<void> | undefined;
  return {
    config,
    storage,
    collector,
    api,
    analyzer,
    events,
    ports,
    stop: () => (stopping ??= stopAll()),
  };
}
