export interface RenderOptions {
  /** Days of telemetry to keep; 0 keeps everything (no TTL clause at all). */
  retentionDays: number;
}

const RETENTION_PLACEHOLDER = '{{RETENTION_DAYS}}';

// A retention of 0 must mean "no TTL", not "expire immediately", so the whole
// clause goes, not just the number. Hence the rule that a TTL clause sits on one line.
const TTL_LINE_WITH_RETENTION = /^[ \t]*TTL\b[^\n]*\{\{RETENTION_DAYS\}\}[^\n]*(?:\n|$)/gm;

const ANY_PLACEHOLDER = /\{\{[^}]*\}\}/;

/**
 * Turns a migration file's text into executable SQL for the given retention.
 * Throws on a placeholder it does not know, so a typo fails the migration
 * instead of reaching ClickHouse as `{{...}}`.
 */
export function renderMigration(sql: string, opts: RenderOptions): string {
  const { retentionDays } = opts;
  if (!Number.isSafeInteger(retentionDays) || retentionDays < 0) {
    throw new RangeError(`retentionDays must be a whole number >= 0, got ${retentionDays}`);
  }
  const rendered =
    retentionDays === 0
      ? sql.replace(TTL_LINE_WITH_RETENTION, '')
      : sql.replaceAll(RETENTION_PLACEHOLDER, String(retentionDays));
  const leftover = ANY_PLACEHOLDER.exec(rendered);
  if (leftover) {
    const hint = leftover[0] === RETENTION_PLACEHOLDER ? ' (it may only appear on a single-line TTL clause)' : '';
    throw new Error(`unknown or misplaced placeholder ${leftover[0]}${hint}`);
  }
  return rendered;
}

function isOnlyComments(chunk: string): boolean {
  return chunk
    .split('\n')
    .map((line) => line.trim())
    .every((line) => line === '' || line.startsWith('--'));
}

/**
 * Splits a migration into statements at `;` ending a line. The client sends
 * one statement per request, and a line-end rule keeps `;` inside string
 * literals or mid-line comments from cutting a statement in two.
 */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((chunk) => chunk.trim())
    .filter((chunk) => !isOnlyComments(chunk));
}

/** First line of SQL in a statement, for error messages and logs. */
export function statementHeadline(statement: string): string {
  const line = statement
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('--'));
  return line ?? statement.slice(0, 80);
}
