// Entry point of `npm start`: parse config once, start every configured role,
// stop cleanly (flush queued rows, close ClickHouse) on SIGINT/SIGTERM.
import { createLogger, loadConfigOrExit, startPpo } from '@ppo/server';

const config = loadConfigOrExit(process.env);
const log = createLogger(config.logLevel);
const ppo = await startPpo(config, log).catch((err: unknown) => {
  log.fatal({ err }, 'PPO failed to start');
  process.exit(1);
});

let signals = 0;
const shutdown = (signal: string): void => {
  if (++signals > 1) {
    log.warn({ signal }, 'second signal: exiting without waiting');
    process.exit(130);
  }
  log.info({ signal }, 'shutting down: flushing queued rows');
  ppo.stop().then(
    () => {
      log.info('stopped');
      process.exit(0);
    },
    (err: unknown) => {
      log.error({ err }, 'error while stopping');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
