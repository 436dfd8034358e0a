import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderMigration, splitStatements } from './render-migration.ts';

const sqlDir = fileURLToPath(new URL('../sql/', import.meta.url));
const files = readdirSync(sqlDir).filter((f) => f.endsWith('.sql'));
const read = (file: string) => readFileSync(new URL(file, new URL('../sql/', import.meta.url)), 'utf8');

const TABLE = `CREATE TABLE IF NOT EXISTS t (ts DateTime) ENGINE = MergeTree
ORDER BY ts
TTL toDateTime(ts) + toIntervalDay({{RETENTION_DAYS}})
SETTINGS index_granularity = 8192;
`;

describe('renderMigration', () => {
  it('puts the retention into the TTL clause', () => {
    expect(renderMigration(TABLE, { retentionDays: 7 })).toContain('TTL toDateTime(ts) + toIntervalDay(7)\n');
  });

  it('drops the whole TTL clause when retention is 0, keeping the rest intact', () => {
    expect(renderMigration(TABLE, { retentionDays: 0 })).toBe(
      'CREATE TABLE IF NOT EXISTS t (ts DateTime) ENGINE = MergeTree\nORDER BY ts\nSETTINGS index_granularity = 8192;\n',
    );
  });

  it('rejects negative or fractional retention', () => {
    expect(() => renderMigration(TABLE, { retentionDays: -1 })).toThrow(RangeError);
    expect(() => renderMigration(TABLE, { retentionDays: 1.5 })).toThrow(RangeError);
  });

  it('rejects unknown placeholders and a retention placeholder outside a TTL line', () => {
    expect(() => renderMigration('SELECT {{DATABASE}}', { retentionDays: 7 })).toThrow(/\{\{DATABASE\}\}/);
    expect(() => renderMigration('SELECT {{RETENTION_DAYS}}', { retentionDays: 0 })).toThrow(/single-line TTL/);
  });

  it.each(files)('%s renders with and without retention, every table keeping its TTL only when retention > 0', (file) => {
    const text = read(file);
    // A table that must outlive the telemetry (PPO's own track record) says so with `-- retention: none`.
    const creates = splitStatements(text).filter((st) => /^CREATE TABLE/m.test(st) && !/^-- retention: none\b/m.test(st)).length;
    const kept = renderMigration(text, { retentionDays: 7 });
    const dropped = renderMigration(text, { retentionDays: 0 });
    // `greatest(retention, n)`: tables that must outlive short retentions (SLO periods up to 90 d).
    expect(kept.match(/^TTL .*\+ toIntervalDay\((?:7|greatest\(7, \d+\))\)$/gm)?.length ?? 0).toBe(creates);
    expect(dropped).not.toMatch(/\bTTL\b/);
    expect(dropped).not.toContain('{{');
  });
});

describe('splitStatements', () => {
  it('splits at ; ending a line and drops comment-only chunks', () => {
    const sql = "-- header\nCREATE TABLE a (x String DEFAULT ';') ENGINE = Memory;\n\nCREATE VIEW v AS SELECT 1;  \n-- trailing note\n";
    expect(splitStatements(sql)).toEqual(["-- header\nCREATE TABLE a (x String DEFAULT ';') ENGINE = Memory", 'CREATE VIEW v AS SELECT 1']);
  });

  it('finds one statement per CREATE or ALTER in the shipped migrations', () => {
    for (const file of files) {
      const text = renderMigration(read(file), { retentionDays: 7 });
      const statements = text.match(/^(CREATE|ALTER) /gm)?.length ?? 0;
      expect(splitStatements(text), file).toHaveLength(statements);
    }
  });
});
