import type { ClickHouseClient } from '@clickhouse/client';
import type { LiveEvents } from '../events/live-events.ts';

/** What a job may log; a pino logger satisfies it. */
export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Everything a job run gets; jobs import no globals. */
export interface JobContext {
  readonly client: ClickHouseClient;
  readonly events: LiveEvents;
  readonly log: JobLog;
  /** The run's "now", unix ms: every job in one run sees the same instant. */
  readonly now: number;
  /** Aborted when PPO stops; long jobs check it between steps. */
  readonly signal: AbortSignal;
}

/** What a run found, for `POST /api/ppo/optimize` and the logs. */
export interface JobResult {
  /** Findings written (anomalies, forecasts, recommendations, ...). */
  readonly findings: number;
  /** A few job-specific counts worth showing (series scanned, services, ...). */
  readonly detail?: Readonly<Record<string, number | string>>;
}

/** An analysis job (CONVENTIONS.md 8): scheduled by one scheduler, testable without it. */
export interface Job {
  readonly name: string;
  run(ctx: JobContext): Promise<JobResult>;
  dispose?(): Promise<void> | void;
}

/** One finished run of one job. */
export interface JobRun {
  readonly job: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly ok: boolean;
  readonly findings: number;
  readonly detail?: Readonly<Record<string, number | string>>;
  /** Why it failed, when !ok. */
  readonly error?: string;
}
