import { describe, expect, it } from 'vitest';
import { checkTransition, mergeRecommendations, rankRecommendations } from './merge-recommendations.ts';
import { recommendationId } from './recommendation-id.ts';
import type { Recommendation, RecommendationDraft } from './types.ts';

const draft = (over: Partial<RecommendationDraft> = {}): RecommendationDraft => ({
  service: 'orders',
  operation: 'GET /orders',
  kind: 'batch-n-plus-one',
  findingKey: 'SELECT * FROM items WHERE id = ?',
  source: 'patterns',
  title: 'Batch the N+1',
  detail: '12 calls per request',
  expectedImprovement: { metric: 'latency_p50_ms', current: 120, expected: 40 },
  priorConfidence: 0.8,
  impact: 0.5,
  evidence: [{ traceId: 'ab', spanIds: ['01'], detail: 'example' }],
  ...over,
});

const ctx = (now: string, from = 1n, to = 2n) => ({ now, from, to, calibrate: (_k: string, p: number) => p });

describe('recommendationId', () => {
  it('is stable for one finding and differs across any field', () => {
    const id = recommendationId('a', 'op', 'add-cache', 'k');
    expect(recommendationId('a', 'op', 'add-cache', 'k')).toBe(id);
    expect(id).toMatch(/^rec_[0-9a-f]{20}$/);
    expect(new Set([id, recommendationId('b', 'op', 'add-cache', 'k'), recommendationId('a', 'op2', 'add-cache', 'k'), recommendationId('a', 'op', 'fix-slow-query', 'k'), recommendationId('a', 'op', 'add-cache', 'k2'), recommendationId('a', undefined, 'add-cache', 'opk')]).size).toBe(6);
  });
});

describe('mergeRecommendations', () => {
  it('de-duplicates across runs: the same finding updates one record', () => {
    const first = mergeRecommendations([draft()], new Map(), ctx('2026-01-01T00:00:00.000Z'));
    expect(first.records).toHaveLength(1);
    const rec = first.records[0] as Recommendation;
    expect(first.created.has(rec.id)).toBe(true);
    expect(rec.status).toBe('open');

    const applied: Recommendation = { ...rec, status: 'applied', note: 'shipped in 1.4', appliedAt: 5n };
    const second = mergeRecommendations(
      [draft({ detail: '15 calls per request', expectedImprovement: { metric: 'latency_p50_ms', current: 150, expected: 40 } })],
      new Map([[rec.id, applied]]),
      ctx('2026-01-01T01:00:00.000Z', 3n, 4n),
    );
    expect(second.created.size).toBe(0);
    expect(second.records).toHaveLength(1);
    const updated = second.records[0] as Recommendation;
    expect(updated.id).toBe(rec.id);
    expect(updated).toMatchObject({ status: 'applied', note: 'shipped in 1.4', appliedAt: 5n, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T01:00:00.000Z', detail: '15 calls per request', timesSeen: 2, observedFrom: 3n, observedTo: 4n });
    expect(updated.expectedImprovement.current).toBe(150);
  });

  it('keeps one record when two drafts of a run are the same finding', () => {
    const r = mergeRecommendations([draft({ impact: 0.2 }), draft({ impact: 0.6, detail: 'bigger' })], new Map(), ctx('t'));
    expect(r.records).toHaveLength(1);
    expect(r.records[0]?.detail).toBe('bigger');
  });

  it('calibrates confidence through the given function', () => {
    const r = mergeRecommendations([draft()], new Map(), { ...ctx('t'), calibrate: (kind, p) => (kind === 'batch-n-plus-one' ? p / 2 : p) });
    expect(r.records[0]?.confidence).toBe(0.4);
  });
});

describe('rankRecommendations', () => {
  it('orders by confidence × impact', () => {
    const ranked = rankRecommendations([
      { id: 'a', confidence: 0.9, impact: 0.1 },
      { id: 'b', confidence: 0.5, impact: 0.5 },
      { id: 'c', confidence: 0.2, impact: 0.5 },
    ]);
    expect(ranked.map((r) => r.id)).toEqual(['b', 'c', 'a']);
  });
});

describe('checkTransition', () => {
  it('allows apply/dismiss before measurement and refuses after', () => {
    expect(checkTransition('open', 'applied')).toEqual({ ok: true, changed: true });
    expect(checkTransition('applied', 'applied')).toEqual({ ok: true, changed: false });
    expect(checkTransition('dismissed', 'applied')).toEqual({ ok: true, changed: true });
    expect(checkTransition('verified', 'dismissed').ok).toBe(false);
    expect(checkTransition('regressed', 'applied').ok).toBe(false);
  });
});
