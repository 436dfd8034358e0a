// `npm run eval:anomaly [-- --url http://127.0.0.1:4318 --api-key K]`
//
// PPO's anomaly detector on the NAB subset in ../shared/datasets/nab, scored with
// the README's "Anomaly protocol" (probation = first 15% of each series; a window
// is recalled when ≥ 1 detection overlaps it; precision = detections overlapping a
// window / detections; pooled over series) next to the robust z-score baseline in
// baselines.json. Every series is given whole, in file order, as the protocol
// says; the detector is causal (a point's decision uses only the points before
// it, plus a confirmation delay of a few points), so this is what a live
// detector would have said. Also the NAB standard-profile score (see nabScore).
//
// By default the detector runs in-process (the same function the route calls);
// with --url each series is POSTed to a running PPO's /api/ppo/detect-anomalies,
// exactly as the protocol judges PPO's API. Per-series lines go to stdout, then
// one final JSON line.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { detectAnomalies, type DetectAnomaliesOptions } from '@ppo/analyzer';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    'api-key': { type: 'string' },
    options: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(`usage: npm run eval:anomaly -- [--url http://host:port] [--api-key KEY]
  --url      judge a running PPO through POST /api/ppo/detect-anomalies (default: in-process detector)
  --options  JSON detector options for an in-process variant, e.g. '{"returnPeriodDays":0}' (ablations)
  env PPO_SHARED_DIR overrides the shared/ folder (default ../shared beside the repo root)`);
  process.exit(0);
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sharedDir = process.env['PPO_SHARED_DIR'] ?? join(repoRoot, '..', 'shared');
const nabDir = join(sharedDir, 'datasets', 'nab');
if (!existsSync(join(nabDir, 'labels.json'))) {
  console.error(`${nabDir}/labels.json not found: set PPO_SHARED_DIR to the shared/ folder`);
  process.exit(2);
}

interface Labels {
  windows: Record<string, [string, string][]>;
}
interface ZscoreOverall {
  recall: number;
  precision: number;
  f1: number;
  windows: number;
  windows_detected: number;
  detections: number;
  true_detections: number;
}

const labels = JSON.parse(readFileSync(join(nabDir, 'labels.json'), 'utf8')) as Labels;
const baselines = JSON.parse(readFileSync(join(nabDir, 'baselines.json'), 'utf8')) as {
  overall: { zscore_anomaly: ZscoreOverall };
};

/** NAB timestamps are naive; read as UTC. */
const parseTs = (s: string): number => Date.parse(`${s.trim().replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1')}Z`);

/** Start/end as the protocol accepts them: RFC 3339, unix ms numbers, or digit strings read by magnitude. */
function toMs(v: unknown): number {
  if (typeof v === 'number') return v >= 1e17 ? v / 1e6 : v >= 1e14 ? v / 1e3 : v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return toMs(Number(v));
  if (typeof v === 'string') return Date.parse(v);
  return Number.NaN;
}

function listCsvs(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(nabDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(nabDir, dir.name))) if (f.endsWith('.csv')) out.push(`${dir.name}/${f}`);
  }
  return out.sort();
}

function readSeries(file: string): { times: number[]; values: number[] } {
  const lines = readFileSync(join(nabDir, file), 'utf8').trim().split('\n').slice(1);
  const times: number[] = [];
  const values: number[] = [];
  for (const line of lines) {
    const [ts, v] = line.split(',');
    times.push(parseTs(ts!));
    values.push(Number(v));
  }
  return { times, values };
}

/** Detector options of an in-process variant (`--options`), for the README's ablation table. */
const variant = args.options === undefined ? {} : (JSON.parse(args.options) as DetectAnomaliesOptions);
if (args.options !== undefined && args.url !== undefined) {
  console.error('--options applies to the in-process detector only');
  process.exit(2);
}

