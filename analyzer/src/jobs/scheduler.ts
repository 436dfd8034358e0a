import type { ClickHouseClient } from '@clickhouse/client';
import type { LiveEvents } from '../events/live-events.ts';
import type { Job, JobLog, JobRun } from './job.ts';

export interface SchedulerOptions {
  readonly jobs: readonly Job[];
  readonly client: ClickHouseClient;
  readonly events: LiveEvents;
  readonly log: JobLog;
  /** Pause between the end of one round and the start of the next (PPO_ANALYZE_INTERVAL). */
  readonly intervalMs: number;
  /** Clock, unix ms; tests pin it. */
  readonly now?: () => number;
}

export interface Scheduler {
  /** Starts the periodic rounds (the first one after `intervalMs`). */
  start(): void;
  /**
   * Runs the named jobs (all when absent) now, in registration order, and
   * resolves with their runs. Joins a round already in progress instead of
   * overlapping it: two rounds never run at once.
   */
  runNow(names?: readonly string[]): Promise<JobRun[]>;
  /** The latest run of each job, registration order. */
  lastRuns(): JobRun[];
  readonly jobNames: readonly string[];
  /** Stops scheduling, aborts the running round, waits for it, disposes jobs. */
  stop(): Promise<void>;
}

/**
 * One scheduler for every analysis job. Jobs run one after another (they
 * share the engine with ingest; running them in parallel would only make each
 * slower), a failing job is logged and does not stop the others.
 */
export function createScheduler(opts: SchedulerOptions): Scheduler {
  const now = opts.now ?? Date.now;
  const abort = new AbortController();
  const last = new Map<string, JobRun>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<JobRun[]> | undefined;
  let stopped = false;

  const runRound = async (names: readonly string[] | undefined): Promise<JobRun[]> => {
    const selected = names ? opts.jobs.filter((j) => names.includes(j.name)) : opts.jobs;
    const roundNow = now();
    const runs: JobRun[] = [];
    for (const job of selected) {
      if (abort.signal.aborted) break;
      const started = performance.now();
      const startedAt = new Date(now()).toISOString();
      let run: JobRun;
      try {
        const result = await job.run({ client: opts.client, events: opts.events, log: opts.log, now: roundNow, signal: abort.signal });
        run = { job: job.name, startedAt, durationMs: Math.round(performance.now() - started), ok: true, findings: result.findings, ...(result.detail ? { detail: result.detail } : {}) };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        run = { job: job.name, startedAt, durationMs: Math.round(performance.now() - started), ok: false, findings: 0, error: message };
        if (!abort.signal.aborted) opts.log.error({ err, job: job.name }, 'analysis job failed');
      }
      last.set(job.name, run);
      runs.push(run);
    }
    return runs;
  };

  const runExclusive = (names: readonly string[] | undefined): Promise<JobRun[]> => {
    // runRound never rejects: a job's failure is a failed JobRun.
    const next = (running ?? Promise.resolve([])).then(() => runRound(names));
    running = next;
    void next.finally(() => {
      if (running === next) running = undefined;
    });
    return next;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runExclusive(undefined).finally(schedule);
    }, opts.intervalMs);
    timer.unref();
  };

  return {
    jobNames: opts.jobs.map((j) => j.name),
    start() {
      if (timer === undefined && !stopped) schedule();
    },
    runNow(names) {
      if (stopped) return Promise.reject(new Error('the analyzer is stopping'));
      const unknown = names?.filter((n) => !opts.jobs.some((j) => j.name === n)) ?? [];
      if (unknown.length > 0) return Promise.reject(new Error(`no analysis job named ${unknown.join(', ')}`));
      return runExclusive(names);
    },
    lastRuns() {
      return opts.jobs.flatMap((j) => {
        const run = last.get(j.name);
        return run ? [run] : [];
      });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
      await running?.catch(() => undefined);
      for (const job of opts.jobs) await job.dispose?.();
    },
  };
}
