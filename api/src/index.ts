export { createApp, API_BASE, ROUTE_DOCS } from './app.ts';
export { buildOpenApiDocument } from './openapi.ts';
export type { HttpMethod, OpenApiInfo, RouteDoc } from './openapi.ts';
export { startApi } from './server.ts';
export type { ApiServer } from './server.ts';
export type { AnalysisRunner, ApiDeps, CheckStatus, HealthCheck } from './deps.ts';
