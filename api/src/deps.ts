import type { Logger } from 'pino';
import type { Storage } from '@ppo/storage';

export type CheckStatus = 'ok' | 'degraded' | 'down';

export interface HealthCheck {
  status: CheckStatus;
  detail?: string;
}

/** What the API needs from the rest of the process; passed in, never imported. */
export interface ApiDeps {
  storage: Storage;
  /** Checks that are not the API's own (receivers, spool, ...), keyed by name. */
  checks: () => Promise<Record<string, HealthCheck>>;
  apiKeys: readonly string[];
  /** Prometheus text for `GET /metrics` (self-observability of the roles in this process). */
  metricsText: () => string;
  /** Request log lines and unexpected errors go here (a pino child logger); silent when absent. */
  log?: Logger;
  /** Origins allowed to call the API from a browser (PPO_CORS_ORIGINS), `*` for any; no CORS headers when empty or absent. */
  corsOrigins?: readonly string[];
}
