import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from './storage.ts';

// Its own file: the engine's settings are fixed by the first connection of a process.
const dir = mkdtempSync(join(tmpdir(), 'ppo-engine-'));
const storage = openStorage({ dataDir: dir, engineMaxMemoryBytes: 3 * 1024 * 1024 * 1024 });

afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded engine memory cap', () => {
  it('reaches the engine the queries run on', async () => {
    const rows = await storage.client
      .query({ query: "SELECT value FROM system.server_settings WHERE name = 'max_server_memory_usage'", format: 'JSONEachRow' })
      .then((r) => r.json<{ value: string }>());
    expect(rows).toEqual([{ value: String(3 * 1024 * 1024 * 1024) }]);
  });
});
