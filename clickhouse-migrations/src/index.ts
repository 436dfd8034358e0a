export { migrate, MigrationError, MIGRATIONS_TABLE } from './migrate.ts';
export type { MigrateOptions, MigrateResult, MigrationLog } from './migrate.ts';
export { renderMigration } from './render-migration.ts';
export type { RenderOptions } from './render-migration.ts';
export { OTEL_TABLES } from './otel-tables.ts';
export type { OtelTable } from './otel-tables.ts';
