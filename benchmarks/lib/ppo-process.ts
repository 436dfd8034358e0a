import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { PPO_NODE_ARGS, ppoProcessEnv } from '@ppo/server/launch';

/** Asks the kernel for a free TCP port on 127.0.0.1 (listen(0), read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** One `inserted batch` debug line of PPO's collector. */
export interface InsertLogEntry {
  /** performance.now() of the benchmark process when the line arrived. */
  at: number;
  table: string;
  rows: number;
  bytes: number;
  ms: number;
}

export interface PpoProcessOptions {
  repoRoot: string;
  dataDir: string;
  logLevel: string;
  /** Extra `node` flags, e.g. --cpu-prof. */
  nodeFlags: readonly string[];
  onLogLine?: (line: string) => void;
}

export interface PpoProcess {
  readonly pid: number;
  readonly ports: { grpc: number; http: number; api: number };
  readonly inserts: InsertLogEntry[];
  /** Last lines PPO printed, for diagnostics when it fails. */
  tail(): string[];
  /** Set when PPO exited before `stop` was called: how, and its last log lines. */
  readonly earlyExit: { code: number | null; signal: string | null; atMs: number; lines: string[] } | undefined;
  /** SIGTERM, then wait for exit (SIGKILL after `timeoutMs`); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

const PINO_WARN = 40;

/**
 * Starts PPO as `npm start` does (thread-pool preload, tsx, ppo.ts) as its own process with its own data dir
 * and free ports, and waits until GET /api/ppo/health answers 200. PPO's JSON
 * log is parsed: `inserted batch` debug lines are collected (batch sizes and
 * insert latencies), warnings and errors are passed to `onLogLine`.
 */
export async function startPpoProcess(opts: PpoProcessOptions): Promise<PpoProcess> {
  const ports = { grpc: await freePort(), http: await freePort(), api: await freePort() };
  const child: ChildProcess = spawn(process.execPath, [...opts.nodeFlags, ...PPO_NODE_ARGS], {
    cwd: opts.repoRoot,
    env: {
      ...ppoProcessEnv(),
      PPO_DATA_DIR: opts.dataDir,
      PPO_LISTEN_HOST: '127.0.0.1',
      PPO_OTLP_GRPC_PORT: String(ports.grpc),
      PPO_OTLP_HTTP_PORT: String(ports.http),
      PPO_API_PORT: String(ports.api),
      PPO_RETENTION_DAYS: '0',
      // The benchmark counts rows after PPO exits: let shutdown drain the whole backlog.
      PPO_SHUTDOWN_GRACE_MS: '600000',
      PPO_LOG_LEVEL: opts.logLevel,
      PPO_ROLES: 'collector,api',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn PPO');
  const inserts: InsertLogEntry[] = [];
  const lines: string[] = [];
  const remember = (line: string): void => {
    lines.push(line);
    if (lines.length > 50) lines.shift();
  };
  const onStdout = (line: string): void => {
    remember(line);
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      opts.onLogLine?.(line);
      return;
    }
    if (typeof entry !== 'object' || entry === null) return;
    const e = entry as Record<string, unknown>;
    if (e['msg'] === 'inserted batch') {
      inserts.push({
        at: performance.now(),
        table: String(e['table']),
        rows: Number(e['rows']),
        bytes: Number(e['bytes']),
        ms: Number(e['ms']),
      });
    } else if (typeof e['level'] === 'number' && e['level'] >= PINO_WARN) {
      opts.onLogLine?.(line);
    }
  };
  createInterface({ input: child.stdout! }).on('line', onStdout);
  createInterface({ input: child.stderr! }).on('line', (line) => {
    remember(line);
    opts.onLogLine?.(line);
  });
  let stopRequested = false;
  let earlyExit: PpoProcess['earlyExit'];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopRequested) earlyExit = { code, signal, atMs: performance.now(), lines: [...lines] };
      resolve(code ?? (signal ? 128 : null));
    }),
  );
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));

  const healthUrl = `http://127.0.0.1:${ports.api}/api/ppo/health`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`PPO exited with code ${exitCode} before it was healthy:\n${lines.join('\n')}`);
    }
    try {
      const res = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`PPO was not healthy after 120 s:\n${lines.join('\n')}`);
    }
    await sleep(200);
  }

  return {
    pid,
    ports,
    inserts,
    tail: () => [...lines],
    exited,
    get earlyExit() {
      return earlyExit;
    },
    async stop(timeoutMs = 120_000) {
      stopRequested = true;
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
