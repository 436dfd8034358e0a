import { describe, expect, it } from 'vitest';
import { closure, edges, ENTRY_POINTS, hostGroups, SYSTEMS, TOPOLOGY, topologyProblems, type SystemSpec } from './topology.ts';

describe('the fleet topology', () => {
  it('has the 22 systems once each, every call resolvable and no call cycle', () => {
    expect(TOPOLOGY.map((s) => s.name).sort()).toEqual([...SYSTEMS].sort());
    expect(SYSTEMS).toHaveLength(22);
    expect(topologyProblems()).toEqual([]);
  });

  it('reaches every system from the load generator entry points', () => {
    const reached = closure([...new Set(ENTRY_POINTS.map((e) => e.system))]);
    expect(reached.map((s) => s.name).sort()).toEqual([...SYSTEMS].sort());
  });

  it('has PSO orchestrating, foundation systems calling each other, enterprise systems fanning out', () => {
    const all = edges();
    const out = (s: string) => all.filter((e) => e.from === s).length;
    const tier = (s: string) => TOPOLOGY.find((t) => t.name === s)?.tier;
    expect(out('PSO')).toBeGreaterThanOrEqual(5);
    expect(all.some((e) => tier(e.from) === 'foundation' && tier(e.to) === 'foundation')).toBe(true);
    for (const s of TOPOLOGY.filter((t) => t.tier === 'enterprise')) expect(out(s.name)).toBeGreaterThanOrEqual(2);
  });

  it('spreads the systems over a few host processes', () => {
    const groups = hostGroups();
    expect(groups.size).toBeGreaterThanOrEqual(2);
    expect(groups.size).toBeLessThanOrEqual(6);
  });

  it('detects a dangling call and a cycle', () => {
    const a: SystemSpec = { name: 'PSO', tier: 'orchestrator', host: 'x', version: '1.0.0', description: '', operations: [{ name: 'x', method: 'GET', route: '/api/x', steps: [{ kind: 'call', target: 'PDT', operation: 'nope' }] }] };
    expect(topologyProblems([a])).toEqual(['PSO.x calls unknown PDT.nope']);
  });

  it('a closure keeps callees: the subset never calls a system that is not running', () => {
    const sub = closure(['PAT']);
    const names = new Set(sub.map((s) => s.name));
    expect(names).toEqual(new Set(['PAT', 'PKM', 'PCAS', 'PTGS']));
    for (const e of edges()) if (names.has(e.from)) expect(names.has(e.to)).toBe(true);
  });
});
