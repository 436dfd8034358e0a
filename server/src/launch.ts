/**
 * How a script starts PPO as its own process exactly as `npm start` does
 * (package.json keeps the same two pieces in its `start` and `demo` lines).
 */

/**
 * Node arguments, relative to the repository root (the child's cwd).
 * A 64 MiB young generation: decoding builds TSV strings and request buffers
 * that die young at tens of MB/s; with V8's default 16 MiB semi-space the
 * scavenger runs constantly and promotes in-flight rows to the old space.
 * Measured (bench:ingest, same machine state): main-thread CPU per span
 * 16.4 → 12.9 µs, GC threads 0.12 → 0.09 cores, end to end 27.3k → 31.5k spans/s,
 * RSS +40 MiB.
 */
export const PPO_NODE_ARGS: readonly string[] = ['--max-semi-space-size=64', '--import', './server/preload.mjs', '--import', 'tsx', 'ppo.ts'];

/**
 * Environment a PPO process needs before its first allocation, so it cannot
 * be set from inside (server/preload.mjs sets what can). glibc raises its
 * mmap threshold each time a large block is freed (up to 32 MiB); after that,
 * the multi-MiB request, TSV and batch buffers come from the main heap, which
 * glibc can only shrink from the top, so the heap keeps its high-water mark
 * (measured under bench:overload: ~200–300 MiB of [heap] with the dynamic
 * threshold, ~110 MiB with it fixed at its default of 128 KiB). A fixed
 * threshold maps every large buffer on its own and unmaps it when freed.
 */
export const PPO_EXEC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/** `env` with PPO_EXEC_ENV filled in where it does not say otherwise. */
export function ppoProcessEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...PPO_EXEC_ENV, ...env };
}
