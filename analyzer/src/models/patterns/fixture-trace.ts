/**
 * Test support: pattern fixtures are hand-built traces in milliseconds (easier
 * to read and check by hand than nanoseconds) with the findings they must
 * produce. See fixtures/README.md for the format.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SpanKindName, StatusCodeName, Trace, TraceSpan } from '../../model/trace.ts';
import type { PatternKind } from './types.ts';

export interface FixtureSpan {
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly startMs: number;
  readonly endMs: number;
  readonly status?: StatusCodeName;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface ExpectedFinding {
  readonly kind: PatternKind;
  readonly service: string;
  readonly operation: string;
  readonly target?: string;
  readonly spanIds: readonly string[];
  readonly parentSpanId?: string;
  readonly count: number;
  readonly wasted_ms: number;
}

export interface PatternFixture {
  readonly file: string;
  readonly description: string;
  readonly trace: Trace;
  readonly expected: readonly ExpectedFinding[];
}

const FIXTURE_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const BASE_NS = 1_718_000_000_000_000_000n;
const KINDS: ReadonlySet<string> = new Set(['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']);
const STATUSES: ReadonlySet<string> = new Set(['Unset', 'Ok', 'Error']);

export function traceOf(traceId: string, spans: readonly FixtureSpan[]): Trace {
  return {
    traceId,
    baseNs: BASE_NS,
    spans: spans.map(
      (s): TraceSpan => ({
        spanId: s.spanId,
        parentSpanId: s.parentSpanId,
        service: s.service,
        name: s.name,
        kind: s.kind,
        // ms with one or two decimals are not exact in binary; round to whole ns
        start: Math.round(s.startMs * 1e6),
        end: Math.round(s.endMs * 1e6),
        status: s.status ?? 'Unset',
        attributes: s.attributes ?? {},
      }),
    ),
  };
}

export function loadPatternFixtures(): PatternFixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => parseFixture(file, JSON.parse(readFileSync(FIXTURE_DIR + file, 'utf8')) as unknown));
}

/** Light checks so a typo in a hand-written fixture fails loudly instead of silently matching nothing. */
function parseFixture(file: string, raw: unknown): PatternFixture {
  const fail = (why: string): never => {
    throw new Error(`fixture ${file}: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('not an object');
  const r = raw as Record<string, unknown>;
  if (typeof r['description'] !== 'string' || typeof r['traceId'] !== 'string') return fail('description/traceId');
  if (!Array.isArray(r['spans']) || !Array.isArray(r['expected'])) return fail('spans/expected must be arrays');
  const ids = new Set<string>();
  for (const s of r['spans'] as Record<string, unknown>[]) {
    const id = String(s['spanId']);
    if (ids.has(id)) fail(`duplicate span ${id}`);
    ids.add(id);
    for (const k of ['spanId', 'parentSpanId', 'service', 'name']) if (typeof s[k] !== 'string') fail(`${id}.${k}`);
    if (!KINDS.has(String(s['kind']))) fail(`${id}.kind ${String(s['kind'])}`);
    if (s['status'] !== undefined && !STATUSES.has(String(s['status']))) fail(`${id}.status`);
    if (typeof s['startMs'] !== 'number' || typeof s['endMs'] !== 'number' || s['endMs'] < s['startMs']) fail(`${id} times`);
  }
  for (const s of r['spans'] as FixtureSpan[]) {
    if (s.parentSpanId !== '' && !ids.has(s.parentSpanId)) fail(`${s.spanId}: unknown parent ${s.parentSpanId}`);
  }
  for (const e of r['expected'] as ExpectedFinding[]) {
    for (const id of e.spanIds) if (!ids.has(id)) fail(`expected finding names unknown span ${id}`);
  }
  return {
    file,
    description: r['description'],
    trace: traceOf(r['traceId'], r['spans'] as FixtureSpan[]),
    expected: r['expected'] as ExpectedFinding[],
  };
}
