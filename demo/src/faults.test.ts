import { describe, expect, it } from 'vitest';
import { applicabilityProblem, applicableTargets, bumpVersion, effectsFor, FAULT_KINDS, faultRequestSchema, parseDuration, resolveParams, type Fault } from './faults.ts';

const fault = (f: Partial<Fault> & Pick<Fault, 'kind' | 'target'>): Fault => ({ id: 'x', params: resolveParams(f.kind, undefined), startedAt: '', ...f });

describe('fault requests', () => {
  it('accepts a system fault with a duration, any case of the system name', () => {
    const r = faultRequestSchema.parse({ kind: 'latency', target: 'psec', duration: '5m', params: { delayMs: 400 } });
    expect(r).toEqual({ kind: 'latency', target: 'PSec', duration: 300_000, params: { delayMs: 400 } });
  });

  it('accepts an edge latency and takes the caller as the target', () => {
    expect(faultRequestSchema.parse({ kind: 'latency', edge: 'PSO->PDT' }).edge).toEqual({ from: 'PSO', to: 'PDT' });
  });

  it.each([
    [{ kind: 'nope', target: 'PSO' }, 'kind'],
    [{ kind: 'latency', target: 'XYZ' }, 'target'],
    [{ kind: 'latency' }, 'target'],
    [{ kind: 'error_rate', edge: 'PSO->PDT' }, 'edge'],
    [{ kind: 'latency', target: 'PDT', edge: 'PSO->PDT' }, 'edge'],
    [{ kind: 'latency', edge: 'PSO-PDT' }, 'edge'],
    [{ kind: 'latency', target: 'PSO', duration: 'soon' }, 'duration'],
    [{ kind: 'error_rate', target: 'PSO', params: { rate: 2 } }, 'params.rate'],
    [{ kind: 'error_rate', target: 'PSO', params: { bogus: 1 } }, 'params'],
    [{ kind: 'latency', target: 'PSO', extra: true }, ''],
  ])('rejects %j at %s', (body, path) => {
    const r = faultRequestSchema.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('parses durations', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration(2)).toBe(2000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('0s')).toBeUndefined();
    expect(parseDuration('-1m')).toBeUndefined();
  });
});

describe('applicability', () => {
  it('knows which systems have the step a fault changes', () => {
    expect(applicabilityProblem('sequential', 'PTGS')).toMatch(/no parallel group/);
    expect(applicabilityProblem('sequential', 'PLOS')).toMatch(/3\+ calls/); // a pair: serializing it costs a few ms
    expect(applicabilityProblem('sequential', 'PSO')).toBeUndefined();
    expect(applicabilityProblem('slow_db', 'PUXT')).toMatch(/no database/);
    expect(applicabilityProblem('n_plus_one', 'PKES')).toMatch(/5\+ items/); // sign reads only 2 keys in one query
    expect(applicabilityProblem('n_plus_one', 'PDT')).toMatch(/5\+ items/); // 4 models: a few reads, not a loop
    expect(applicabilityProblem('n_plus_one', 'PAT')).toBeUndefined(); // report reads 10 scores, tags them in one call
    expect(applicabilityProblem('latency', 'PSO', { from: 'PSO', to: 'PKM' })).toMatch(/never calls/);
    for (const kind of FAULT_KINDS) expect(applicableTargets(kind).length).toBeGreaterThan(3);
  });
});

describe('effectsFor', () => {
  it('applies only the faults targeting the system and combines them', () => {
    const faults = [
      fault({ kind: 'latency', target: 'PDT', params: { delayMs: 100 } }),
      fault({ kind: 'latency', target: 'PDT', params: { delayMs: 50 } }),
      fault({ kind: 'latency', target: 'PSO', edge: { from: 'PSO', to: 'PDT' }, params: { delayMs: 300 } }),
      fault({ kind: 'error_rate', target: 'PDT', params: { rate: 0.5 } }),
      fault({ kind: 'error_rate', target: 'PDT', params: { rate: 0.5 } }),
      fault({ kind: 'pool_saturation', target: 'PDT' }),
    ];
    const pdt = effectsFor(faults, 'PDT');
    expect(pdt.extraLatencyMs).toBe(150);
    expect(pdt.errorRate).toBeCloseTo(0.75);
    expect(pdt.poolSize).toBe(2);
    expect(pdt.edgeLatencyMs).toEqual({});
    const pso = effectsFor(faults, 'PSO');
    expect(pso.extraLatencyMs).toBe(0);
    expect(pso.edgeLatencyMs).toEqual({ PDT: 300 });
    expect(effectsFor(faults, 'PAT').poolSize).toBeUndefined();
  });

  it('turns each pattern kind on', () => {
    expect(effectsFor([fault({ kind: 'n_plus_one', target: 'PAT' })], 'PAT').nPlusOne).toBe(true);
    expect(effectsFor([fault({ kind: 'sequential', target: 'PAT' })], 'PAT').sequential).toBe(true);
    expect(effectsFor([fault({ kind: 'slow_db', target: 'PAT' })], 'PAT').slowDbMs).toBe(120);
    expect(effectsFor([fault({ kind: 'memory_leak', target: 'PAT' })], 'PAT').leakBytesPerRequest).toBe(256 * 1024);
  });
});

describe('bumpVersion', () => {
  it('bumps the patch of semver and suffixes anything else', () => {
    expect(bumpVersion('3.4.1')).toBe('3.4.2');
    expect(bumpVersion('1.0.9-rc1')).toBe('1.0.10');
    expect(bumpVersion('abc')).toBe('abc-fix1');
    expect(bumpVersion('abc-fix1')).toBe('abc-fix2');
  });
});
