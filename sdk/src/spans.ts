import { SpanKind, SpanStatusCode, type Attributes, type Histogram, type Meter, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { HTTP_DURATION_BUCKETS_S } from './http.ts';

/**
 * Runs `fn` inside a new active span of `tracer` and ends the span when `fn` settles: an
 * error thrown or rejected is recorded on the span (exception event, status ERROR,
 * error.type) and rethrown. Children created inside — spans, logs, outgoing calls — hang
 * under it through the process-wide context.
 */
export async function inSpan<T>(tracer: Tracer, name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      markError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

function markError(span: Span, err: unknown): void {
  const type = err instanceof Error ? err.name : 'Error';
  span.setAttribute('error.type', type);
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(err instanceof Error ? { message: err.message } : {}) });
}

export interface DbCall {
  /** db.system.name: `sqlite`, `postgresql`, `mysql`, `redis`, `other_sql` … */
  system: string;
  /** db.query.text: the statement with parameters as placeholders (never the values). */
  statement: string;
  /** db.operation.name, e.g. `SELECT`; default: the statement's first word. */
  operation?: string;
  /** db.collection.name: the main table. */
  collection?: string;
  /** db.namespace: the database name. */
  namespace?: string;
}

export function createDbInstrument(meter: Meter): Histogram {
  return meter.createHistogram('db.client.operation.duration', {
    unit: 's',
    description: 'Duration of database client operations.',
    advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS_S },
  });
}

/** db.operation.name from a statement: its first keyword, upper-cased (`select` → `SELECT`). */
export function operationOf(statement: string): string | undefined {
  const word = /^\s*([A-Za-z]+)/.exec(statement)?.[1];
  return word?.toUpperCase();
}

/**
 * A database call as a CLIENT span named `{operation} {collection}` (semconv), carrying
 * db.system.name and db.query.text — what PPO's slow-statement and N+1 detectors read —
 * and counted in db.client.operation.duration.
 */
export async function dbCall<T>(tracer: Tracer, duration: Histogram, call: DbCall, fn: () => Promise<T> | T): Promise<T> {
  const operation = call.operation ?? operationOf(call.statement);
  const attributes: Attributes = { 'db.system.name': call.system, 'db.query.text': call.statement };
  if (operation !== undefined) attributes['db.operation.name'] = operation;
  if (call.collection !== undefined) attributes['db.collection.name'] = call.collection;
  if (call.namespace !== undefined) attributes['db.namespace'] = call.namespace;
  const name = [operation, call.collection].filter((p) => p !== undefined).join(' ') || call.system;
  const metricAttrs: Attributes = { 'db.system.name': call.system };
  if (operation !== undefined) metricAttrs['db.operation.name'] = operation;
  if (call.collection !== undefined) metricAttrs['db.collection.name'] = call.collection;
  const startNs = process.hrtime.bigint();
  try {
    return await inSpan(tracer, name, { kind: SpanKind.CLIENT, attributes }, () => fn());
  } catch (err) {
    metricAttrs['error.type'] = err instanceof Error ? err.name : 'Error';
    throw err;
  } finally {
    duration.record(Number(process.hrtime.bigint() - startNs) / 1e9, metricAttrs);
  }
}
