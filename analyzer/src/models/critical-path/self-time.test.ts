import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spanSelfTime } from './self-time.ts';
import { sharedPath } from '../../../../test/helpers/shared-dir.ts';

interface Timed {
  startTime: number;
  duration: number;
}

const fixture = JSON.parse(readFileSync(sharedPath('fixtures/critical-path/self-time.json'), 'utf8')) as {
  cases: { name: string; span: Timed; children: Timed[]; expectedSelfTime: number }[];
};

const interval = (t: Timed) => ({ start: t.startTime, end: t.startTime + t.duration });

describe('span self time (jaeger-ui cases)', () => {
  it('has the eleven cases', () => expect(fixture.cases.length).toBe(11));
  for (const c of fixture.cases) {
    it(c.name, () => {
      expect(spanSelfTime(interval(c.span), c.children.map(interval))).toBe(c.expectedSelfTime);
      // Order must not matter to us, even though the source expects start order.
      expect(spanSelfTime(interval(c.span), c.children.map(interval).reverse())).toBe(c.expectedSelfTime);
    });
  }
});
