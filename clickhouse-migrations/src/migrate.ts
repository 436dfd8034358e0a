import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { renderMigration, splitStatements, statementHeadline } from './render-migration.ts';

export type MigrationLog = (msg: string, fields?: object) => void;

export interface MigrateOptions {
  /** Days of telemetry to keep; 0 renders the tables without a TTL. */
  retentionDays: number;
  log?: MigrationLog | undefined;
  /** Folder of `NNNN_name.sql` files; the package's own `sql/` when absent. */
  migrationsDir?: string | undefined;
}

export interface MigrateResult {
  /** File names applied by this run, in order. */
  applied: string[];
  /** File names already recorded as applied, left alone. */
  skipped: string[];
}

/** A statement of a migration failed; the migration is not recorded, so a re-run retries it. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly file: string,
    readonly statementIndex: number,
    readonly statement: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`migration ${file} failed at statement ${statementIndex + 1} (${statementHeadline(statement)}): ${reason}`, options);
  }
}

interface MigrationFile {
  version: number;
  file: string;
  text: string;
  checksum: string;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

export const MIGRATIONS_TABLE = 'ppo_schema_migrations';

const DEFAULT_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

// ReplacingMergeTree so two runners racing on one server, each recording the
// same version, collapse to one row; readers use FINAL.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3)
) ENGINE = ReplacingMergeTree
ORDER BY version`;

async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const byVersion = new Map<number, MigrationFile>();
  for (const file of names) {
    const match = FILE_NAME.exec(file);
    if (!match?.[1]) {
      // A misnamed file would otherwise be skipped silently and its schema never created.
      throw new Error(`migration file ${file} in ${dir} is not named NNNN_lowercase_name.sql`);
    }
    const version = Number(match[1]);
    const previous = byVersion.get(version);
    if (previous) throw new Error(`migrations ${previous.file} and ${file} share version ${version}`);
    const text = await readFile(join(dir, file), 'utf8');
    byVersion.set(version, { version, file, text, checksum: createHash('sha256').update(text).digest('hex') });
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

async function readApplied(client: ClickHouseClient): Promise<Map<number, AppliedRow>> {
  const rows = await client
    .query({ query: `SELECT version, name, checksum FROM ${MIGRATIONS_TABLE} FINAL`, format: 'JSONEachRow' })
    .then((r) => r.json<AppliedRow>());
  return new Map(rows.map((row) => [Number(row.version), row]));
}

/**
 * Brings the database up to the newest schema: applies, in version order,
 * every migration file not yet recorded in `ppo_schema_migrations`, then
 * records it. Forward-only and safe to re-run; a half-applied migration is
 * retried whole, which is why every statement must be `IF NOT EXISTS`.
 */
export async function migrate(client: ClickHouseClient, opts: MigrateOptions): Promise<MigrateResult> {
  const log: MigrationLog = opts.log ?? (() => {});
  const files = await readMigrationFiles(opts.migrationsDir ?? DEFAULT_DIR);
  await client.command({ query: CREATE_MIGRATIONS_TABLE });
  const applied = await readApplied(client);

  const result: MigrateResult = { applied: [], skipped: [] };
  for (const migration of files) {
    const done = applied.get(migration.version);
    if (done) {
      if (done.checksum !== migration.checksum) {
        // Forward-only: an edited file is never re-applied, so its change is
        // silently missing from existing databases. Say so; add a new migration instead.
        log('applied migration changed since it was applied; add a new migration instead of editing it', {
          version: migration.version,
          file: migration.file,
          recordedChecksum: done.checksum,
          currentChecksum: migration.checksum,
        });
      }
      result.skipped.push(migration.file);
      continue;
    }

    const started = performance.now();
    const statements = splitStatements(renderMigration(migration.text, { retentionDays: opts.retentionDays }));
    for (const [index, statement] of statements.entries()) {
      try {
        await client.command({ query: statement });
      } catch (cause) {
        throw new MigrationError(migration.file, index, statement, { cause });
      }
    }
    await client.command({
      query: `INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum, applied_at)
              VALUES ({version:UInt32}, {name:String}, {checksum:String}, now64(3))`,
      query_params: { version: migration.version, name: migration.file, checksum: migration.checksum },
    });
    result.applied.push(migration.file);
    log('migration applied', {
      version: migration.version,
      file: migration.file,
      statements: statements.length,
      ms: Math.round(performance.now() - started),
    });
  }
  return result;
}
