import { Hono } from 'hono';
import { z } from 'zod';
import { detectAnomalies, fetchServiceSeries, inferStepMs, minimumPoints, type Anomaly } from '@ppo/analyzer';
import type { ApiDeps } from '../deps.ts';
import type { RouteDoc } from '../openapi.ts';
import { ProblemError } from '../problem.ts';
import { parseTimeToNanos, timeParam } from '../time.ts';
import { parseJsonBody } from '../validate.ts';

/** Series longer than this are refused (the 1 s budget is for 10,000 points; this leaves room). */
export const MAX_SERIES_POINTS = 100_000;
/** Buckets a stored series may span. */
const MAX_BUCKETS = 20_000;

/** A point's time: unix ms (number) or RFC 3339 (unix-nano digit strings are accepted too). */
const pointTime = z.union([
  z.number().describe('unix ms'),
  z.string().transform((s, ctx) => {
    const ns = parseTimeToNanos(s);
    if (ns === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is neither an RFC 3339 time nor unix nanoseconds` });
      return z.NEVER;
    }
    return Number(ns / 1_000_000n);
  }),
]);

// Values are checked for finiteness by hand (JSON.parse turns 1e999 into Infinity), to answer 400 with the index.
const seriesBody = z
  .object({
    series: z
      .array(z.tuple([pointTime, z.number().nullable().describe('null: no value at this time')]))
      .max(MAX_SERIES_POINTS)
      .describe('[t, value] pairs in time order; t unix ms or RFC 3339'),
    step_ms: z.number().positive().optional().describe('the series step; the median gap between times when absent'),
  })
  .strict();

const storedBody = z
  .object({
    service: z.string().min(1),
    metric: z.string().min(1).describe('rate | error_rate | latency_p50 | latency_p95 | latency_p99, or a stored OTLP metric name'),
    attributes: z.record(z.string(), z.string()).optional().describe('OTLP metrics only: data point attributes that must match'),
    from: timeParam.describe('RFC 3339 or unix ns'),
    to: timeParam.describe('RFC 3339 or unix ns; exclusive'),
    step: z.number().int().min(60).optional().describe('seconds (default 60; RED metrics use whole minutes)'),
  })
  .strict();

export const detectAnomaliesBody = z.union([seriesBody, storedBody]);

const anomalyOut = z.object({
  start: z.string().describe('RFC 3339, first anomalous point'),
  end: z.string().describe('RFC 3339, last anomalous point'),
  kind: z.enum(['spike', 'dip', 'level_shift']),
  direction: z.enum(['up', 'down']),
  score: z.number().describe('peak |residual| in robust standard deviations'),
  severity: z.enum(['minor', 'major', 'critical']),
  peak_at: z.string().describe('RFC 3339'),
  actual: z.number().nullable().describe('value at the peak'),
  expected: z.number().nullable().describe('baseline at the peak'),
  ongoing: z.boolean().describe('still under way at the last point'),
});

export const detectAnomaliesResponse = z.object({
  points: z.number().int(),
  step_ms: z.number(),
  anomalies: z.array(anomalyOut),
});

export const detectAnomaliesRouteDocs: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/detect-anomalies',
    tag: 'analysis',
    summary: 'Spikes, dips and level shifts in a series given inline or in a stored RED / OTLP metric series (online, seasonal-robust)',
    body: detectAnomaliesBody,
    response: { description: 'anomalies, oldest first; 422 when the series is shorter than the detector needs', schema: detectAnomaliesResponse },
  },
];

const iso = (ms: number): string => new Date(ms).toISOString();
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function toAnomalyOut(a: Anomaly): z.infer<typeof anomalyOut> {
  return {
    start: iso(a.start),
    end: iso(a.end),
    kind: a.kind,
    direction: a.direction,
    score: a.score,
    severity: a.severity,
    peak_at: iso(a.peakAt),
    actual: finiteOrNull(a.actual),
    expected: finiteOrNull(a.expected),
    ongoing: a.ongoing,
  };
}

function tooFew(points: number, minimum: number): ProblemError {
  return new ProblemError(422, 'Series Too Short', `the detector needs at least ${minimum} points with a value at this step; got ${points}`, [
    { path: 'series', message: `minimum ${minimum} points` },
  ]);
}

export function detectAnomaliesRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await parseJsonBody(c, detectAnomaliesBody);
    let times: number[];
    let values: (number | null)[];
    let stepMs: number;
    if ('series' in body) {
      times = new Array<number>(body.series.length);
      values = new Array<number | null>(body.series.length);
      for (let i = 0; i < body.series.length; i++) {
        const [t, v] = body.series[i]!;
        if (!Number.isFinite(t) || (v !== null && !Number.isFinite(v))) {
          throw new ProblemError(400, 'Validation Failed', `invalid request body: series.${i}: time and value must be finite numbers`, [
            { path: `series.${i}`, message: 'must be finite' },
          ]);
        }
        times[i] = t;
        values[i] = v;
      }
      stepMs = body.step_ms ?? inferStepMs(times);
    } else {
      if (body.from >= body.to) {
        throw new ProblemError(400, 'Validation Failed', 'invalid request body: from: must be before `to`', [{ path: 'from', message: 'must be before `to`' }]);
      }
      const stepS = body.step ?? 60;
      const fromS = Number(body.from / 1_000_000_000n);
      const toS = Number((body.to + 999_999_999n) / 1_000_000_000n);
      if ((toS - fromS) / stepS > MAX_BUCKETS) {
        throw new ProblemError(400, 'Validation Failed', `invalid request body: step: more than ${MAX_BUCKETS} buckets; use a larger step`, [
          { path: 'step', message: `at most ${MAX_BUCKETS} buckets` },
        ]);
      }
      const s = await fetchServiceSeries(deps.storage.client, { service: body.service, metric: body.metric, attributes: body.attributes, fromS, toS, stepS });
      // Leading buckets before the service's first data are not part of its series (a rate of 0 there is "not running yet").
      const first = s?.observed ? s.values.findIndex((v) => v !== null && (body.metric !== 'rate' || v > 0)) : -1;
      times = s && first >= 0 ? s.t.slice(first).map((t) => t * 1000) : [];
      values = s && first >= 0 ? s.values.slice(first) : [];
      stepMs = (s?.stepS ?? stepS) * 1000;
    }
    const present = values.reduce<number>((n, v) => (v === null ? n : n + 1), 0);
    const minimum = minimumPoints(stepMs);
    if (present < minimum) throw tooFew(present, minimum);
    const anomalies = detectAnomalies({ values, times, stepMs });
    const out: z.infer<typeof detectAnomaliesResponse> = { points: times.length, step_ms: stepMs, anomalies: anomalies.map(toAnomalyOut) };
    return c.json(out);
  });
  return app;
}
