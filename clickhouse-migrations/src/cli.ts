import { pino } from 'pino';
import { z } from 'zod';
import { openStorage } from '@ppo/storage';
import { migrate } from './migrate.ts';

// An exported-but-empty variable (CLICKHOUSE_URL=) means "not set", as in a shell.
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

const Env = z.object({
  PPO_DATA_DIR: z.preprocess(unsetIfEmpty, z.string().default('./data')),
  CLICKHOUSE_URL: z.preprocess(unsetIfEmpty, z.url().optional()),
  PPO_RETENTION_DAYS: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).default(7)),
});

const logger = pino({ name: 'ppo-migrate' });

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    logger.error({ issues: z.flattenError(parsed.error).fieldErrors }, 'invalid environment');
    process.exitCode = 2;
    return;
  }
  const env = parsed.data;
  const storage = openStorage({ dataDir: env.PPO_DATA_DIR, clickhouseUrl: env.CLICKHOUSE_URL });
  try {
    logger.info(
      { storage: storage.kind, dataDir: storage.kind === 'embedded' ? env.PPO_DATA_DIR : undefined, retentionDays: env.PPO_RETENTION_DAYS },
      'migrating',
    );
    const result = await migrate(storage.client, {
      retentionDays: env.PPO_RETENTION_DAYS,
      log: (msg, fields) => logger.info(fields ?? {}, msg),
    });
    logger.info({ applied: result.applied, skipped: result.skipped.length }, result.applied.length ? 'migrations applied' : 'schema already up to date');
  } catch (err) {
    logger.error({ err }, 'migration failed');
    process.exitCode = 1;
  } finally {
    await storage.close();
  }
}

await main();
