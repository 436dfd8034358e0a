// PPO as a child process for the chaos tests, with faults chosen through the
// environment (on top of the usual PPO_* settings):
//
//   PPO_CHAOS_KILL_AFTER_INSERTS=N   SIGKILL this process right after the Nth
//                                    successful INSERT, before the spool records
//                                    it as done (crash between insert and truncate)
//   PPO_CHAOS_KILL_BEFORE_INSERT=N   SIGKILL when the Nth INSERT is about to run
//                                    (its intent is logged, ClickHouse has nothing)
//   PPO_CHAOS_OUTAGE_FILE=path       while this file exists every INSERT fails,
//                                    as if ClickHouse were down
//   PPO_CHAOS_HOLD_FILE=path         while this file exists INSERTs wait (no
//                                    failure): lets a test fill the spool first
//   PPO_CHAOS_STOP_MERGES=1          SYSTEM STOP MERGES on otel_traces, so every
//                                    INSERT stays its own part and the part names
//                                    give the insert order (block numbers)
//
// Once listening it prints one line `{"chaos":"ready","ports":{...}}` so the
// parent learns the ports it bound (port 0 = any free port).
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, loadConfig, startPpo, type PpoHooks } from '@ppo/server';

const env = process.env;
const count = (name: string): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1, got ${raw}`);
  return n;
};
const killAfterInserts = count('PPO_CHAOS_KILL_AFTER_INSERTS');
const killBeforeInsert = count('PPO_CHAOS_KILL_BEFORE_INSERT');
const outageFile = env['PPO_CHAOS_OUTAGE_FILE'] || undefined;
const holdFile = env['PPO_CHAOS_HOLD_FILE'] || undefined;
const stopMerges = env['PPO_CHAOS_STOP_MERGES'] === '1';

const config = loadConfig(env);
const log = createLogger(config.logLevel);

/** The chaos lines go to stdout as JSON, like PPO's own log, but always (whatever the log level). */
const say = (fields: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(fields) + '\n');
};

let attempts = 0;
let inserted = 0;
const hooks: PpoHooks = {
  async beforeInsert(table, bytes) {
    while (holdFile !== undefined && existsSync(holdFile)) await sleep(20);
    attempts++;
    if (killBeforeInsert !== undefined && attempts === killBeforeInsert) {
      say({ chaos: 'kill', at: 'before-insert', insert: attempts, table, bytes });
      process.kill(process.pid, 'SIGKILL');
    }
    if (outageFile !== undefined && existsSync(outageFile)) {
      throw new Error('chaos: ClickHouse unavailable (simulated outage)');
    }
  },
  afterInsert(table, rows) {
    inserted++;
    if (killAfterInserts !== undefined && inserted === killAfterInserts) {
      say({ chaos: 'kill', at: 'after-insert', insert: inserted, table, rows });
      process.kill(process.pid, 'SIGKILL');
    }
  },
};

const ppo = await startPpo(config, log, hooks);
if (stopMerges) await ppo.storage.client.command({ query: 'SYSTEM STOP MERGES otel_traces' });
say({ chaos: 'ready', pid: process.pid, ports: ppo.ports });

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  ppo.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, 'error while stopping');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
