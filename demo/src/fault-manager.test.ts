import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaultManager, FaultRejected, type TruthRecord } from './fault-manager.ts';
import { faultRequestSchema, type Fault } from './faults.ts';
import type { SystemName } from './topology.ts';

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ppo-faults-'));
  dirs.push(dir);
  const changes: (readonly Fault[])[] = [];
  const deploys: [SystemName, string][] = [];
  const versions = new Map<SystemName, string>([
    ['PSO', '3.4.1'],
    ['PDT', '4.1.0'],
  ]);
  const m = new FaultManager({ truthLogPath: join(dir, 'demo', 'faults.jsonl'), versions, onChange: (a) => changes.push(a), onDeploy: (s, v) => deploys.push([s, v]) });
  const truth = (): TruthRecord[] => readFileSync(m.truthLogPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthRecord);
  return { m, changes, deploys, versions, truth };
}

describe('FaultManager', () => {
  it('logs start and fix, pushes the active list and redeploys with the next version', () => {
    const { m, changes, deploys, versions, truth } = setup();
    const f = m.inject(faultRequestSchema.parse({ kind: 'slow_db', target: 'PDT' }));
    expect(m.list()).toEqual([f]);
    expect(changes.at(-1)).toEqual([f]);
    const fixed = m.fix(f.id);
    expect(fixed?.serviceVersion).toBe('4.1.1');
    expect(versions.get('PDT')).toBe('4.1.1');
    expect(deploys).toEqual([['PDT', '4.1.1']]);
    expect(changes.at(-1)).toEqual([]);
    const log = truth();
    expect(log.map((r) => r.event)).toEqual(['start', 'end']);
    expect(log[0]).toMatchObject({ kind: 'slow_db', target: 'PDT', serviceVersion: '4.1.0', params: { delayMs: 120 } });
    expect(log[1]).toMatchObject({ reason: 'fixed', serviceVersion: '4.1.0', newServiceVersion: '4.1.1' });
    expect(m.fix(f.id)).toBeUndefined();
  });

  it('expires a fault with a duration without a deploy', () => {
    vi.useFakeTimers();
    const { m, deploys, truth } = setup();
    m.inject(faultRequestSchema.parse({ kind: 'latency', edge: 'PSO->PDT', duration: '2s' }));
    vi.advanceTimersByTime(2_001);
    expect(m.list()).toEqual([]);
    expect(deploys).toEqual([]);
    expect(truth().at(-1)).toMatchObject({ event: 'end', reason: 'expired', edge: { from: 'PSO', to: 'PDT' } });
  });

  it('refuses systems that are not running and faults that cannot apply', () => {
    const { m } = setup();
    expect(() => m.inject(faultRequestSchema.parse({ kind: 'latency', target: 'PKM' }))).toThrow(FaultRejected);
    expect(() => m.inject(faultRequestSchema.parse({ kind: 'latency', edge: 'PSO->PAT' }))).toThrow(/not running/);
    expect(() => m.inject(faultRequestSchema.parse({ kind: 'latency', edge: 'PDT->PSO' }))).toThrow(/never calls/);
  });

  it('ends everything at shutdown so every start has an end', () => {
    const { m, truth } = setup();
    m.inject(faultRequestSchema.parse({ kind: 'cpu_burn', target: 'PSO' }));
    m.inject(faultRequestSchema.parse({ kind: 'memory_leak', target: 'PDT' }));
    m.endAll();
    const log = truth();
    expect(log.filter((r) => r.event === 'end' && r.reason === 'shutdown')).toHaveLength(2);
  });
});
