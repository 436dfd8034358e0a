export { createApp, API_BASE } from './app.ts';
export { startApi } from './server.ts';
export type { ApiServer } from './server.ts';
export type { ApiDeps, CheckStatus, HealthCheck } from './deps.ts';
