export { loadConfig, loadConfigOrExit, ConfigError } from './config.ts';
export type { PpoConfig, Role } from './config.ts';
export { startPpo, createLogger } from './ppo.ts';
export type { Ppo, PpoHooks } from './ppo.ts';
