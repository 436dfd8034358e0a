import { startOptionsFromEnv } from './config.ts';
import { start } from './start.ts';

// `node --import @ppo/sdk/register app.js`: configured entirely from the environment
// (PPO_ENDPOINT, PPO_SERVICE_NAME, OTEL_*). Top-level await: Node finishes this module —
// instrumentations enabled, ESM loader hook acknowledged — before the app's first import.
await start(startOptionsFromEnv(process.env));
