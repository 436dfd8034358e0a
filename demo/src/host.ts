// A host process of the demo fleet: runs the systems the supervisor assigns
// (each its own HTTP server and its own telemetry), follows fault and deploy
// messages, and exits when the supervisor says so or goes away (no orphans).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FromHost, ToHost } from './host-protocol.ts';
import { MemoryStore } from './store.ts';
import { SystemServer } from './system-server.ts';
import { createServiceTelemetry, type ServiceTelemetry } from '@ppo/sdk';
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

function telemetryFor(spec: SystemSpec, version: string): ServiceTelemetry {
  const i = init!;
  const t = createServiceTelemetry({
    serviceName: spec.name,
    serviceVersion: version,
    endpoint: i.endpoint,
    metricIntervalMs: i.metricIntervalMs,
    // Event loop, heap, GC, CPU and host metrics under each system's own resource: the
    // figures are the hosting process's, so co-hosted systems report the same values.
    runtimeMetrics: true,
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
    if (process.connected) process.disconnect?.();
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
