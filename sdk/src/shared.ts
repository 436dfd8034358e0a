/** Instrumentation scope and meter name of what the SDK itself emits. */
export const SDK_NAME = '@ppo/sdk';
/** Kept equal to sdk/package.json's version (a test checks it). */
export const SDK_VERSION = '0.1.0';

/**
 * Waits for `work` at most `ms`: a PPO that is down must not hold a shutting-down
 * service hostage for the exporters' full retry budget. The timer is unref'd so it
 * never keeps the process alive by itself.
 */
export async function boundedWait(work: Promise<void>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
