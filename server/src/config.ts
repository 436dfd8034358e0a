import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** "500ms", "5s", "2m", "1h" or a bare number of seconds → ms, at least `minMs`. */
const durationMs = (fallback: string, minMs: number) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const m = /^(\d+)(ms|s|m|h)?$/.exec(v.trim());
      const ms = m ? Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'] : NaN;
      if (!(ms >= minMs)) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration of at least ${minMs} ms (e.g. 5s, 500ms, 1m)` });
        return z.NEVER;
      }
      return ms;
    });

/** Every PPO_* setting, parsed once at start-up and passed down as a typed object. */
const envSchema = z.object({
  PPO_ROLES: z
    .string()
    .default('collector,analyzer,api')
    .transform((s) => s.split(',').map((r) => r.trim()).filter((r) => r.length > 0))
    .pipe(z.array(z.enum(['collector', 'analyzer', 'api'])).min(1)),
  PPO_DATA_DIR: z.string().min(1).default('./data'),
  CLICKHOUSE_URL: z.url().optional(),
  PPO_CHDB_MAX_MEMORY_BYTES: z.coerce.number().int().min(0).default(0),
  PPO_RETENTION_DAYS: z.coerce.number().int().min(0).default(7),
  PPO_LISTEN_HOST: z.string().min(1).default('0.0.0.0'),
  PPO_OTLP_GRPC_PORT: port.default(4317),
  PPO_OTLP_HTTP_PORT: port.default(4318),
  PPO_API_PORT: port.default(8080),
  PPO_MAX_REQUEST_BYTES: positiveInt.default(64 * 1024 * 1024),
  PPO_BATCH_MAX_ROWS: positiveInt.default(100_000),
  PPO_BATCH_MAX_BYTES: positiveInt.default(64 * 1024 * 1024),
  PPO_BATCH_MIN_ROWS: positiveInt.default(20_000),
  PPO_BATCH_MAX_DELAY_MS: positiveInt.default(1_000),
  PPO_QUEUE_MAX_BYTES: positiveInt.default(64 * 1024 * 1024),
  PPO_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  PPO_SPOOL_FSYNC: z.enum(['always', 'interval']).default('always'),
  PPO_SPOOL_FSYNC_INTERVAL_MS: positiveInt.default(1_000),
  PPO_SPOOL_MAX_BYTES: positiveInt.default(1024 * 1024 * 1024),
  PPO_SPOOL_SEGMENT_BYTES: positiveInt.default(64 * 1024 * 1024),
  PPO_SPOOL_CACHE_BYTES: positiveInt.default(32 * 1024 * 1024),
  PPO_API_KEYS: z
    .string()
    .optional()
    .transform((s) => (s ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 0)),
  PPO_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((s) => (s ?? '').split(',').map((o) => o.trim()).filter((o) => o.length > 0))
    .pipe(z.array(z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin is scheme://host[:port], no path')]))),
  PPO_ANALYZE_INTERVAL: durationMs('60s', 1_000),
  PPO_WEBHOOK_URL: z.url().optional(),
  PPO_STREAM_INGEST_INTERVAL: durationMs('5s', 100),
  PPO_STREAM_HEARTBEAT: durationMs('15s', 100),
  PPO_STREAM_CLIENT_QUEUE: positiveInt.default(256),
  PPO_RECOMMEND_WINDOW: durationMs('1h', 60_000),
  PPO_OUTCOME_WINDOW: durationMs('30m', 60_000),
  PPO_OUTCOME_MIN_WINDOW: durationMs('10m', 60_000),
  PPO_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Role = 'collector' | 'analyzer' | 'api';

export interface PpoConfig {
  roles: ReadonlySet<Role>;
  dataDir: string;
  clickhouseUrl: string | undefined;
  /** Memory cap of the embedded engine; 0 = its default (90 % of RAM). */
  chdbMaxMemoryBytes: number;
  retentionDays: number;
  listenHost: string;
  ports: { otlpGrpc: number; otlpHttp: number; api: number };
  maxRequestBytes: number;
  batch: { maxRows: number; maxBytes: number; minRows: number; maxDelayMs: number };
  /** Request bytes decoded and spooled at once before receivers refuse. */
  queueMaxBytes: number;
  /** On SIGTERM, how long the spool backlog may keep draining into ClickHouse; the rest waits for the next start. */
  shutdownGraceMs: number;
  spool: { fsync: 'always' | 'interval'; fsyncIntervalMs: number; maxBytes: number; segmentBytes: number; cacheBytes: number };
  apiKeys: readonly string[];
  /** Browser origins allowed to call the API (CORS); `*` for any, none when empty. */
  corsOrigins: readonly string[];
  /** Pause between analysis rounds (PPO_ANALYZE_INTERVAL), ms. */
  analyzeIntervalMs: number;
  /** Recommendations: data each run analyzes (PPO_RECOMMEND_WINDOW), and the learning loop's longest / shortest before-after windows (PPO_OUTCOME_WINDOW, PPO_OUTCOME_MIN_WINDOW), ms of data time. */
  recommendations: { windowMs: number; outcomeWindowMs: number; outcomeMinWindowMs: number };
  /** Where alerts are POSTed (PPO_WEBHOOK_URL); none when absent. */
  webhookUrl: string | undefined;
  /** Live stream: ingest-rate event interval, heartbeat interval (ms), events queued per slow client. */
  stream: { ingestIntervalMs: number; heartbeatMs: number; clientQueue: number };
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws ConfigError naming every invalid variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): PpoConfig {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    roles: new Set(e.PPO_ROLES),
    dataDir: e.PPO_DATA_DIR,
    clickhouseUrl: e.CLICKHOUSE_URL,
    chdbMaxMemoryBytes: e.PPO_CHDB_MAX_MEMORY_BYTES,
    retentionDays: e.PPO_RETENTION_DAYS,
    listenHost: e.PPO_LISTEN_HOST,
    ports: { otlpGrpc: e.PPO_OTLP_GRPC_PORT, otlpHttp: e.PPO_OTLP_HTTP_PORT, api: e.PPO_API_PORT },
    maxRequestBytes: e.PPO_MAX_REQUEST_BYTES,
    batch: {
      maxRows: e.PPO_BATCH_MAX_ROWS,
      maxBytes: e.PPO_BATCH_MAX_BYTES,
      minRows: e.PPO_BATCH_MIN_ROWS,
      maxDelayMs: e.PPO_BATCH_MAX_DELAY_MS,
    },
    queueMaxBytes: e.PPO_QUEUE_MAX_BYTES,
    shutdownGraceMs: e.PPO_SHUTDOWN_GRACE_MS,
    spool: {
      fsync: e.PPO_SPOOL_FSYNC,
      fsyncIntervalMs: e.PPO_SPOOL_FSYNC_INTERVAL_MS,
      maxBytes: e.PPO_SPOOL_MAX_BYTES,
      segmentBytes: e.PPO_SPOOL_SEGMENT_BYTES,
      cacheBytes: e.PPO_SPOOL_CACHE_BYTES,
    },
    apiKeys: e.PPO_API_KEYS,
    corsOrigins: e.PPO_CORS_ORIGINS,
    analyzeIntervalMs: e.PPO_ANALYZE_INTERVAL,
    recommendations: { windowMs: e.PPO_RECOMMEND_WINDOW, outcomeWindowMs: e.PPO_OUTCOME_WINDOW, outcomeMinWindowMs: Math.min(e.PPO_OUTCOME_MIN_WINDOW, e.PPO_OUTCOME_WINDOW) },
    webhookUrl: e.PPO_WEBHOOK_URL,
    stream: { ingestIntervalMs: e.PPO_STREAM_INGEST_INTERVAL, heartbeatMs: e.PPO_STREAM_HEARTBEAT, clientQueue: e.PPO_STREAM_CLIENT_QUEUE },
    logLevel: e.PPO_LOG_LEVEL,
  };
}

/** For command-line entry points: the config, or exit 2 with the message naming every invalid variable. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): PpoConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
