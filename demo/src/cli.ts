// Entry point of `npm run demo`: PPO (embedded, the same config as `npm start`)
// plus the demo fleet exporting to it, until Ctrl-C / SIGTERM. With --fault it
// injects into a fleet already running on the control port (or starts one and
// injects once it is up).
import { parseArgs } from 'node:util';
import { createLogger, loadConfigOrExit, startPpo, type Ppo } from '@ppo/server';
import { z } from 'zod';
import { startFleet, type Fleet } from './fleet.ts';
import { faultRequestSchema, parseDuration } from './faults.ts';
import { isSystemName, type SystemName } from './topology.ts';

const { values: args } = parseArgs({
  options: {
    fault: { type: 'string' },
    target: { type: 'string' },
    edge: { type: 'string' },
    duration: { type: 'string' },
    params: { type: 'string' },
    systems: { type: 'string' },
    'peak-rps': { type: 'string' },
    day: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  allowPositionals: false,
});

if (args.help) {
  console.log(`npm run demo [-- options]
  --systems PSO,PUXT      run only these entry systems and what they call (default: all 22)
  --peak-rps 12           load at the compressed day's peak
  --day 10m               length of one compressed day
  --fault <kind> --target <system> [--edge A->B] [--duration 5m] [--params '{"delayMs":400}']
                          inject a fault into the running fleet (or start one and inject)
env: PPO_DEMO_CONTROL_PORT (default 8090) and every PPO_* variable of npm start`);
  process.exit(0);
}

const envSchema = z.object({ PPO_DEMO_CONTROL_PORT: z.coerce.number().int().min(0).max(65535).default(8090) });
const demoEnv = envSchema.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== '')));
if (!demoEnv.success) {
  console.error(`invalid configuration: ${demoEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const controlPort = demoEnv.data.PPO_DEMO_CONTROL_PORT;

function faultBody(): unknown {
  let params: unknown;
  if (args.params !== undefined) {
    try {
      params = JSON.parse(args.params);
    } catch {
      console.error('--params must be a JSON object, e.g. \'{"delayMs":400}\'');
      process.exit(2);
    }
  }
  return {
    kind: args.fault,
    ...(args.target !== undefined ? { target: args.target } : {}),
    ...(args.edge !== undefined ? { edge: args.edge } : {}),
    ...(args.duration !== undefined ? { duration: args.duration } : {}),
    ...(params !== undefined ? { params } : {}),
  };
}

async function postFault(body: unknown): Promise<boolean> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${controlPort}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    return false; // nobody listening: start a fleet
  }
  const text = await res.text();
  console.log(text);
  process.exit(res.ok ? 0 : 1);
}

if (args.fault !== undefined) {
  // Validate locally first so a typo never starts a whole fleet.
  const body = faultBody();
  const parsed = faultRequestSchema.safeParse(body);
  if (!parsed.success) {
    for (const i of parsed.error.issues) console.error(`${i.path.join('.') || 'fault'}: ${i.message}`);
    process.exit(2);
  }
  await postFault(body);
}

const roots: SystemName[] | undefined = args.systems?.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
  if (!isSystemName(s)) {
    console.error(`--systems: unknown system "${s}"`);
    process.exit(2);
  }
  return s;
});
const num = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0)) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
  return n;
};
const peakRps = num(args['peak-rps'], 'peak-rps');
const dayMs = args.day !== undefined ? parseDuration(args.day) : undefined;
if (args.day !== undefined && dayMs === undefined) {
  console.error('--day must be a duration such as 10m');
  process.exit(2);
}

const config = loadConfigOrExit(process.env);
const log = createLogger(config.logLevel);
let ppo: Ppo | undefined;
let fleet: Fleet | undefined;
let signals = 0;
const shutdown = (signal: string): void => {
  if (++signals > 1) {
    log.warn({ signal }, 'second signal: exiting without waiting');
    process.exit(130);
  }
  log.info({ signal }, 'stopping the fleet, then PPO');
  (async () => {
    await fleet?.stop();
    await ppo?.stop();
  })().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, 'error while stopping');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

try {
  ppo = await startPpo(config, log);
  const grpcPort = ppo.ports.otlpGrpc;
  if (grpcPort === undefined) throw new Error('the demo needs the collector role (PPO_ROLES must include collector)');
  fleet = await startFleet({
    endpoint: `http://127.0.0.1:${grpcPort}`,
    dataDir: config.dataDir,
    controlPort,
    log: log.child({ role: 'demo' }),
    ...(roots ? { roots } : {}),
    load: { ...(peakRps !== undefined ? { peakRps } : {}), ...(dayMs !== undefined ? { dayMs } : {}) },
  });
} catch (err) {
  log.fatal({ err }, 'demo failed to start');
  await fleet?.stop().catch(() => undefined);
  await ppo?.stop().catch(() => undefined);
  process.exit(1);
}

const apiUrl = ppo.ports.api !== undefined ? `http://localhost:${ppo.ports.api}/api/ppo` : '(API role not running)';
console.log(`
PPO demo fleet: ${fleet.systems.length} systems in ${new Set(fleet.systems.map((s) => s.host)).size} host processes
  PPO API        ${apiUrl}   (try ${apiUrl}/services and ${apiUrl}/service-map)
  OTLP           grpc :${ppo.ports.otlpGrpc}  http :${ppo.ports.otlpHttp}
  fault control  ${fleet.control?.url}/faults   (npm run demo -- --fault latency --target PDT --duration 5m)
  truth log      ${fleet.faults.truthLogPath}
Ctrl-C stops everything.
`);

if (args.fault !== undefined) {
  const f = fleet.faults.inject(faultRequestSchema.parse(faultBody()));
  console.log(`injected ${f.kind} at ${f.target}${f.edge ? ` on ${f.edge.from}->${f.edge.to}` : ''}: id ${f.id}`);
}

// Memory is part of the demo's contract (<= 1.5 GiB in total): report it.
const rssTimer = setInterval(() => {
  const r = fleet!.rss();
  log.info({ rssMiB: Math.round(r.totalBytes / 2 ** 20), supervisorMiB: Math.round(r.supervisorBytes / 2 ** 20), hostsMiB: Object.fromEntries(Object.entries(r.hosts).map(([k, v]) => [k, Math.round(v / 2 ** 20)])), load: fleet!.load?.stats }, 'fleet status');
}, 60_000);
rssTimer.unref();
