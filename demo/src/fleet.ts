import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { startControlApi, type ControlApi } from './control-api.ts';
import { FaultManager } from './fault-manager.ts';
import type { Fault } from './faults.ts';
import type { FromHost, ToHost } from './host-protocol.ts';
import { DEFAULT_LOAD, type LoadOptions, type LoadStats } from './load.ts';
import type { FromLoad, ToLoad } from './load-process.ts';
import { closure, hostGroups, TOPOLOGY, type SystemName, type SystemSpec } from './topology.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');

export interface FleetOptions {
  /** OTLP gRPC endpoint the systems export to, e.g. http://127.0.0.1:4317 */
  endpoint: string;
  /** Where the ground-truth fault log goes: <dataDir>/demo/faults.jsonl */
  dataDir: string;
  /** Run only these systems and everything they call (default: all 22). */
  roots?: readonly SystemName[];
  /** Control API port (0 = any free port); undefined = no control API. */
  controlPort?: number;
  controlHost?: string;
  /** false = no load generator (callers drive traffic themselves). */
  load?: Partial<LoadOptions> | false;
  metricIntervalMs?: number;
  /** How long spans and logs wait in the systems' batch processors before export (OTEL_BSP/BLRP_SCHEDULE_DELAY). */
  exportDelayMs?: number;
  environment?: string;
  log: Logger;
}

interface HostProcess {
  name: string;
  child: ChildProcess;
  systems: SystemSpec[];
  rssBytes: number;
  exited: Promise<void>;
}

export interface SystemStatus {
  name: SystemName;
  tier: string;
  host: string;
  pid: number | undefined;
  version: string;
  url: string | undefined;
  requests: number;
  errors: number;
}

export interface RssReport {
  supervisorBytes: number;
  hosts: Record<string, number>;
  totalBytes: number;
}

