import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requireApiKey } from './auth.ts';
import { corsMiddleware } from './cors.ts';
import type { ApiDeps } from './deps.ts';
import { openApiRouteDocs, openApiRoutes, type RouteDoc } from './openapi.ts';
import { ProblemError, problemResponse } from './problem.ts';
import { requestLog } from './request-log.ts';
import { analyzeBottlenecksRouteDocs, analyzeBottlenecksRoutes } from './routes/analyze-bottlenecks.ts';
import { capacityPlanningRouteDocs, capacityPlanningRoutes } from './routes/capacity-planning.ts';
import { optimizeResourcesRouteDocs, optimizeResourcesRoutes } from './routes/optimize-resources.ts';
import { anomaliesRouteDocs, anomaliesRoutes } from './routes/anomalies.ts';
import { coordinateRouteDocs, coordinateRoutes } from './routes/coordinate.ts';
import { criticalPathRouteDocs, criticalPathRoutes } from './routes/critical-path.ts';
import { detectAnomaliesRouteDocs, detectAnomaliesRoutes } from './routes/detect-anomalies.ts';
import { deployEventsRouteDocs, deployEventsRoutes } from './routes/deploy-events.ts';
import { optimizeRouteDocs, optimizeRoutes } from './routes/optimize.ts';
import { optimizePerformanceRouteDocs, optimizePerformanceRoutes } from './routes/optimize-performance.ts';
import { ppoMetricsRouteDocs, ppoMetricsRoutes } from './routes/ppo-metrics.ts';
import { recommendationsRouteDocs, recommendationsRoutes } from './routes/recommendations.ts';
import { healthRouteDocs, healthRoutes } from './routes/health.ts';
import { monitorPerformanceRouteDocs, monitorPerformanceRoutes } from './routes/monitor-performance.ts';
import { monitorsRouteDocs, monitorsRoutes } from './routes/monitors.ts';
import { performanceAnalyticsRouteDocs, performanceAnalyticsRoutes } from './routes/performance-analytics.ts';
import { performanceMetricsRouteDocs, performanceMetricsRoutes } from './routes/performance-metrics.ts';
import { predictPerformanceRouteDocs, predictPerformanceRoutes } from './routes/predict-performance.ts';
import { rootCauseRouteDocs, rootCauseRoutes } from './routes/root-cause.ts';
import { serviceMapRouteDocs, serviceMapRoutes } from './routes/service-map.ts';
import { serviceRouteDocs, serviceRoutes } from './routes/services.ts';
import { streamRouteDocs, streamRoutes } from './routes/stream.ts';
import { traceSearchRouteDocs, traceSearchRoutes } from './routes/trace-search.ts';
import { traceRouteDocs, traceRoutes } from './routes/traces.ts';

export const API_BASE = '/api/ppo';
const API_VERSION = '0.1.0';

const metricsRouteDocs: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/metrics',
    root: true,
    public: true,
    tag: 'meta',
    summary: "PPO's own Prometheus metrics (received, accepted, refused, inserted, spool bytes, insert latency)",
    response: { description: 'Prometheus text exposition format 0.0.4', contentType: 'text/plain; version=0.0.4' },
  },
];

/**
 * What `GET /api/ppo/openapi.json` documents: every route mounted below, each
 * described in its own module from the zod schemas it validates with. A route
 * added below must add its docs here (app.test.ts fails otherwise).
 */
export const ROUTE_DOCS: readonly RouteDoc[] = [
  ...healthRouteDocs,
  ...serviceRouteDocs,
  ...serviceMapRouteDocs,
  ...performanceMetricsRouteDocs,
  ...traceSearchRouteDocs,
  ...traceRouteDocs,
  ...criticalPathRouteDocs,
  ...analyzeBottlenecksRouteDocs,
  ...capacityPlanningRouteDocs,
  ...optimizeResourcesRouteDocs,
  ...detectAnomaliesRouteDocs,
  ...anomaliesRouteDocs,
  ...predictPerformanceRouteDocs,
  ...monitorPerformanceRouteDocs,
  ...monitorsRouteDocs,
  ...streamRouteDocs,
  ...optimizePerformanceRouteDocs,
  ...recommendationsRouteDocs,
  ...deployEventsRouteDocs,
  ...optimizeRouteDocs,
  ...ppoMetricsRouteDocs,
  ...rootCauseRouteDocs,
  ...coordinateRouteDocs,
  ...performanceAnalyticsRouteDocs,
  ...openApiRouteDocs,
  ...metricsRouteDocs,
];

