// A host process of the demo fleet: runs the systems the supervisor assigns
// (each its own HTTP server and its own telemetry), follows fault and deploy
// messages, and exits when the supervisor says so or goes away (no orphans).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FromHost, ToHost } from './host-protocol.ts';
import { MemoryStore } from './store.ts';
import { SystemServer } from './system-server.ts';
import { createServiceTelemetry, type ServiceTelemetry } from './telemetry.ts';
import { systemSpec, type SystemName, type SystemSpec } from './topology.ts';

const send = (msg: FromHost): void => {
  if (process.connected) process.send?.(msg);
};

if (!process.send) {
  console.error('host.ts is started by the demo supervisor (fork with an IPC channel)');
  process.exit(2);
}

let init: Extract<ToHost, { type: 'init' }> | undefined;
let urls: Partial<Record<SystemName, string>> = {};
const servers = new Map<SystemName, SystemServer>();
const store = new MemoryStore();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let lastCpu = process.cpuUsage();
let lastCpuAt = performance.now();
let cpuUtilization = 0;
// Sampled once a second so every system's gauge reads the same host figure.
const cpuTimer = setInterval(() => {
  const now = performance.now();
  const cpu = process.cpuUsage(lastCpu);
  cpuUtilization = (cpu.user + cpu.system) / 1000 / Math.max(1, now - lastCpuAt);
  lastCpu = process.cpuUsage();
  lastCpuAt = now;
}, 1000);
cpuTimer.unref();

function telemetryFor(spec: SystemSpec, version: string): ServiceTelemetry {
  const i = init!;
  const t = createServiceTelemetry({
    serviceName: spec.name,
    serviceVersion: version,
    endpoint: i.endpoint,
    metricIntervalMs: i.metricIntervalMs,
    resourceAttributes: {
      'service.namespace': 'progressive-systems',
      // A new instance per deploy, as a rolling restart would give.
      'service.instance.id': `${spec.name.toLowerCase()}-${randomUUID()}`,
      'deployment.environment.name': i.environment,
      'host.name': hostname(),
      'process.pid': process.pid,
      'demo.host': i.hostName,
      'demo.tier': spec.tier,
    },
  });
  // Runtime metrics of the process hosting the system (shared by its co-hosted systems).
  const m = t.meter;
  m.createObservableGauge('process.memory.usage', { unit: 'By', description: 'Resident set size of the hosting process' }).addCallback((r) => r.observe(process.memoryUsage.rss()));
  m.createObservableGauge('v8js.memory.heap.used', { unit: 'By', description: 'V8 heap in use' }).addCallback((r) => r.observe(process.memoryUsage().heapUsed));
  m.createObservableGauge('process.cpu.utilization', { unit: '1', description: 'CPU time over wall time of the hosting process' }).addCallback((r) => r.observe(cpuUtilization));
  m.createObservableGauge('nodejs.eventloop.delay.p99', { unit: 's', description: 'Event loop delay, p99 since the last read' }).addCallback((r) => {
    r.observe(loopDelay.percentile(99) / 1e9);
  });
  m.createObservableGauge('nodejs.eventloop.delay.mean', { unit: 's', description: 'Event loop delay, mean since the last read' }).addCallback((r) => {
    r.observe(Number.isFinite(loopDelay.mean) ? loopDelay.mean / 1e9 : 0);
    loopDelay.reset();
  });
  return t;
}

async function start(msg: Extract<ToHost, { type: 'init' }>): Promise<void> {
  init = msg;
  const ports: Partial<Record<SystemName, number>> = {};
  for (const { name, version } of msg.systems) {
    // A copy: a deploy changes this process's version of the spec only.
    const spec: SystemSpec = { ...systemSpec(name), version };
    const server = new SystemServer({ spec, store, urlOf: (s) => urls[s], telemetry: telemetryFor(spec, version) });
    ports[name] = await server.listen();
    servers.set(name, server);
  }
  send({ type: 'listening', ports });
}

let stopping: Promise<void> | undefined;
async function stop(): Promise<void> {
  stopping ??= (async () => {
    await Promise.allSettled([...servers.values()].map((s) => s.close()));
    send({ type: 'stopped' });
    process.disconnect?.();
    process.exit(0);
  })();
  return stopping;
}

const statsTimer = setInterval(() => {
  const systems: Partial<Record<SystemName, { requests: number; errors: number }>> = {};
  for (const [name, s] of servers) systems[name] = { requests: s.stats.requests, errors: s.stats.errors };
  const mem = process.memoryUsage();
  send({ type: 'stats', rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, systems });
}, 2000);
statsTimer.unref();

process.on('message', (raw: ToHost) => {
  switch (raw.type) {
    case 'init':
      start(raw).catch((err: unknown) => {
        send({ type: 'error', message: String(err) });
        process.exit(1);
      });
      break;
    case 'directory':
      urls = raw.urls;
      break;
    case 'faults':
      for (const s of servers.values()) s.setFaults(raw.faults);
      break;
    case 'deploy': {
      const server = servers.get(raw.system);
      if (!server) break;
      server
        .redeploy(telemetryFor(server.spec, raw.version), raw.version)
        .then(() => send({ type: 'deployed', system: raw.system, version: raw.version }))
        .catch((err: unknown) => send({ type: 'error', message: `redeploy ${raw.system}: ${String(err)}` }));
      break;
    }
    case 'shutdown':
      void stop();
      break;
  }
});
// The supervisor died or closed the channel: leave too, never linger as an orphan.
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
