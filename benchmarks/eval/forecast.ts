/**
 * `npm run eval:forecast`: PPO's forecaster on the NAB DEV subset with the
 * "Forecast protocol" of ../shared/datasets/nab/README.md, next to the
 * baselines computed on the same origins (R forecast 8.20 ets and stlf, naive,
 * seasonal naive) in baselines.json.
 *
 *   npm run eval:forecast [-- --dir <nab dir>] [--verbose]
 *
 * Prints one line per series and a final JSON line with the overall figures.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { forecastSeries, rollingOrigins, scoreForecast } from '@ppo/analyzer';

const { values: args } = parseArgs({
  options: { dir: { type: 'string' }, verbose: { type: 'boolean', default: false } },
});

// Same resolution as test/helpers/shared-dir.ts: ../shared beside the checkout, or PPO_SHARED_DIR.
const sharedDir = process.env['PPO_SHARED_DIR'] ?? fileURLToPath(new URL('../../../shared', import.meta.url));
const nabDir = args.dir ?? join(sharedDir, 'datasets', 'nab');

const ORIGINS = 10;
const MAX_TRAIN = 4032;

interface MethodFigures {
  mase: number | null;
  smape: number | null;
  coverage80: number | null;
  accuracy: number | null;
}
interface Baselines {
  series: Record<string, Record<string, MethodFigures>>;
  overall: Record<string, MethodFigures & { n_series: number }>;
}
const BASELINE_METHODS = ['ets', 'stlf', 'naive', 'snaive'] as const;

function csvFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...csvFiles(p));
    else if (name.endsWith('.csv')) out.push(p);
  }
  return out;
}

function readSeries(path: string): { ts: number[]; ys: number[] } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).slice(1);
  const ts: number[] = [];
  const ys: number[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const [t, v] = line.split(',');
    ts.push(Date.parse(`${(t ?? '').replace(' ', 'T')}Z`));
    ys.push(Number(v));
  }
  return { ts, ys };
}

const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const fmt = (x: number | null | undefined, d = 3): string => (x === null || x === undefined ? '  –  ' : x.toFixed(d));

const baselines = JSON.parse(readFileSync(join(nabDir, 'baselines.json'), 'utf8')) as Baselines;
const started = performance.now();
const perSeries: { file: string; mase: number | null; smape: number; coverage80: number; accuracy: number }[] = [];

for (const path of csvFiles(nabDir)) {
  const file = relative(nabDir, path);
  const { ts, ys } = readSeries(path);
  const n = ys.length;
  const diffs = ts.slice(1).map((t, i) => (t - (ts[i] as number)) / 1000).sort((a, b) => a - b);
  const mid = diffs.length >> 1;
  const stepS = diffs.length % 2 === 1 ? (diffs[mid] as number) : ((diffs[mid - 1] as number) + (diffs[mid] as number)) / 2;
  const H = Math.max(1, Math.round(3600 / stepS));
  const t0 = performance.now();
  const mases: number[] = [];
  const smapes: number[] = [];
  const covs: number[] = [];
  const models = new Map<string, number>();
  for (const o of rollingOrigins(n, H, ORIGINS)) {
    const train = ys.slice(Math.max(0, o - MAX_TRAIN), o);
    const test = ys.slice(o, o + H);
    const fc = forecastSeries({ values: train, stepMs: stepS * 1000, horizon: H });
    models.set(fc.model, (models.get(fc.model) ?? 0) + 1);
    const s = scoreForecast(train, test, fc.points);
    if (s === null) continue;
    if (s.mase !== null) mases.push(s.mase);
    smapes.push(s.smape);
    covs.push(s.coverage80);
  }
  const smape = mean(smapes) ?? Number.NaN;
  const row = { file, mase: mean(mases), smape, coverage80: mean(covs) ?? Number.NaN, accuracy: 1 - smape / 2 };
  perSeries.push(row);
  const b = baselines.series[file] ?? {};
  const best = Math.min(...BASELINE_METHODS.map((m) => b[m]?.mase ?? Number.POSITIVE_INFINITY));
  console.log(
    `${file.padEnd(58)} mase ${fmt(row.mase)} (best baseline ${fmt(best)}; ${BASELINE_METHODS.map((m) => `${m} ${fmt(b[m]?.mase)}`).join(' ')})` +
      `  acc ${fmt(row.accuracy)} (naive ${fmt(b['naive']?.accuracy)})  cov80 ${fmt(row.coverage80, 2)}  ${Math.round(performance.now() - t0)} ms` +
      (args.verbose ? `  models ${[...models].map(([k, v]) => `${k}×${v}`).join(', ')}` : ''),
  );
}

const overall = {
  mase: mean(perSeries.flatMap((s) => (s.mase === null ? [] : [s.mase]))),
  smape: mean(perSeries.map((s) => s.smape)),
  coverage80: mean(perSeries.map((s) => s.coverage80)),
  accuracy: mean(perSeries.map((s) => s.accuracy)),
};
const baselineMase = Object.fromEntries(BASELINE_METHODS.map((m) => [m, baselines.overall[m]?.mase ?? null]));
const baselineAccuracy = Object.fromEntries(BASELINE_METHODS.map((m) => [m, baselines.overall[m]?.accuracy ?? null]));
const bestName = BASELINE_METHODS.reduce((a, m) => ((baselineMase[m] ?? Infinity) < (baselineMase[a] ?? Infinity) ? m : a));
const bestMase = baselineMase[bestName] ?? null;
console.log(
  `overall: mase ${fmt(overall.mase)} vs best baseline ${bestName} ${fmt(bestMase)}; accuracy ${fmt(overall.accuracy)} vs ` +
    `${BASELINE_METHODS.map((m) => `${m} ${fmt(baselineAccuracy[m])}`).join(', ')}; coverage80 ${fmt(overall.coverage80)}; ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
console.log(
  JSON.stringify({
    series: perSeries.length,
    mase: overall.mase,
    smape: overall.smape,
    accuracy: overall.accuracy,
    coverage80: overall.coverage80,
    mase_best_baseline: bestMase,
    best_baseline: bestName,
    ratio: overall.mase !== null && bestMase !== null ? overall.mase / bestMase : null,
    accuracy_baselines: baselineAccuracy,
    seconds: (performance.now() - started) / 1000,
  }),
);
