/** Instrumentation scope and meter name of what the SDK itself emits. */
export const SDK_NAME = '@ppo/sdk';
/** Kept equal to sdk/package.json's version (a test checks it). */
export const SDK_VERSION = '0.1.0';

/** How long a shutdown may wait for exports before the process is let go. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Waits for `work` at most `ms`, and never rejects: a PPO that is down must neither hold a
 * shutting-down service hostage for the exporters' full retry budget nor crash it with an
 * export error (shutdown also runs unattended, from signal and beforeExit handlers). The
 * timer is unref'd so it never keeps the process alive by itself.
 */
export async function boundedWait(work: Promise<void>, ms: number): Promise<'done' | 'timeout' | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => 'done' as const, (error: unknown) => ({ error })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One line for the diag log about a flush or shutdown that did not export everything. */
export function describeShutdown(
  outcome: 'done' | 'timeout' | { error: unknown },
  timeoutMs: number,
  action: 'shutdown' | 'flush' = 'shutdown',
): string | undefined {
  if (outcome === 'done') return undefined;
  if (outcome === 'timeout') return `@ppo/sdk: exports did not finish within ${timeoutMs} ms of ${action}; the rest is dropped`;
  const err = outcome.error;
  return `@ppo/sdk: an export failed during ${action}, its data is lost: ${err instanceof Error ? err.message : String(err)}`;
}
