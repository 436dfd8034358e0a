import { z } from 'zod';
import { callSteps, SYSTEMS, systemSpec, type SystemName } from './topology.ts';

/**
 * Fault injection as data: what a fault is, how a request for one is
 * validated, and what it does to one system's handlers (`effectsFor`). The
 * hosts apply effects; the supervisor owns the list, the timers and the
 * ground-truth log (fault-manager.ts).
 */

export const FAULT_KINDS = ['latency', 'error_rate', 'cpu_burn', 'memory_leak', 'n_plus_one', 'sequential', 'slow_db', 'pool_saturation'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultParams {
  /** latency: added per request (system) or per call (edge); slow_db: added per statement. */
  delayMs?: number;
  /** error_rate: share of requests answered 500. */
  rate?: number;
  /** cpu_burn: busy CPU per request. */
  cpuMs?: number;
  /** memory_leak: retained per request, up to maxMb. */
  kbPerRequest?: number;
  maxMb?: number;
  /** pool_saturation: workers left, and how long each request holds one. */
  poolSize?: number;
  holdMs?: number;
}

const DEFAULTS: Record<FaultKind, FaultParams> = {
  latency: { delayMs: 250 },
  error_rate: { rate: 0.5 },
  cpu_burn: { cpuMs: 25 },
  // Capped so a leak stays inside the demo's 1.5 GiB budget while still dwarfing the host's normal heap.
  memory_leak: { kbPerRequest: 256, maxMb: 128 },
  n_plus_one: {},
  sequential: {},
  slow_db: { delayMs: 120 },
  pool_saturation: { poolSize: 2, holdMs: 40 },
};

/** Parses "5m", "30s", "1h", "1500ms" or a number of seconds into ms. */
export function parseDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v * 1000 : undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return ms > 0 ? ms : undefined;
}

const systemName = z
  .string()
  .transform((s, ctx) => {
    // System names are mixed case (PSec); accept any case, store the canonical one.
    const found = SYSTEMS.find((n) => n.toLowerCase() === s.trim().toLowerCase());
    if (!found) {
      ctx.addIssue({ code: 'custom', message: `unknown system "${s}"; one of ${SYSTEMS.join(', ')}` });
      return z.NEVER;
    }
    return found;
  });

const edgeSchema = z.string().transform((s, ctx) => {
  const parts = s.split('->').map((p) => p.trim());
  const from = parts[0] !== undefined ? SYSTEMS.find((n) => n.toLowerCase() === parts[0]!.toLowerCase()) : undefined;
  const to = parts[1] !== undefined ? SYSTEMS.find((n) => n.toLowerCase() === parts[1]!.toLowerCase()) : undefined;
  if (parts.length !== 2 || !from || !to) {
    ctx.addIssue({ code: 'custom', message: `an edge is "CALLER->CALLEE" with two system names, got "${s}"` });
    return z.NEVER;
  }
  return { from, to };
});

export const faultParamsSchema = z.strictObject({
  delayMs: z.number().min(1).max(60_000).optional(),
  rate: z.number().gt(0).max(1).optional(),
  cpuMs: z.number().min(1).max(2_000).optional(),
  kbPerRequest: z.number().min(1).max(16_384).optional(),
  maxMb: z.number().min(1).max(512).optional(),
  poolSize: z.number().int().min(1).max(64).optional(),
  holdMs: z.number().min(0).max(10_000).optional(),
});

