import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boundedWait, describeShutdown, SDK_VERSION } from './shared.ts';

describe('shared', () => {
  it('SDK_VERSION matches sdk/package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });

  it('boundedWait returns done when the work finishes, timeout when it hangs', async () => {
    expect(await boundedWait(Promise.resolve(), 1000)).toBe('done');
    expect(await boundedWait(new Promise<void>(() => {}), 20)).toBe('timeout');
  });

  it('boundedWait turns a failure into a value, so unattended shutdowns cannot crash the app', async () => {
    const boom = new Error('14 UNAVAILABLE');
    const outcome = await boundedWait(Promise.reject(boom), 1000);
    expect(outcome).toEqual({ error: boom });
    expect(describeShutdown(outcome, 1000)).toMatch(/export failed during shutdown.*14 UNAVAILABLE/);
    expect(describeShutdown('timeout', 1000, 'flush')).toMatch(/within 1000 ms of flush/);
    expect(describeShutdown('done', 1000)).toBeUndefined();
  });
});
