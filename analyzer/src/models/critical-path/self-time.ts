/** A time window; any consistent unit. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/**
 * Self time of a span: the part of its window not covered by any direct
 * child, children clipped to the window and overlapping children counted once
 * (jaeger-ui's span self time). Parallel children therefore do not drive it
 * below zero, and a child outliving its parent only covers the parent's tail.
 */
export function spanSelfTime(span: Interval, children: readonly Interval[]): number {
  const clipped: Interval[] = [];
  for (const c of children) {
    const s = Math.max(c.start, span.start);
    const e = Math.min(c.end, span.end);
    if (e > s) clipped.push({ start: s, end: e });
  }
  clipped.sort((a, b) => a.start - b.start);
  // Union of the clipped children: sweep runs of overlapping intervals.
  let covered = 0;
  let run: { start: number; end: number } | undefined;
  for (const c of clipped) {
    if (run === undefined) run = { start: c.start, end: c.end };
    else if (c.start > run.end) {
      covered += run.end - run.start;
      run = { start: c.start, end: c.end };
    } else if (c.end > run.end) run.end = c.end;
  }
  if (run !== undefined) covered += run.end - run.start;
  return Math.max(0, span.end - span.start - covered);
}