export const faultRequestSchema = z
  .strictObject({
    kind: z.enum(FAULT_KINDS),
    target: systemName.optional(),
    edge: edgeSchema.optional(),
    duration: z
      .union([z.string(), z.number()])
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const ms = parseDuration(v);
        if (ms === undefined) {
          ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (e.g. 90, 30s, 5m, 1h)` });
          return z.NEVER;
        }
        return ms;
      }),
    params: faultParamsSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.target && !r.edge) ctx.addIssue({ code: 'custom', path: ['target'], message: 'target (a system) or edge (CALLER->CALLEE) is required' });
    if (r.edge) {
      if (r.kind !== 'latency') ctx.addIssue({ code: 'custom', path: ['edge'], message: 'only latency faults can sit on an edge' });
      if (r.target && r.target !== r.edge.from) ctx.addIssue({ code: 'custom', path: ['edge'], message: `the edge must start at the target ${r.target}` });
    }
  });
export type FaultRequest = z.output<typeof faultRequestSchema>;

export interface Fault {
  id: string;
  kind: FaultKind;
  target: SystemName;
  edge?: { from: SystemName; to: SystemName };
  params: FaultParams;
  /** RFC 3339 */
  startedAt: string;
  /** When it expires by itself, if a duration was given. */
  endsAt?: string;
}

/**
 * An N+1 fault needs a batch of at least this many items: split into 2–4 reads
 * it is a few separate calls, not the loop an N+1 is (Sentry's N+1 detectors,
 * and PPO's, start at 5 calls), so ground truth would name a fault nobody
 * could — or should — see.
 */
export const N_PLUS_ONE_MIN_ITEMS = 5;

/**
 * A sequential fault needs a parallel group of at least this many calls: two
 * calls run one after the other cost at most the shorter one more (a few ms in
 * this fleet, inside its latency noise: eval:fleet measured PLOS's pair
 * serialized as +28 %, p = 0.63), and consecutive-call detectors (Sentry's,
 * PPO's) start at 3.
 */
export const SEQUENTIAL_MIN_CALLS = 3;

/** Why a fault cannot apply to a system: the step it changes does not exist there. */
export function applicabilityProblem(kind: FaultKind, target: SystemName, edge?: { from: SystemName; to: SystemName }): string | undefined {
  const ops = systemSpec(target).operations;
  if (edge) {
    const calls = ops.flatMap(callSteps).some((c) => c.target === edge.to);
    return calls ? undefined : `${edge.from} never calls ${edge.to}`;
  }
  switch (kind) {
    case 'n_plus_one':
      return ops.some((op) => op.steps.some((s) => (s.kind === 'db' && s.op === 'select' && (s.rows ?? 1) >= N_PLUS_ONE_MIN_ITEMS) || (s.kind === 'call' && (s.batch ?? 1) >= N_PLUS_ONE_MIN_ITEMS)))
        ? undefined
        : `${target} has no batched read or call of ${N_PLUS_ONE_MIN_ITEMS}+ items to turn into N+1`;
    case 'sequential':
      return ops.some((op) => op.steps.some((s) => s.kind === 'parallel' && s.calls.length >= SEQUENTIAL_MIN_CALLS))
        ? undefined
        : `${target} makes no parallel group of ${SEQUENTIAL_MIN_CALLS}+ calls`;
    case 'slow_db':
      return ops.some((op) => op.steps.some((s) => s.kind === 'db')) ? undefined : `${target} makes no database calls`;
    default:
      return undefined;
  }
}

/** Systems a fault kind can be injected into. */
export function applicableTargets(kind: FaultKind, systems: readonly SystemName[] = SYSTEMS): SystemName[] {
  return systems.filter((s) => applicabilityProblem(kind, s) === undefined);
}

/** Fills in a kind's default parameters under the caller's. */
export function resolveParams(kind: FaultKind, given: { [K in keyof FaultParams]?: number | undefined } | undefined): FaultParams {
  const out: FaultParams = { ...DEFAULTS[kind] };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) (out as Record<string, number>)[k] = v;
  return out;
}

/** What the active faults do to one system's handlers. */
export interface SystemEffects {
  extraLatencyMs: number;
  /** Added to calls from this system to a callee. */
  edgeLatencyMs: Partial<Record<SystemName, number>>;
  errorRate: number;
  cpuMsPerRequest: number;
  leakBytesPerRequest: number;
  leakCapBytes: number;
  nPlusOne: boolean;
  sequential: boolean;
  slowDbMs: number;
  /** Worker pool size override; undefined = the normal size. */
  poolSize: number | undefined;
  poolHoldMs: number;
}

export const NO_EFFECTS: SystemEffects = {
  extraLatencyMs: 0,
  edgeLatencyMs: {},
  errorRate: 0,
  cpuMsPerRequest: 0,
  leakBytesPerRequest: 0,
  leakCapBytes: 0,
  nPlusOne: false,
  sequential: false,
  slowDbMs: 0,
  poolSize: undefined,
  poolHoldMs: 0,
};

/** Combines every active fault on `system` (several faults of a kind add up; rates combine as independent failures). */
export function effectsFor(faults: readonly Fault[], system: SystemName): SystemEffects {
  const e: SystemEffects = { ...NO_EFFECTS, edgeLatencyMs: {} };
  for (const f of faults) {
    if (f.target !== system) continue;
    const p = f.params;
    switch (f.kind) {
      case 'latency':
        if (f.edge) e.edgeLatencyMs[f.edge.to] = (e.edgeLatencyMs[f.edge.to] ?? 0) + (p.delayMs ?? 0);
        else e.extraLatencyMs += p.delayMs ?? 0;
        break;
      case 'error_rate':
        e.errorRate = 1 - (1 - e.errorRate) * (1 - (p.rate ?? 0));
        break;
      case 'cpu_burn':
        e.cpuMsPerRequest += p.cpuMs ?? 0;
        break;
      case 'memory_leak':
        e.leakBytesPerRequest += (p.kbPerRequest ?? 0) * 1024;
        e.leakCapBytes = Math.max(e.leakCapBytes, (p.maxMb ?? 0) * 1024 * 1024);
        break;
      case 'n_plus_one':
        e.nPlusOne = true;
        break;
      case 'sequential':
        e.sequential = true;
        break;
      case 'slow_db':
        e.slowDbMs += p.delayMs ?? 0;
        break;
      case 'pool_saturation':
        e.poolSize = Math.min(e.poolSize ?? Infinity, p.poolSize ?? 1);
        e.poolHoldMs = Math.max(e.poolHoldMs, p.holdMs ?? 0);
        break;
    }
  }
  return e;
}

/** Next patch version: a fix is a deploy. Non-semver versions get a `-fixN` suffix. */
export function bumpVersion(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)(.*)$/.exec(version);
  if (m) return `${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
  const f = /^(.*)-fix(\d+)$/.exec(version);
  return f ? `${f[1]}-fix${Number(f[2]) + 1}` : `${version}-fix1`;
}

