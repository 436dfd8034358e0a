export { openStorage } from './storage.ts';
export type { InsertFormat, InsertRowsOptions, InsertTsvOptions, Storage, StorageOptions } from './storage.ts';
