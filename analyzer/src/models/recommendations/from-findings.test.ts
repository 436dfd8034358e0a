import { describe, expect, it } from 'vitest';
import type { PatternSummary } from '../bottlenecks/rank-bottlenecks.ts';
import { draftsFromErrorOrigins, draftsFromPatterns, draftsFromRepeatedReads, draftsFromSlowQueries, opKey, type TraceFindings } from './from-findings.ts';

const nPlusOne: PatternSummary = {
  kind: 'n-plus-one',
  service: 'orders',
  operation: 'GET /orders',
  target: 'SELECT * FROM items WHERE id = ?',
  traces: 40,
  occurrences: 40,
  wastedMsTotal: 40 * 90,
  evidence: [{ traceId: 't1', spanIds: ['s1', 's2'], detail: '10 calls' }],
};

const findings = (over: Partial<TraceFindings> = {}): TraceFindings => ({ tracesAnalyzed: 80, sampleModulus: 1, latencyP50Ms: 100, bottlenecks: [], patterns: [nPlusOne], ...over });

describe('draftsFromPatterns', () => {
  it('turns an N+1 into batch-n-plus-one with the caller p50 lowered by the waste on the affected share', () => {
    const stats = new Map([[opKey('orders', 'GET /orders'), { p50Ms: 120, calls: 80, errors: 0 }]]);
    const [d] = draftsFromPatterns(findings(), stats);
    expect(d).toMatchObject({ kind: 'batch-n-plus-one', service: 'orders', operation: 'GET /orders', findingKey: nPlusOne.target });
    // half of the calls show it: 120 − 90 × 0.5
    expect(d?.expectedImprovement).toEqual({ metric: 'latency_p50_ms', current: 120, expected: 75 });
    expect(d?.impact).toBeCloseTo((45 / 120) * 0.5, 4);
    expect(d?.priorConfidence).toBe(0.8);
    expect(d?.evidence[0]).toEqual({ traceId: 't1', spanIds: ['s1', 's2'], detail: '10 calls' });
  });

  it('scales sampled trace counts back up and skips operations without stats', () => {
    const stats = new Map([[opKey('orders', 'GET /orders'), { p50Ms: 120, calls: 80, errors: 0 }]]);
    expect(draftsFromPatterns(findings({ sampleModulus: 2 }), stats)[0]?.expectedImprovement.expected).toBe(30);
    expect(draftsFromPatterns(findings(), new Map())).toEqual([]);
  });

  it('turns sequential independent calls into parallelize-calls', () => {
    const stats = new Map([[opKey('orders', 'GET /orders'), { p50Ms: 120, calls: 80, errors: 0 }]]);
    const seq: PatternSummary = { ...nPlusOne, kind: 'sequential-calls', target: 'users GET → prices GET → stock GET', traces: 80, wastedMsTotal: 80 * 40 };
    const [d] = draftsFromPatterns(findings({ patterns: [seq] }), stats);
    expect(d).toMatchObject({ kind: 'parallelize-calls', findingKey: seq.target, expectedImprovement: { current: 120, expected: 80 } });
    expect(d?.priorConfidence).toBe(0.6);
  });

  it('turns a slow statement under a caller into fix-slow-query on the caller', () => {
    const stats = new Map([[opKey('orders', 'GET /orders'), { p50Ms: 300, calls: 80, errors: 0 }]]);
    const slow: PatternSummary = { ...nPlusOne, kind: 'slow-db-statement', target: 'SELECT orders', traces: 80, occurrences: 80, wastedMsTotal: 80 * 150 };
    const [d] = draftsFromPatterns(findings({ patterns: [slow] }), stats);
    expect(d).toMatchObject({ kind: 'fix-slow-query', service: 'orders', operation: 'GET /orders', findingKey: 'SELECT orders', expectedImprovement: { current: 300, expected: 150 } });
    expect(d?.title).toContain('SELECT orders');
  });

  it('ignores kinds without a recommendation', () => {
    const stats = new Map([[opKey('orders', 'GET /orders'), { p50Ms: 120, calls: 80, errors: 0 }]]);
    expect(draftsFromPatterns(findings({ patterns: [{ ...nPlusOne, kind: 'retry-storm' }] }), stats)).toEqual([]);
  });
});

describe('draftsFromSlowQueries', () => {
  it('recommends fixing a database operation that dominates the critical path, and nothing else', () => {
    const bottleneck = { service: 'orders', operation: 'SELECT orders', criticalPathShare: 0.6, selfTimeP50Ms: 60, selfTimeP95Ms: 90, traces: 50, estSavingMs: 30, evidence: [] };
    const stats = new Map([[opKey('orders', 'SELECT orders'), { p50Ms: 60, calls: 50, errors: 0 }]]);
    const db = new Set([opKey('orders', 'SELECT orders')]);
    const [d] = draftsFromSlowQueries(findings({ bottlenecks: [bottleneck] }), stats, db);
    expect(d).toMatchObject({ kind: 'fix-slow-query', expectedImprovement: { current: 60, expected: 30 }, impact: 0.3 });
    expect(draftsFromSlowQueries(findings({ bottlenecks: [{ ...bottleneck, criticalPathShare: 0.1 }] }), stats, db)).toEqual([]);
    expect(draftsFromSlowQueries(findings({ bottlenecks: [bottleneck] }), stats, new Set())).toEqual([]);
    // 60 ms on the path from 6 × 10 ms executions is an N+1, not a slow query
    const many = new Map([[opKey('orders', 'SELECT orders'), { p50Ms: 10, calls: 300, errors: 0 }]]);
    expect(draftsFromSlowQueries(findings({ bottlenecks: [bottleneck] }), many, db)).toEqual([]);
  });
});

describe('draftsFromErrorOrigins', () => {
  it('needs enough errors and a noticeable rate', () => {
    const row = { service: 'pay', operation: 'charge', errors: 30, calls: 300, traces: 30, message: 'card declined', examples: [{ traceId: 't', spanId: 's' }] };
    const [d] = draftsFromErrorOrigins([row], { totalTraces: 600 });
    expect(d).toMatchObject({ kind: 'fix-error-source', expectedImprovement: { metric: 'error_rate', current: 0.1, expected: 0 }, impact: 0.05 });
    expect(draftsFromErrorOrigins([{ ...row, errors: 2 }])).toEqual([]);
    expect(draftsFromErrorOrigins([{ ...row, errors: 6, calls: 10_000 }])).toEqual([]);
  });
});

describe('draftsFromRepeatedReads', () => {
  it('counts only in-request repeats as saving', () => {
    const stats = new Map([[opKey('cart', 'GET /cart'), { p50Ms: 50, calls: 100, errors: 0 }]]);
    const row = { service: 'cart', operation: 'GET /cart', target: 'SELECT * FROM config WHERE id = 1', calls: 300, traces: 100, avgMs: 5, examples: [] };
    const [d] = draftsFromRepeatedReads([row], stats);
    expect(d?.expectedImprovement).toEqual({ metric: 'latency_p50_ms', current: 50, expected: 40 });
    expect(draftsFromRepeatedReads([{ ...row, calls: 150 }], stats)).toEqual([]);
  });
});