export interface Fleet {
  readonly systems: readonly SystemSpec[];
  readonly faults: FaultManager;
  /** The load generator's latest figures (undefined when the fleet runs without one). */
  readonly load: { readonly stats: LoadStats } | undefined;
  readonly control: ControlApi | undefined;
  urlOf(system: SystemName): string | undefined;
  status(): SystemStatus[];
  /** RSS of the supervisor (with PPO when embedded) and of every host process. */
  rss(): RssReport;
  /** Resolves when the named system reports under its new version after a fix. */
  waitForDeploy(system: SystemName, version: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Forks one of the demo's TypeScript entry points with an IPC channel (tsx, as `npm run demo` itself runs). */
function forkTs(entry: string, opts: FleetOptions): ChildProcess {
  return fork(join(HERE, entry), [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      // The OTel default (5 s) would make the demo's first minute look empty; an explicit env setting wins.
      OTEL_BSP_SCHEDULE_DELAY: process.env['OTEL_BSP_SCHEDULE_DELAY'] ?? String(opts.exportDelayMs ?? 1_000),
      OTEL_BLRP_SCHEDULE_DELAY: process.env['OTEL_BLRP_SCHEDULE_DELAY'] ?? String(opts.exportDelayMs ?? 1_000),
    },
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
}

/** RSS of a process from /proc (Linux), falling back to what the host last reported. */
function rssOf(pid: number | undefined, fallback: number): number {
  if (pid === undefined) return fallback;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : fallback;
  } catch {
    return fallback;
  }
}

/**
 * Starts the demo fleet: one child process per host group (each running its
 * systems as HTTP servers), then tells every host where the others listen,
 * then the control API and the load generator. Everything started is stopped
 * again if a later step fails.
 */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const systems = opts.roots ? closure(opts.roots) : [...TOPOLOGY];
  const log = opts.log;
  const versions = new Map<SystemName, string>(systems.map((s) => [s.name, s.version]));
  const urls: Partial<Record<SystemName, string>> = {};
  const stats = new Map<SystemName, { requests: number; errors: number }>();
  const deployWaiters: { system: SystemName; version: string; resolve: () => void }[] = [];
  const hosts: HostProcess[] = [];
  const post = (h: HostProcess, msg: ToHost): void => {
    if (h.child.connected) h.child.send(msg);
  };
  const broadcast = (msg: ToHost): void => hosts.forEach((h) => post(h, msg));
  const hostOf = (system: SystemName): HostProcess | undefined => hosts.find((h) => h.systems.some((s) => s.name === system));

  const faults = new FaultManager({
    truthLogPath: join(resolve(opts.dataDir), 'demo', 'faults.jsonl'),
    versions,
    onChange: (active: readonly Fault[]) => broadcast({ type: 'faults', faults: [...active] }),
    onDeploy: (system, version) => {
      const h = hostOf(system);
      if (h) post(h, { type: 'deploy', system, version });
      log.info({ system, version }, 'fault fixed: system redeployed');
    },
  });

  let control: ControlApi | undefined;
  let load: { stats: LoadStats; child: ChildProcess; exited: Promise<void> } | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await control?.stop();
      if (load) {
        if (load.child.connected) load.child.send({ type: 'stop' } satisfies ToLoad);
        const killer = setTimeout(() => load?.child.kill('SIGKILL'), 10_000);
        await load.exited;
        clearTimeout(killer);
      }
      faults.endAll('shutdown');
      broadcast({ type: 'shutdown' });
      await Promise.all(
        hosts.map(async (h) => {
          const killer = setTimeout(() => h.child.kill('SIGKILL'), 10_000);
          await h.exited;
          clearTimeout(killer);
        }),
      );
    })());

  try {
    const groups = hostGroups(systems);
    const listening: Promise<void>[] = [];
    for (const [name, group] of groups) {
      const child = forkTs('host.ts', opts);
      const exited = exitOf(child);
      const host: HostProcess = { name, child, systems: group, rssBytes: 0, exited };
      hosts.push(host);
      listening.push(
        new Promise<void>((resolveListen, reject) => {
          const timer = setTimeout(() => reject(new Error(`host ${name} did not start within 60 s`)), 60_000);
          child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`host ${name} exited with code ${code} while starting`));
          });
          child.on('message', (msg: FromHost) => {
            switch (msg.type) {
              case 'listening':
                for (const [sys, port] of Object.entries(msg.ports)) urls[sys as SystemName] = `http://127.0.0.1:${port}`;
                clearTimeout(timer);
                resolveListen();
                break;
              case 'stats':
                host.rssBytes = msg.rssBytes;
                for (const [sys, s] of Object.entries(msg.systems)) stats.set(sys as SystemName, s);
                break;
              case 'deployed':
                for (const w of deployWaiters.filter((x) => x.system === msg.system && x.version === msg.version)) {
                  deployWaiters.splice(deployWaiters.indexOf(w), 1);
                  w.resolve();
                }
                break;
              case 'error':
                log.error({ host: name, message: msg.message }, 'host error');
                break;
              case 'stopped':
                break;
            }
          });
        }),
      );
      child.once('exit', (code, signal) => {
        if (!stopping) log.error({ host: name, code, signal }, 'host process exited unexpectedly');
      });
      post(host, {
        type: 'init',
        hostName: name,
        systems: group.map((s) => ({ name: s.name, version: s.version })),
        endpoint: opts.endpoint,
        metricIntervalMs: opts.metricIntervalMs ?? 10_000,
        environment: opts.environment ?? 'demo',
      });
    }
    await Promise.all(listening);
    broadcast({ type: 'directory', urls });
    broadcast({ type: 'faults', faults: [] });
    log.info({ systems: systems.length, hosts: hosts.map((h) => ({ host: h.name, pid: h.child.pid, systems: h.systems.map((s) => s.name) })) }, 'fleet listening');
    if (opts.load !== false) {
      const child = forkTs('load-process.ts', opts);
      const l = { stats: { sent: 0, ok: 0, failed: 0, shed: 0, inFlight: 0, currentRps: 0, bursting: false } as LoadStats, child, exited: exitOf(child) };
      child.on('message', (m: FromLoad) => {
        if (m.type === 'stats') l.stats = m.stats;
      });
      load = l;
      child.send({ type: 'start', options: { ...DEFAULT_LOAD, ...(opts.load ?? {}) }, urls } satisfies ToLoad);
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const fleet: Fleet = {
    systems,
    faults,
    load,
    get control() {
      return control;
    },
    urlOf: (s) => urls[s],
    status: () =>
      systems.map((s) => {
        const h = hostOf(s.name);
        const st = stats.get(s.name);
        return {
          name: s.name,
          tier: s.tier,
          host: s.host,
          pid: h?.child.pid,
          version: versions.get(s.name) ?? s.version,
          url: urls[s.name],
          requests: st?.requests ?? 0,
          errors: st?.errors ?? 0,
        };
      }),
    rss: () => {
      const hostRss: Record<string, number> = {};
      for (const h of hosts) hostRss[h.name] = rssOf(h.child.pid, h.rssBytes);
      if (load) hostRss['loadgen'] = rssOf(load.child.pid, 0);
      const supervisorBytes = process.memoryUsage.rss();
      return { supervisorBytes, hosts: hostRss, totalBytes: supervisorBytes + Object.values(hostRss).reduce((a, b) => a + b, 0) };
    },
    waitForDeploy: (system, version, timeoutMs = 15_000) =>
      new Promise<void>((resolveWait, reject) => {
        const timer = setTimeout(() => reject(new Error(`${system} did not redeploy as ${version} within ${timeoutMs} ms`)), timeoutMs);
        deployWaiters.push({ system, version, resolve: () => (clearTimeout(timer), resolveWait()) });
      }),
    stop,
  };
  if (opts.controlPort !== undefined) {
    try {
      control = await startControlApi(fleet, { port: opts.controlPort, host: opts.controlHost ?? '127.0.0.1', log });
    } catch (err) {
      await stop().catch(() => undefined);
      throw err;
    }
  }
  return fleet;
}
