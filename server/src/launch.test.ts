import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PPO_EXEC_ENV, PPO_NODE_ARGS, ppoProcessEnv } from './launch.ts';

const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
const envPrefix = Object.entries(PPO_EXEC_ENV).map(([k, v]) => `${k}=${v}`).join(' ');

describe('launching PPO', () => {
  it('npm start runs exactly what scripts use to start PPO', () => {
    expect(scripts['start']).toBe(`${envPrefix} node ${PPO_NODE_ARGS.join(' ')}`);
  });

  it('npm run demo gets the same allocator environment and preload', () => {
    expect(scripts['demo']).toMatch(new RegExp(`^${envPrefix} node ${PPO_NODE_ARGS.slice(0, -1).join(' ')} `));
  });

  it('an explicit environment wins over the defaults', () => {
    const env = ppoProcessEnv({ MALLOC_MMAP_THRESHOLD_: '65536', FOO: 'bar' });
    expect(env['MALLOC_MMAP_THRESHOLD_']).toBe('65536');
    expect(env['FOO']).toBe('bar');
    expect(ppoProcessEnv({})['MALLOC_MMAP_THRESHOLD_']).toBe('131072');
  });
});
