export { openStorage } from './storage.ts';
export type { InsertTsvOptions, Storage, StorageOptions } from './storage.ts';
