import type { Logger } from 'pino';
import type { JobRun, LiveEvents } from '@ppo/analyzer';
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
  /** Findings as they happen (anomalies, SLO burns, recommendations, outcomes, ingest rates), for `GET /stream`. */
  events: LiveEvents;
  /** The analyzer's scheduler when this process runs the analyzer role (`POST /optimize` runs it now). */
  analysis?: AnalysisRunner;
  /** `GET /stream` tuning (PPO_STREAM_*): heartbeat interval and per-client queue. */
  stream?: { heartbeatMs?: number; maxQueue?: number };
  /** Aborted when the API server stops, so long-lived responses (the live stream) end and the server can close. */
  shutdown?: AbortSignal;
}

/** The part of the analyzer's scheduler the API drives. */
export interface AnalysisRunner {
  readonly jobNames: readonly string[];
  runNow(names?: readonly string[]): Promise<JobRun[]>;
  lastRuns(): JobRun[];
}
