import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsxSourceMaps } from './tsx-source-map.ts';

/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the top functions by
 * self time with file:line, self time per file and per coarse category
 * (OTLP decode, TSV rows, batcher, gRPC/HTTP2, chDB binding, GC, ...).
 *
 *   node --import tsx benchmarks/lib/cpuprofile-top.ts <file.cpuprofile | dir> [--top 25]
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionSelfTime {
  name: string;
  location: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Total minus (idle): time the main thread was doing something. */
  busyMs: number;
  top: FunctionSelfTime[];
  byFile: { file: string; ms: number; share: number }[];
  byCategory: { category: string; ms: number; share: number }[];
}

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function shortUrl(url: string): string {
  if (url === '') return '';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) return path.slice(nm + '/node_modules/'.length);
  if (path.startsWith(REPO_ROOT)) path = relative(REPO_ROOT, path);
  return path;
}

/** Coarse buckets to answer "where does PPO's main thread spend its time". */
export function categorize(frame: CallFrame): string {
  const fn = frame.functionName;
  const url = shortUrl(frame.url);
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'V8/native (program)';
  if (fn === '(root)') return 'root';
  if (/collector\/src\/otlp\//.test(url)) return 'OTLP decode (collector/src/otlp)';
  if (/collector\/src\/rows\//.test(url)) return 'row/TSV building (collector/src/rows)';
  if (/collector\/src\/batcher\//.test(url)) return 'batcher';
  if (/collector\/src\//.test(url)) return 'collector (other)';
  if (/^@grpc\//.test(url)) return 'grpc-js';
  if (/^node:internal\/http2|^node:http2/.test(url)) return 'node http2';
  if (/^node:internal\/(stream|streams)|^node:stream/.test(url)) return 'node streams';
  if (/^node:internal\/(net|tcp|socket)|^node:net/.test(url)) return 'node net';
  if (/^node:internal\/(buffer|util)|^node:buffer/.test(url)) return 'node buffer/util';
  if (/^node:internal\/(process|timers)|^node:timers/.test(url)) return 'node event loop (timers, microtasks)';
  if (/^chdb\/|^@clickhouse\//.test(url)) return 'chDB / clickhouse client (JS side)';
  if (/^storage\//.test(url)) return 'storage';
  if (/^pino|^thread-stream|^sonic-boom/.test(url)) return 'logging';
  if (/^(tsx|esbuild|get-tsconfig)\//.test(url)) return 'tsx loader';
  if (/^api\/|^hono\//.test(url)) return 'api';
  if (url === '' && fn !== '') return `native: ${fn}`;
  if (url.startsWith('node:')) return 'node (other)';
  return 'other JS';
}

export function summarizeProfile(file: string, topN = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const maps = new TsxSourceMaps(statSync(file).mtimeMs);
  const locate = (f: CallFrame): string => {
    const short = shortUrl(f.url);
    if (short === '') return '';
    if (f.url.startsWith('file://') && /\.(ts|mts|tsx)$/.test(f.url)) {
      const line = maps.lookup(fileURLToPath(f.url), f.lineNumber, f.columnNumber);
      if (line !== undefined) return `${short}:${line}`;
    }
    return `${short}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
  };
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  // Self time per node from the sample stream (exact), falling back to hit counts.
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // timeDeltas[i] is the time before sample i; attribute the gap after a sample to it.
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i] as number;
      const dt = deltas[i + 1] ?? 0;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
    }
  } else {
    const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0));
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * interval);
  }
  let totalUs = 0;
  let idleUs = 0;
  const fns = new Map<string, { name: string; location: string; us: number }>();
  const files = new Map<string, number>();
  const categories = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const f = node.callFrame;
    totalUs += us;
    if (f.functionName === '(idle)') idleUs += us;
    const file = shortUrl(f.url);
    const location = locate(f);
    const name = f.functionName === '' ? '(anonymous)' : f.functionName;
    const key = `${name}@${location}`;
    const entry = fns.get(key) ?? { name, location, us: 0 };
    entry.us += us;
    fns.set(key, entry);
    const fileKey = file === '' ? name : file;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
    const cat = categorize(f);
    categories.set(cat, (categories.get(cat) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const share = (us: number): number => (busyUs > 0 ? us / busyUs : 0);
  const top = [...fns.values()]
    .filter((e) => e.name !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => ({ name: e.name, location: e.location, ms: e.us / 1000, share: share(e.us) }));
  const byFile = [...files]
    .filter(([f]) => f !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([f, us]) => ({ file: f, ms: us / 1000, share: share(us) }));
  const byCategory = [...categories]
    .filter(([c]) => c !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .map(([c, us]) => ({ category: c, ms: us / 1000, share: share(us) }));
  return { file, totalMs: totalUs / 1000, busyMs: busyUs / 1000, top, byFile, byCategory };
}

/**
 * The main-thread profile of the newest process in `dir`. Node writes one
 * file per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile); with
 * `--import tsx`, thread 1 is the module-loader hooks worker, not PPO.
 */
export function newestProfile(dir: string): string | undefined {
  let best: { path: string; mtime: number; main: boolean } | undefined;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.cpuprofile')) continue;
    const path = join(dir, name);
    const mtime = statSync(path).mtimeMs;
    const main = /\.\d+\.0\.\d+\.cpuprofile$/.test(name);
    if (!best || (main && !best.main) || (main === best.main && mtime > best.mtime)) best = { path, mtime, main };
  }
  return best?.path;
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1).padStart(5)}%`;
  const ms = (x: number): string => `${x.toFixed(0).padStart(7)} ms`;
  const lines: string[] = [];
  lines.push(`profile ${s.file}`);
  lines.push(`main thread: ${(s.totalMs / 1000).toFixed(1)} s profiled, ${(s.busyMs / 1000).toFixed(1)} s not idle (${pct(s.totalMs > 0 ? s.busyMs / s.totalMs : 0).trim()}); shares below are of that time`);
  lines.push('(samples are wall-clock: a thread descheduled by CPU contention still counts as busy in its current function)');
  lines.push('');
  lines.push(`top ${s.top.length} functions by self time:`);
  for (const f of s.top) lines.push(`  ${ms(f.ms)} ${pct(f.share)}  ${f.name}  ${f.location}`);
  lines.push('');
  lines.push('self time by category:');
  const shown = s.byCategory.filter((c, i) => i < 15 && c.share >= 0.003);
  for (const c of shown) lines.push(`  ${ms(c.ms)} ${pct(c.share)}  ${c.category}`);
  const rest = s.byCategory.slice(shown.length).reduce((sum, c) => sum + c.ms, 0);
  if (rest > 0) lines.push(`  ${ms(rest)} ${pct(s.busyMs > 0 ? rest / s.busyMs : 0)}  (${s.byCategory.length - shown.length} smaller categories)`);
  lines.push('');
  lines.push('self time by file:');
  for (const f of s.byFile) lines.push(`  ${ms(f.ms)} ${pct(f.share)}  ${f.file}`);
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const topIdx = args.indexOf('--top');
  const topN = topIdx !== -1 ? Number(args[topIdx + 1]) : 25;
  const target = args.find((a, i) => !a.startsWith('--') && (topIdx === -1 || i !== topIdx + 1)) ?? '/tmp/ppo-prof';
  const file = statSync(target).isDirectory() ? newestProfile(target) : target;
  if (!file) {
    console.error(`no .cpuprofile in ${target}`);
    process.exit(1);
  }
  console.log(formatSummary(summarizeProfile(file, topN)));
}
