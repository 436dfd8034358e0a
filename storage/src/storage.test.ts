import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from './storage.ts';

const dir = mkdtempSync(join(tmpdir(), 'ppo-storage-'));
const storage = openStorage({ dataDir: dir });

afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded storage', () => {
  it('binds query parameters and inserts raw TSV with an explicit column list', async () => {
    expect(storage.kind).toBe('embedded');
    expect(await storage.ping()).toBe(true);
    await storage.client.command({
      query: 'CREATE TABLE t (ts DateTime64(9), name String, attrs Map(LowCardinality(String), String)) ENGINE = MergeTree ORDER BY ts',
    });
    const tsv = "{'k':'v'}\t1700000000123456789\ta\\tb\n{}\t1700000000000000001\tplain\n";
    await storage.insertTsv('t', Buffer.from(tsv), { columns: ['attrs', 'ts', 'name'] });
    const rows = await storage.client
      .query({
        query: 'SELECT toString(toUnixTimestamp64Nano(ts)) AS ns, name, attrs FROM t WHERE name != {skip:String} ORDER BY ts',
        query_params: { skip: 'nothing' },
        format: 'JSONEachRow',
      })
      .then((r) => r.json());
    expect(rows).toEqual([
      { ns: '1700000000000000001', name: 'plain', attrs: {} },
      { ns: '1700000000123456789', name: 'a\tb', attrs: { k: 'v' } },
    ]);
  });

  it('rejects identifiers that are not plain names', async () => {
    await expect(storage.insertTsv('t; DROP TABLE t', Buffer.from(''), { columns: ['ts'] })).rejects.toThrow(/invalid ClickHouse identifier/);
  });
});
