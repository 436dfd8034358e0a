/** Runs `fn` repeatedly for `secs` seconds (after a warm-up), prints and returns calls per second. */
export function rate(label: string, fn: () => unknown, secs: number): number {
  const warmEnd = performance.now() + Math.min(1000, secs * 300);
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const start = performance.now();
  const end = start + secs * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
  }
  const perSecond = n / ((performance.now() - start) / 1000);
  process.stderr.write(`${label}: ${perSecond.toFixed(1)} requests/s\n`);
  return perSecond;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
