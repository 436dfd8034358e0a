/**
 * Nelder–Mead simplex minimisation (Lagarias et al. 1998 coefficients), for the
 * handful of smoothing parameters of an ETS model. Derivative-free because the
 * ETS likelihood is a recursion whose gradient is awkward, and the problems are
 * 1–4 dimensional where the simplex method is quick and reliable.
 */
export interface NelderMeadOptions {
  /** Initial simplex edge along each axis. */
  readonly step?: number;
  readonly maxEvaluations?: number;
  /** Stop when the simplex's function values spread less than this. */
  readonly tolerance?: number;
}

export interface NelderMeadResult {
  readonly x: number[];
  readonly value: number;
  readonly evaluations: number;
}

export function nelderMead(f: (x: readonly number[]) => number, x0: readonly number[], opts: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length;
  const step = opts.step ?? 0.5;
  const maxEval = opts.maxEvaluations ?? 200 * Math.max(1, n);
  const tol = opts.tolerance ?? 1e-8;
  let evals = 0;
  const value = (x: number[]): number => {
    evals++;
    const v = f(x);
    // A non-finite objective (a diverging recursion) is the worst possible point, not a crash.
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const pts: number[][] = [[...x0]];
  for (let i = 0; i < n; i++) {
    const p = [...x0];
    p[i] = (p[i] ?? 0) + step;
    pts.push(p);
  }
  let vals = pts.map(value);
  if (n === 0) return { x: [], value: vals[0] ?? Number.POSITIVE_INFINITY, evaluations: evals };

  while (evals < maxEval) {
    const order = vals.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const sorted = order.map(([, i]) => pts[i] as number[]);
    const sv = order.map(([v]) => v);
    for (let i = 0; i <= n; i++) {
      pts[i] = sorted[i] as number[];
      vals[i] = sv[i] as number;
    }
    const best = vals[0] as number;
    const worst = vals[n] as number;
    if (Math.abs(worst - best) <= tol * (Math.abs(best) + tol)) break;

    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] = (centroid[j] as number) + (pts[i]![j] as number) / n;
    const along = (t: number): number[] => centroid.map((c, j) => c + t * ((pts[n]![j] as number) - c));

    const xr = along(-1);
    const fr = value(xr);
    if (fr < best) {
      const xe = along(-2);
      const fe = value(xe);
      if (fe < fr) {
        pts[n] = xe;
        vals[n] = fe;
      } else {
        pts[n] = xr;
        vals[n] = fr;
      }
      continue;
    }
    if (fr < (vals[n - 1] as number)) {
      pts[n] = xr;
      vals[n] = fr;
      continue;
    }
    const outside = fr < worst;
    const xc = along(outside ? -0.5 : 0.5);
    const fc = value(xc);
    if (fc < (outside ? fr : worst)) {
      pts[n] = xc;
      vals[n] = fc;
      continue;
    }
    // Shrink towards the best point.
    const b = pts[0] as number[];
    for (let i = 1; i <= n; i++) {
      pts[i] = (pts[i] as number[]).map((x, j) => (b[j] as number) + 0.5 * (x - (b[j] as number)));
      vals[i] = value(pts[i] as number[]);
    }
  }
  let bi = 0;
  for (let i = 1; i <= n; i++) if ((vals[i] as number) < (vals[bi] as number)) bi = i;
  vals = vals.slice();
  return { x: pts[bi] as number[], value: vals[bi] as number, evaluations: evals };
}
