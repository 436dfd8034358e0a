import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/**
 * Modules the auto-instrumentations patch. With ESM the loader hook only wraps these
 * (import-in-the-middle `include`), so every other module of the app loads untouched.
 */
export const INSTRUMENTED_MODULES = [
  'http',
  'https',
  'express',
  'fastify',
  'pg',
  'pg-pool',
  'mysql2',
  'ioredis',
  'redis',
  '@redis/client',
  'mongodb',
  'pino',
] as const;

/**
 * The auto-instrumentations: inbound/outbound HTTP (node:http/https, undici = global
 * fetch), web frameworks (express route/middleware spans, fastify through @fastify/otel,
 * hono through its node-server's http spans), database clients (pg, mysql2, redis,
 * ioredis, mongodb) and pino (trace ids in log lines, and the lines themselves sent as
 * OTLP logs). Individual packages rather than the auto-instrumentations meta-package: it
 * pulls in ~40 instrumentations and cloud detectors no PPO service uses.
 */
export function autoInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      // Health probes would drown the real traffic in RED figures and traces.
      ignoreIncomingRequestHook: (req) => {
        const url = req.url ?? '';
        return url === '/health' || url === '/healthz' || url === '/readyz' || url === '/livez';
      },
    }),
    new UndiciInstrumentation(),
    new ExpressInstrumentation(),
    new FastifyOtelInstrumentation({ registerOnInitialization: true }),
    new PgInstrumentation({ enhancedDatabaseReporting: false }),
    new MySQL2Instrumentation(),
    new RedisInstrumentation(),
    new IORedisInstrumentation(),
    new MongoDBInstrumentation(),
    new PinoInstrumentation(),
  ];
}

/**
 * Runtime metrics: event-loop delay percentiles and utilization, heap spaces, GC
 * durations by kind (v8js.*, nodejs.eventloop.*). Event-loop delay is sampled every 10 ms
 * (the histogram's resolution), fine enough to see a 20 ms stall.
 */
export function runtimeInstrumentation(enabled = true): Instrumentation {
  return new RuntimeNodeInstrumentation({ monitoringPrecision: 10, enabled });
}
