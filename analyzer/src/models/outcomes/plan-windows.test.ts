import { describe, expect, it } from 'vitest';
import { deploysFromVersions, planWindows } from './plan-windows.ts';

const MIN = 60_000_000_000n;
const T0 = 1_767_225_600_000_000_000n;

describe('planWindows', () => {
  const base = { maxWindowNs: 30n * MIN, minWindowNs: 5n * MIN };

  it('uses equal windows as long as the data allows: backdated 20 + 20 minutes', () => {
    const p = planWindows({ ...base, changeAt: T0 + 20n * MIN, dataStart: T0, dataEnd: T0 + 40n * MIN - 1_000_000_000n });
    expect(p.state).toBe('ready');
    if (p.state !== 'ready') return;
    expect(p.afterTo - p.changeAt).toBe(p.changeAt - p.beforeFrom);
    expect(p.windowNs).toBe(20n * MIN - 1_000_000_000n);
  });

  it('caps the windows at the maximum', () => {
    const p = planWindows({ ...base, changeAt: T0 + 120n * MIN, dataStart: T0, dataEnd: T0 + 200n * MIN });
    expect(p).toMatchObject({ state: 'ready', beforeFrom: T0 + 90n * MIN, afterTo: T0 + 150n * MIN });
  });

  it('waits while the after window is short and gives up without before data', () => {
    expect(planWindows({ ...base, changeAt: T0 + 20n * MIN, dataStart: T0, dataEnd: T0 + 25n * MIN }).state).toBe('wait');
    expect(planWindows({ ...base, changeAt: T0 + 2n * MIN, dataStart: T0, dataEnd: T0 + 60n * MIN }).state).toBe('insufficient');
  });
});

describe('deploysFromVersions', () => {
  it('reports every version after the first per service, at its first span', () => {
    const d = deploysFromVersions(
      [
        { service: 'a', version: '2', firstSeen: T0 + 20n * MIN },
        { service: 'a', version: '1', firstSeen: T0 },
        { service: 'b', version: '7', firstSeen: T0 + 5n * MIN },
        { service: 'a', version: '3', firstSeen: T0 + 50n * MIN },
      ],
      T0 - 60n * MIN,
      10n * MIN,
    );
    expect(d.map((v) => `${v.service}@${v.version}`)).toEqual(['a@2', 'a@3']);
  });

  it('does not trust a first sighting at the edge of the lookback', () => {
    const d = deploysFromVersions(
      [
        { service: 'a', version: '1', firstSeen: T0 },
        { service: 'a', version: '2', firstSeen: T0 + MIN },
      ],
      T0,
      10n * MIN,
    );
    expect(d).toEqual([]);
  });
});
