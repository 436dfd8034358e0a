import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '@ppo/storage';
import { isRejectedData } from './clickhouse-errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'ppo-ch-errors-'));
const storage = openStorage({ dataDir: dir });
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('isRejectedData', () => {
  it('recognizes a real chDB parse error as refused data, and other failures as retryable', async () => {
    await storage.client.command({ query: 'CREATE TABLE t (n UInt32, m Map(String, String)) ENGINE = MergeTree ORDER BY n' });
    const parse = await storage.insertTsv('t', Buffer.from('not-a-number\t{}\n'), { columns: ['n', 'm'] }).catch((e: unknown) => e);
    expect(parse).toBeInstanceOf(Error);
    expect(isRejectedData(parse)).toBe(true);
    const missing = await storage.insertTsv('no_such_table', Buffer.from('1\n'), { columns: ['n'] }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Error);
    expect(isRejectedData(missing)).toBe(false);
    expect(isRejectedData(new Error('ECONNREFUSED'))).toBe(false);
    expect(isRejectedData(Object.assign(new Error('server'), { code: '27' }))).toBe(true);
  });
});