async function detect(times: number[], values: number[]): Promise<[number, number][]> {
  if (args.url === undefined) return detectAnomalies({ times, values }, variant).map((a) => [a.start, a.end]);
  const res = await fetch(`${args.url.replace(/\/$/, '')}/api/ppo/detect-anomalies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(args['api-key'] ? { authorization: `Bearer ${args['api-key']}` } : {}) },
    body: JSON.stringify({ series: times.map((t, i) => [t, values[i]]) }),
  });
  if (!res.ok) throw new Error(`detect-anomalies answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { anomalies: { start: unknown; end: unknown }[] };
  return body.anomalies.map((a) => [toMs(a.start), toMs(a.end)]);
}

/**
 * NAB's scaled sigmoid: +1 → about 0.99 for a detection at the very start of a
 * window, → 0 at its end, negative after it (down to −1 far after).
 * y = relative position of the detection: −1 at window start, 0 at window end.
 */
const scaledSigmoid = (y: number): number => (y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1);

/**
 * NAB standard profile (A_TP = 1, A_FP = 0.11, A_FN = 1): each window scores its
 * first detection (by start) with the sigmoid of its position; other detections
 * inside windows count nothing; a detection outside every window is a false
 * positive weighted −A_FP × sigmoid of its distance after the preceding window
 * (−A_FP when no window precedes it); each missed window costs −A_FN. The raw
 * score is normalized to 100 × (raw − null) / (perfect − null), where "null"
 * detects nothing (−A_FN per window) and "perfect" detects every window at its
 * start. Detections are taken at their start time (a detector alarms once).
 */
function nabRaw(dets: number[], windows: [number, number][]): number {
  const A_TP = 1;
  const A_FP = 0.11;
  const A_FN = 1;
  let score = 0;
  const sorted = [...dets].sort((a, b) => a - b);
  const hit = new Set<number>();
  for (const t of sorted) {
    const w = windows.findIndex(([ws, we]) => t >= ws && t <= we);
    if (w >= 0) {
      if (hit.has(w)) continue;
      hit.add(w);
      const [ws, we] = windows[w]!;
      const width = Math.max(1, we - ws);
      score += A_TP * scaledSigmoid(-(we - t) / width);
      continue;
    }
    let prev: [number, number] | undefined;
    for (const win of windows) if (win[1] < t && (!prev || win[1] > prev[1])) prev = win;
    if (!prev) score -= A_FP;
    else {
      const width = Math.max(1, prev[1] - prev[0]);
      score += A_FP * scaledSigmoid((t - prev[1]) / width);
    }
  }
  score -= A_FN * (windows.length - hit.size);
  return score;
}

let windowsTotal = 0;
let windowsHit = 0;
let detectionsTotal = 0;
let trueDetections = 0;
let nabRawTotal = 0;
let nabNullTotal = 0;
let nabPerfectTotal = 0;
const started = performance.now();
const files = listCsvs();
for (const file of files) {
  const { times, values } = readSeries(file);
  const n = times.length;
  const tProb = times[Math.floor(0.15 * n)]!;
  const windows = (labels.windows[file] ?? []).map(([s, e]) => [parseTs(s), parseTs(e)] as [number, number]).filter(([, e]) => e >= tProb);
  const t0 = performance.now();
  const dets = (await detect(times, values)).filter(([, e]) => e >= tProb);
  const ms = performance.now() - t0;
  const overlaps = ([s, e]: [number, number], [ws, we]: [number, number]): boolean => s <= we && e >= ws;
  const hits = windows.filter((w) => dets.some((d) => overlaps(d, w))).length;
  const trues = dets.filter((d) => windows.some((w) => overlaps(d, w))).length;
  windowsTotal += windows.length;
  windowsHit += hits;
  detectionsTotal += dets.length;
  trueDetections += trues;
  nabRawTotal += nabRaw(
    dets.map(([s]) => s),
    windows,
  );
  nabNullTotal -= windows.length;
  nabPerfectTotal += windows.length * scaledSigmoid(-1);
  console.log(
    JSON.stringify({
      series: file,
      points: n,
      windows: windows.length,
      windows_detected: hits,
      detections: dets.length,
      true_detections: trues,
      recall: windows.length > 0 ? hits / windows.length : null,
      precision: dets.length > 0 ? trues / dets.length : null,
      ms: Math.round(ms),
    }),
  );
}

const recall = windowsTotal > 0 ? windowsHit / windowsTotal : 0;
const precision = detectionsTotal > 0 ? trueDetections / detectionsTotal : 0;
const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
const z = baselines.overall.zscore_anomaly;
console.log(
  JSON.stringify({
    series: files.length,
    recall,
    precision,
    f1,
    windows: windowsTotal,
    windows_detected: windowsHit,
    detections: detectionsTotal,
    true_detections: trueDetections,
    nab_standard: (100 * (nabRawTotal - nabNullTotal)) / (nabPerfectTotal - nabNullTotal),
    zscore_recall: z.recall,
    zscore_precision: z.precision,
    zscore_f1: z.f1,
    source: args.url ?? 'in-process',
    ...(args.options !== undefined ? { options: variant } : {}),
    runtime_s: Math.round((performance.now() - started) / 100) / 10,
  }),
);
