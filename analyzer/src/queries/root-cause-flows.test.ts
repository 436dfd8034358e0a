import { describe, expect, it } from 'vitest';
import { FLOW_SPAN_BUDGET, flowTraceCap, MAX_FLOW_TRACES, MIN_FLOW_TRACES } from './root-cause-flows.ts';

describe('flowTraceCap', () => {
  it('reads the full sample of shallow traces and fewer deep ones, within bounds', () => {
    expect(flowTraceCap(166_000, 1_000_000)).toBe(MAX_FLOW_TRACES); // 6 spans a trace
    expect(flowTraceCap(190, 14_800)).toBe(Math.floor(FLOW_SPAN_BUDGET / (14_800 / 190))); // ~78 spans a trace → ~770
    expect(flowTraceCap(1000, 1_000_000)).toBe(MIN_FLOW_TRACES); // 1000 spans a trace
    expect(flowTraceCap(0, 0)).toBe(MAX_FLOW_TRACES); // nothing to size by
  });
});
