import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boundedWait, SDK_VERSION } from './shared.ts';

describe('shared', () => {
  it('SDK_VERSION matches sdk/package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });

  it('boundedWait returns done when the work finishes, timeout when it hangs', async () => {
    expect(await boundedWait(Promise.resolve(), 1000)).toBe('done');
    expect(await boundedWait(new Promise<void>(() => {}), 20)).toBe('timeout');
  });
});
