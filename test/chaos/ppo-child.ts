// Parent side of the chaos tests: runs test/chaos/run-ppo.ts as a child
// process (so it can be SIGKILLed like a real crash and restarted on the same
// data dir and ports), reads its /metrics, health and RSS, and reads the
// stored spans back through read-spans.ts once it is stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..', '..');

export interface ChildPorts {
  otlpGrpc: number;
  otlpHttp: number;
  api: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChaosPpo {
  readonly pid: number;
  readonly ports: ChildPorts;
  /** Every JSON line the child printed (PPO's log at the chosen level and the chaos lines). */
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<ChildExit>;
  readonly exit: ChildExit | undefined;
  /** The last lines of stdout and stderr, for failure messages. */
  tail(n?: number): string;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (PPO flushes and closes), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ChildExit>;
  metrics(): Promise<Map<string, number>>;
  health(): Promise<{ status: string; checks: Record<string, { status: string; detail?: string }> }>;
  /** VmRSS of the child in MiB (undefined once it is gone). */
  rssMiB(): number | undefined;
}

const children = new Set<ChildProcess>();

/** SIGKILLs every child still running (for afterAll). */
export function killAllChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}

export interface StartOptions {
  dataDir: string;
  /** PPO_* and PPO_CHAOS_* settings on top of the test defaults. */
  env?: Record<string, string>;
  /** Bind these ports (a restart reuses the first run's ports, so clients reconnect); default any free port. */
  ports?: ChildPorts;
  readyTimeoutMs?: number;
}

/** Prometheus text → `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

export async function startChaosPpo(opts: StartOptions): Promise<ChaosPpo> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'run-ppo.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PPO_DATA_DIR: opts.dataDir,
      PPO_ROLES: 'collector,api',
      PPO_LISTEN_HOST: '127.0.0.1',
      PPO_OTLP_GRPC_PORT: String(opts.ports?.otlpGrpc ?? 0),
      PPO_OTLP_HTTP_PORT: String(opts.ports?.otlpHttp ?? 0),
      PPO_API_PORT: String(opts.ports?.api ?? 0),
      PPO_RETENTION_DAYS: '0',
      PPO_LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn test/chaos/run-ppo.ts');
  children.add(child);
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const keep = (line: string): void => {
    raw.push(line);
    if (raw.length > 200) raw.shift();
  };
  let ready: ((ports: ChildPorts) => void) | undefined;
  const readyPorts = new Promise<ChildPorts>((r) => (ready = r));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line);
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry['chaos'] === 'ready') ready?.(entry['ports'] as ChildPorts);
    } catch {
      // not JSON
    }
  });
  createInterface({ input: child.stderr! }).on('line', keep);
  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((r) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      children.delete(child);
      r(exit);
    }),
  );
  const tail = (n = 40): string => raw.slice(-n).join('\n');
  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const giveUp = new AbortController();
  const outcome = await Promise.race([
    readyPorts,
    exited.then((e) => new Error(`PPO child exited (code ${e.code}, signal ${e.signal}) before it was ready:\n${tail()}`)),
    sleep(timeoutMs, undefined, { signal: giveUp.signal }).then(
      () => new Error(`PPO child was not ready after ${timeoutMs} ms:\n${tail()}`),
      () => new Error('unreachable'),
    ),
  ]);
  giveUp.abort();
  if (outcome instanceof Error) {
    child.kill('SIGKILL');
    throw outcome;
  }
  const ports = outcome;
  const apiBase = `http://127.0.0.1:${ports.api}`;
  return {
    pid,
    ports,
    lines,
    exited,
    get exit() {
      return exit;
    },
    tail,
    kill: (signal) => void child.kill(signal),
    async stop(timeoutMs = 30_000) {
      if (exit) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
    async metrics() {
      const res = await fetch(`${apiBase}/metrics`, { signal: AbortSignal.timeout(5000) });
      return parseMetrics(await res.text());
    },
    async health() {
      const res = await fetch(`${apiBase}/api/ppo/health`, { signal: AbortSignal.timeout(5000) });
      return (await res.json()) as Awaited<ReturnType<ChaosPpo['health']>>;
    },
    rssMiB() {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
        return kib === undefined ? undefined : Number(kib) / 1024;
      } catch {
        return undefined;
      }
    },
  };
}

/** Polls `check` until it returns a value other than undefined. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await sleep(intervalMs);
  }
}

/** Resolves once PPO has nothing acknowledged left to insert (ppo_spool_backlog_rows = 0). */
export async function waitForDrain(ppo: ChaosPpo, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'the spool backlog to drain',
    async () => ((await ppo.metrics()).get('ppo_spool_backlog_rows') === 0 ? true : undefined),
    timeoutMs,
    100,
  );
}

export interface StoredSpan {
  /** Rows with this SpanId. */
  n: number;
  /** Lowest and highest insert block number of the parts holding them. */
  b0: number;
  b1: number;
}

/** Opens a stopped PPO's data dir in a child process and returns each stored SpanId. */
export async function readStoredSpans(dataDir: string): Promise<Map<string, StoredSpan>> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'read-spans.ts'), dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const spans = new Map<string, StoredSpan>();
  let summary: { rows: number; spans: number } | undefined;
  const errors: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const e = JSON.parse(line) as { s?: string; n?: number; b0?: number; b1?: number; summary?: boolean; rows?: number; spans?: number };
    if (e.summary) summary = { rows: e.rows ?? 0, spans: e.spans ?? 0 };
    else if (e.s !== undefined) spans.set(e.s, { n: e.n ?? 0, b0: e.b0 ?? 0, b1: e.b1 ?? 0 });
  });
  createInterface({ input: child.stderr! }).on('line', (l) => errors.push(l));
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  children.delete(child);
  if (code !== 0 || !summary) throw new Error(`read-spans.ts failed (code ${code}):\n${errors.slice(-20).join('\n')}`);
  if (summary.spans !== spans.size) throw new Error(`read-spans.ts printed ${spans.size} spans, its summary says ${summary.spans}`);
  return spans;
}