/** The whole HTTP API; every resource is its own sub-app, mounted here and only here. */
export function createApp(deps: ApiDeps, log?: { error(obj: object, msg: string): void }): Hono {
  const errorLog = log ?? deps.log;
  const app = new Hono();
  const api = new Hono();

  const isProbe = (path: string): boolean => path === `${API_BASE}/health` || path === '/metrics';
  if (deps.log) app.use('*', requestLog(deps.log, isProbe));
  // Before the key check: browsers send preflights without credentials.
  if (deps.corsOrigins && deps.corsOrigins.length > 0) app.use(`${API_BASE}/*`, corsMiddleware(deps.corsOrigins));
  if (deps.apiKeys.length > 0) {
    api.use('*', requireApiKey(deps.apiKeys, (path) => path === `${API_BASE}/health`, (path) => path === `${API_BASE}/stream`));
  }

  api.route('/health', healthRoutes(deps));
  api.route('/services', serviceRoutes(deps));
  api.route('/service-map', serviceMapRoutes(deps));
  api.route('/performance-metrics', performanceMetricsRoutes(deps));
  // `GET /traces` (search) and `GET /traces/{traceId}` share the prefix; each sub-app owns its paths.
  api.route('/traces', traceSearchRoutes(deps));
  api.route('/traces', traceRoutes(deps));
  api.route('/traces', criticalPathRoutes(deps));
  api.route('/analyze-bottlenecks', analyzeBottlenecksRoutes(deps));
  api.route('/capacity-planning', capacityPlanningRoutes(deps));
  api.route('/optimize-resources', optimizeResourcesRoutes(deps));
  api.route('/detect-anomalies', detectAnomaliesRoutes(deps));
  api.route('/anomalies', anomaliesRoutes(deps));
  api.route('/predict-performance', predictPerformanceRoutes(deps));
  api.route('/monitor-performance', monitorPerformanceRoutes(deps));
  api.route('/monitors', monitorsRoutes(deps));
  api.route('/stream', streamRoutes(deps, deps.stream));
  api.route('/optimize-performance', optimizePerformanceRoutes(deps));
  api.route('/recommendations', recommendationsRoutes(deps));
  api.route('/events', deployEventsRoutes(deps));
  api.route('/optimize', optimizeRoutes(deps));
  // PPO's own optimization figures; the root `GET /metrics` stays Prometheus self-metrics.
  api.route('/metrics', ppoMetricsRoutes(deps));
  api.route('/root-cause', rootCauseRoutes(deps));
  api.route('/coordinate', coordinateRoutes(deps));
  api.route('/performance-analytics', performanceAnalyticsRoutes(deps));
  api.route('/openapi.json', openApiRoutes(ROUTE_DOCS, { basePath: API_BASE, version: API_VERSION }));

  app.route(API_BASE, api);
  // Prometheus scrapes the conventional path, outside the API base and without a key.
  app.get('/metrics', (c) => c.text(deps.metricsText(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }));

  app.notFound((c) => problemResponse(c, new ProblemError(404, 'Not Found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    if (err instanceof ProblemError) return problemResponse(c, err);
    if (err instanceof HTTPException) {
      return problemResponse(c, new ProblemError(err.status, 'HTTP Error', err.message || `request failed with status ${err.status}`));
    }
    errorLog?.error({ err }, 'api request failed');
    return problemResponse(c, new ProblemError(500, 'Internal Server Error', 'the server failed to handle this request; see its logs'));
  });
  return app;
}
