// `npm run eval:rca [-- --cases substring --data-root DIR --verbose]`
//
// Root-cause ranking against labelled fault cases (../shared/datasets/nezha,
// see its README). For every case: a fresh PPO process on its own temp data
// dir (PPO_RETENTION_DAYS=0), the case replayed over OTLP/HTTP with
// `replay-otlp.mjs --shift-to-now`, a wait until everything accepted is
// inserted, then `POST /api/ppo/root-cause` on [injection, window end) with
// the baseline [window start, injection) — the truth's times moved by the
// replay's shift_ns. The truth service's rank is scored (top-1, top-3, mean
// rank; a service missing from the list ranks after the last candidate).
// Per-case lines go to stdout; the last line is one JSON object.
// --data-root DIR keeps each case's data dir under DIR and, on the next run,
// reuses it instead of replaying again (iterating on the model without re-ingesting).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPpoProcess, type PpoProcess } from '../lib/ppo-process.ts';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '' },
    'data-root': { type: 'string', default: '' },
    dataset: { type: 'string', default: '' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  console.log(`usage: npm run eval:rca -- [--cases SUBSTRING] [--data-root DIR] [--dataset DIR] [--verbose]
  --cases      only the case folders whose name contains SUBSTRING
  --data-root  keep each case's PPO data dir here and reuse it on later runs (no re-replay)
  --dataset    folder of cases (default ../shared/datasets/nezha, or $PPO_SHARED_DIR/datasets/nezha)
  --verbose    print the top candidates and their evidence`);
  process.exit(0);
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// Like test/helpers/shared-dir.ts: ../shared beside the checkout, or PPO_SHARED_DIR.
const SHARED = process.env['PPO_SHARED_DIR'] ?? resolve(REPO, '../shared');
const DATASET = args.dataset || join(SHARED, 'datasets/nezha');
const REPLAY = join(SHARED, 'tools/replay-otlp.mjs');

interface Truth {
  case: string;
  inject_time_unix_nano: string;
  root_cause_service: string;
  root_cause_pod?: string;
  fault_type: string;
  window: { start_unix_nano: string; end_unix_nano: string };
}

interface Candidate {
  service: string;
  instance?: string;
  score: number;
  kind: string;
  anomaly?: number;
  evidence: { detail: string; strength: number }[];
}

async function replay(httpPort: number, dir: string): Promise<bigint> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [REPLAY, '--endpoint', `http://127.0.0.1:${httpPort}`, '--shift-to-now', '--gzip', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`replay exited ${code}: ${err.slice(-2000)}`));
      try {
        resolvePromise(BigInt((JSON.parse(last) as { shift_ns: string }).shift_ns));
      } catch {
        reject(new Error(`replay printed no shift_ns: ${last}`));
      }
    });
  });
}

function counter(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
  return sum;
}

/** Until every accepted item is inserted (ppo_insert_rows_total stops growing at or above the accepted count). */
async function settled(ppo: PpoProcess): Promise<void> {
  let last = -1;
  for (let i = 0; i < 600; i++) {
    const text = await (await fetch(`http://127.0.0.1:${ppo.ports.api}/metrics`)).text();
    const accepted = counter(text, 'ppo_otlp_items_accepted_total');
    const inserted = counter(text, 'ppo_insert_rows_total');
    if (inserted >= accepted && inserted === last) return;
    last = inserted;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('ingest did not settle in 5 minutes');
}

const cases = readdirSync(DATASET, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(DATASET, d.name, 'truth.json')) && d.name.includes(args.cases))
  .map((d) => d.name)
  .sort();
if (cases.length === 0) {
  console.error(`no cases under ${DATASET}`);
  process.exit(2);
}

const results: { case: string; truth: string; rank: number; top: string[]; ms: number }[] = [];
const started = performance.now();
for (const name of cases) {
  const dir = join(DATASET, name);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  const keep = args['data-root'] ? join(resolve(args['data-root']), name) : undefined;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'ppo-eval-rca-'));
  if (keep) mkdirSync(keep, { recursive: true });
  const shiftFile = join(dataDir, 'eval-shift.json');
  const ppo = await startPpoProcess({ repoRoot: REPO, dataDir, logLevel: 'warn', nodeFlags: [], onLogLine: (l) => args.verbose && console.error(l) });
  try {
    let shift: bigint;
    if (keep && existsSync(shiftFile)) {
      shift = BigInt((JSON.parse(readFileSync(shiftFile, 'utf8')) as { shift_ns: string }).shift_ns);
    } else {
      shift = await replay(ppo.ports.http, dir);
      await settled(ppo);
      if (keep) writeFileSync(shiftFile, JSON.stringify({ shift_ns: shift.toString() }));
    }
    const inject = BigInt(truth.inject_time_unix_nano) + shift;
    const body = {
      from: inject.toString(),
      to: (BigInt(truth.window.end_unix_nano) + shift + 1n).toString(),
      baseline_from: (BigInt(truth.window.start_unix_nano) + shift).toString(),
      baseline_to: inject.toString(),
    };
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${ppo.ports.api}/api/ppo/root-cause`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ms = performance.now() - t0;
    const json = (await res.json()) as { candidates?: Candidate[]; detail?: string };
    if (!res.ok || !json.candidates) throw new Error(`root-cause answered ${res.status}: ${JSON.stringify(json).slice(0, 500)}`);
    const ranked = json.candidates.map((c) => c.service);
    const idx = ranked.indexOf(truth.root_cause_service);
    const rank = idx >= 0 ? idx + 1 : ranked.length + 1;
    results.push({ case: name, truth: truth.root_cause_service, rank, top: ranked.slice(0, 3), ms });
    console.log(`${name}  fault=${truth.fault_type}  truth=${truth.root_cause_service}  rank=${rank}  top3=${ranked.slice(0, 3).join(',')}  (${ms.toFixed(0)} ms)`);
    if (args.verbose) {
      console.log(`    ranking: ${json.candidates.slice(0, 8).map((c) => `${c.service} ${c.score.toFixed(3)}/${(c.anomaly ?? 0).toFixed(2)}`).join(', ')}`);
      const shown = json.candidates.slice(0, 3);
      const truthCandidate = json.candidates.find((c) => c.service === truth.root_cause_service);
      if (truthCandidate && !shown.includes(truthCandidate)) shown.push(truthCandidate);
      for (const c of shown) {
        console.log(`    ${c.service} ${c.instance ?? ''} score=${c.score.toFixed(3)} kind=${c.kind}`);
        for (const e of c.evidence.slice(0, 4)) console.log(`        ${e.strength.toFixed(2)} ${e.detail}`);
      }
    }
  } finally {
    await ppo.stop();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

const n = results.length;
const summary = {
  cases: n,
  top1: results.filter((r) => r.rank === 1).length / n,
  top3: results.filter((r) => r.rank <= 3).length / n,
  mean_rank: results.reduce((s, r) => s + r.rank, 0) / n,
  seconds: Math.round((performance.now() - started) / 1000),
};
console.log(JSON.stringify(summary));
