import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INSERT_STAGING_DIR, openStorage } from './storage.ts';

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

  it('inserts a batch spanning more than 100 daily partitions', async () => {
    // Found by test/fuzz-receivers.test.ts: ClickHouse refuses over 100 partitions per INSERT block by default,
    // and a batch that fails every retry blocks its table's spool for good.
    await storage.client.command({ query: 'CREATE TABLE days (ts DateTime64(9)) ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY ts' });
    const day = 86_400_000_000_000n;
    const tsv = Array.from({ length: 150 }, (_, i) => `${1_700_000_000_000_000_000n + BigInt(i) * day}\n`).join('');
    await storage.insertTsv('days', Buffer.from(tsv), { columns: ['ts'], dedupToken: 'days-1' });
    const [row] = await storage.client.query({ query: 'SELECT toUInt32(count()) AS n, toUInt32(uniqExact(toDate(ts))) AS d FROM days', format: 'JSONEachRow' }).then((r) => r.json());
    expect(row).toEqual({ n: 150, d: 150 });
  });

  it('a retried batch with the same deduplication token is stored once (rows staged as a file leave nothing behind)', async () => {
    await storage.client.command({
      query: 'CREATE TABLE d (ts DateTime64(9), `Events.Name` Array(String)) ENGINE = MergeTree ORDER BY ts SETTINGS non_replicated_deduplication_window = 100',
    });
    const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => `${1_700_000_000_000_000_000n + BigInt(i)}\t['e${i}']\n`).join(''));
    const count = async (): Promise<number> =>
      Number(((await storage.client.query({ query: 'SELECT count() AS n FROM d', format: 'JSONEachRow' }).then((r) => r.json())) as { n: string }[])[0]?.n);
    await storage.insertTsv('d', body, { columns: ['ts', 'Events.Name'], dedupToken: 'batch-1' });
    await storage.insertTsv('d', body, { columns: ['ts', 'Events.Name'], dedupToken: 'batch-1' });
    expect(await count()).toBe(1000);
    await storage.insertTsv('d', body, { columns: ['ts', 'Events.Name'], dedupToken: 'batch-2' });
    expect(await count()).toBe(2000);
    // A batch in pieces (one per spooled request) is the same bytes in order, even cut mid-row.
    await storage.insertTsv('d', [body.subarray(0, 100), body.subarray(100, 5000), body.subarray(5000)], { columns: ['ts', 'Events.Name'], dedupToken: 'batch-3' });
    expect(await count()).toBe(3000);
    expect(readdirSync(join(dir, INSERT_STAGING_DIR))).toEqual([]);
  });

  it('inserts Native blocks in pieces, and a retried Native batch with the same token is stored once', async () => {
    // Blocks as the engine itself writes them, one per piece as the spool hands over one per request.
    const block = async (from: number): Promise<Buffer> => {
      const r = await storage.client.exec({
        query: `SELECT toDateTime64(1700000000 + number, 9) AS ts, [concat('n', toString(number))] AS \`Events.Name\` FROM numbers(${from}, 400) FORMAT Native`,
      });
      const chunks: Buffer[] = [];
      for await (const c of r.stream) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    const pieces = [await block(0), await block(400), await block(800)];
    await storage.client.command({
      query: 'CREATE TABLE n (ts DateTime64(9), `Events.Name` Array(String)) ENGINE = MergeTree ORDER BY ts SETTINGS non_replicated_deduplication_window = 100',
    });
    const insert = (token: string) => storage.insertRows('n', pieces, { columns: ['ts', 'Events.Name'], dedupToken: token, format: 'Native' });
    await insert('native-1');
    await insert('native-1');
    const read = () => storage.client.query({ query: 'SELECT toUInt32(count()) AS n, toUInt32(uniqExact(ts)) AS d, max(`Events.Name`)[1] AS last FROM n', format: 'JSONEachRow' }).then((r) => r.json());
    expect(await read()).toEqual([{ n: 1200, d: 1200, last: 'n999' }]);
    await insert('native-2');
    expect((await read())[0]).toMatchObject({ n: 2400 });
    expect(readdirSync(join(dir, INSERT_STAGING_DIR))).toEqual([]);
  });

  it('refuses rows it cannot parse with the ClickHouse error code of the value, and cleans up', async () => {
    const err = await storage.insertTsv('d', Buffer.from("not-a-time\t[]\n"), { columns: ['ts', 'Events.Name'], dedupToken: 'bad' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // The collector tells "never goes in" from an outage by this code (41 CANNOT_PARSE_DATETIME).
    expect((err as { code?: unknown }).code).toBe('41');
    expect(String(err)).toMatch(/DateTime/);
    expect(readdirSync(join(dir, INSERT_STAGING_DIR))).toEqual([]);
    await expect(storage.insertTsv('d', Buffer.from('1\t[]\n'), { columns: ['ts', 'nope'] })).rejects.toThrow(/table d has no column nope/);
  });

  it('rejects identifiers that are not plain names', async () => {
    await expect(storage.insertTsv('t; DROP TABLE t', Buffer.from(''), { columns: ['ts'] })).rejects.toThrow(/invalid ClickHouse identifier/);
  });
});
