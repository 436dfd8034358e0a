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
}
