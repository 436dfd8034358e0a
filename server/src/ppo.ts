import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { startApi, type ApiServer, type HealthCheck } from '@ppo/api';
import { migrate } from '@ppo/clickhouse-migrations';
import { startCollector, type Collector } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
import type { PpoConfig } from './config.ts';

/** A running PPO process: the roles it runs and the ports they listen on. */
export interface Ppo {
  readonly config: PpoConfig;
  readonly storage: Storage;
  readonly collector: Collector | undefined;
  readonly api: ApiServer | undefined;
  readonly ports: { otlpGrpc?: number; otlpHttp?: number; api?: number };
  stop(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'ppo' } });
}

function collectorChecks(collector: Collector | undefined): Record<string, HealthCheck> {
  if (!collector) return {};
  const insertError = collector.batcher.insertError;
  return {
    receivers: { status: 'ok', detail: `otlp grpc :${collector.grpcPort}, otlp http :${collector.httpPort}` },
    ingest: insertError
      ? { status: 'degraded', detail: `inserts failing: ${insertError}` }
      : { status: 'ok', detail: `${collector.batcher.bytesQueued} bytes queued` },
  };
}

/**
 * Starts the configured roles over one storage connection: migrations first
 * (so receivers never write to missing tables), then the collector, then the API.
 * Whatever started is stopped again if a later step fails.
 */
export async function startPpo(config: PpoConfig, log: Logger = createLogger(config.logLevel)): Promise<Ppo> {
  const dataDir = resolve(config.dataDir);
  const storage = openStorage({ clickhouseUrl: config.clickhouseUrl, dataDir });
  let collector: Collector | undefined;
  let api: ApiServer | undefined;
  const stopAll = async (): Promise<void> => {
    await api?.stop();
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
        batch: config.batch,
      });
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
    ports,
    stop: () => (stopping ??= stopAll()),
  };
}
