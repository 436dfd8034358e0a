import { readdirSync, readFileSync } from 'node:fs';

/**
 * Reads another process's memory and CPU from /proc (Linux only): RSS and its
 * high-water mark, and CPU time per thread, so the benchmark can say where
 * PPO's cores went (JS main thread, V8 GC helpers, chDB's own threads, libuv).
 */

const CLOCK_TICKS_PER_S = 100; // USER_HZ; 100 on every Linux we run on

export interface MemorySample {
  rssKiB: number;
  hwmKiB: number;
  /** RssAnon: private memory (heaps, buffers, the engine's allocations). */
  anonKiB: number;
  /** RssFile: file pages mapped in, mostly the code of node and libchdb.so (shared, clean, evictable). */
  fileKiB: number;
}

export function readMemory(pid: number): MemorySample | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m?.[1] ? Number(m[1]) : 0;
  };
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM'), anonKiB: field('RssAnon'), fileKiB: field('RssFile') };
}

/** Samples RSS periodically and keeps the maximum (VmHWM and VmRSS both). */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  maxRssKiB = 0;
  hwmKiB = 0;
  lastRssKiB = 0;
  /** Largest private (anonymous) and file-backed (mapped code, e.g. libchdb.so) parts of the samples. */
  maxAnonKiB = 0;
  maxFileKiB = 0;

  constructor(private readonly pid: number, private readonly intervalMs = 250) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const m = readMemory(this.pid);
    if (!m) return;
    this.lastRssKiB = m.rssKiB;
    this.maxRssKiB = Math.max(this.maxRssKiB, m.rssKiB);
    this.hwmKiB = Math.max(this.hwmKiB, m.hwmKiB);
    this.maxAnonKiB = Math.max(this.maxAnonKiB, m.anonKiB);
    this.maxFileKiB = Math.max(this.maxFileKiB, m.fileKiB);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The peak resident set in MiB: the kernel's high-water mark when available. */
  get maxMiB(): number {
    return Math.max(this.hwmKiB, this.maxRssKiB) / 1024;
  }
}

export interface ThreadCpu {
  name: string;
  /** user + system CPU seconds. */
  seconds: number;
}

/** CPU seconds used so far by every live thread of `pid`, keyed by thread id. */
export function readThreadCpu(pid: number): Map<number, ThreadCpu> {
  const out = new Map<number, ThreadCpu>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // thread ended meanwhile
    }
    // "tid (comm) state ..." — comm may contain spaces and parentheses.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(open + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // After "comm": state=0, ..., utime=11, stime=12 (fields 14 and 15 of stat(5)).
    const ticks = Number(fields[11]) + Number(fields[12]);
    out.set(Number(tid), { name, seconds: ticks / CLOCK_TICKS_PER_S });
  }
  return out;
}

/** Whole-process CPU seconds (all threads, including ones that already ended). */
export function readProcessCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/**
 * Groups threads by what they do: the Node main thread (JS), V8's platform
 * workers (concurrent GC marking/sweeping, background compilation), libuv's
 * threadpool (where native async work such as a chDB query call runs), and
 * chDB's own ClickHouse threads (which name themselves: ThreadPool,
 * Segmentator = parallel input parsing, MergeMutate = background merges, ...).
 *
 * Node's and libuv's threads all inherit the name "node", so they are told
 * apart by creation order, which Node fixes at start-up: main thread, then
 * the V8 platform's delayed-task runner and 4 workers (tid + 1..5), a signal
 * watchdog (+6), then libuv's 4 pool threads (+7..10). A heuristic, hence the
 * "likely" in the labels.
 */
export function threadGroup(name: string, tid: number, pid: number): string {
  if (tid === pid) return 'node main thread (JS)';
  if (name === 'node') {
    const offset = tid - pid;
    if (offset >= 1 && offset <= 5) return 'V8 platform workers (GC, compile; likely)';
    if (offset >= 7 && offset <= 10) return 'libuv threadpool (chDB calls; likely)';
    return 'node (other threads)';
  }
  return `chDB ${name.replace(/[0-9]+$/, '').replace(/[_-]+$/, '') || name}`;
}

/** CPU seconds per thread group used between two readings. */
export function cpuDeltaByGroup(pid: number, before: Map<number, ThreadCpu>, after: Map<number, ThreadCpu>): Map<string, number> {
  const groups = new Map<string, number>();
  for (const [tid, now] of after) {
    const was = before.get(tid)?.seconds ?? 0;
    const delta = now.seconds - was;
    if (delta <= 0) continue;
    const g = threadGroup(now.name, tid, pid);
    groups.set(g, (groups.get(g) ?? 0) + delta);
  }
  return new Map([...groups].sort((a, b) => b[1] - a[1]));
}

/** Busy CPU seconds of the whole machine so far (all cores, from /proc/stat). */
export function readMachineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy / CLOCK_TICKS_PER_S;
}

/**
 * The machine has 2 cores shared by PPO and the load generator: anything else
 * running (tests, compilers) depresses the figures, so wait (up to `maxS`)
 * until other processes leave the CPUs idle.
 */
export async function waitForIdleCpus(maxS: number, log: (msg: string) => void): Promise<void> {
  const deadline = performance.now() + maxS * 1000;
  for (let announced = false; ; ) {
    const before = readMachineBusySeconds();
    await new Promise((r) => setTimeout(r, 2000));
    const busyCores = (readMachineBusySeconds() - before) / 2;
    if (busyCores < 0.15 || performance.now() > deadline) {
      if (busyCores >= 0.15) log(`other processes still use ${busyCores.toFixed(2)} cores; starting anyway`);
      return;
    }
    if (!announced) log(`waiting for other processes to go idle (they use ${busyCores.toFixed(2)} cores) ...`);
    announced = true;
  }
}
