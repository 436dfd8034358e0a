import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startPpo, type Ppo } from '@ppo/server';

let running: Ppo | undefined;

/**
 * Resolves once every row acknowledged so far is in ClickHouse. Receivers
 * acknowledge when rows are in the spool; the drainer inserts them shortly
 * after, so reads that must see earlier writes wait for this first (the read
 * helpers in sql.ts and http.ts do it).
 */
export async function settled(): Promise<void> {
  await running?.collector?.drainer.drained();
}

/** A PPO process started for one test file, with the URLs tests talk to. */
export interface TestPpo {
  readonly ppo: Ppo;
  readonly dataDir: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly apiPort: number;
  /** `http://127.0.0.1:<grpc port>`, the form the OTel gRPC exporters take. */
  readonly grpcUrl: string;
  /** `http://127.0.0.1:<http port>` (append /v1/traces etc.). */
  readonly otlpHttpUrl: string;
  /** `http://127.0.0.1:<api port>/api/ppo` */
  readonly apiBase: string;
  stop(): Promise<void>;
}

/**
 * Starts every role on 127.0.0.1 with OS-assigned ports and a fresh temp data
 * dir. chDB allows one data dir per process, so call this once per test file
 * (vitest forks a process per file) and `stop()` it in afterAll.
 */
export async function startTestPpo(env: Record<string, string> = {}): Promise<TestPpo> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ppo-test-'));
  let ppo: Ppo;
  try {
    ppo = await startPpo(
      loadConfig({
        PPO_DATA_DIR: dataDir,
        PPO_OTLP_GRPC_PORT: '0',
        PPO_OTLP_HTTP_PORT: '0',
        PPO_API_PORT: '0',
        PPO_LISTEN_HOST: '127.0.0.1',
        PPO_RETENTION_DAYS: '0',
        PPO_BATCH_MAX_DELAY_MS: '20',
        PPO_LOG_LEVEL: 'silent',
        ...env,
      }),
    );
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  running = ppo;
  const { otlpGrpc, otlpHttp, api } = ppo.ports;
  if (otlpGrpc === undefined || otlpHttp === undefined || api === undefined) {
    await ppo.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`PPO did not start every role: ports ${JSON.stringify(ppo.ports)}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    ppo,
    dataDir,
    grpcPort: otlpGrpc,
    httpPort: otlpHttp,
    apiPort: api,
    grpcUrl: `http://127.0.0.1:${otlpGrpc}`,
    otlpHttpUrl: `http://127.0.0.1:${otlpHttp}`,
    apiBase: `http://127.0.0.1:${api}/api/ppo`,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await ppo.stop();
          if (running === ppo) running = undefined;
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      })()),
  };
}
