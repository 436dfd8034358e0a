import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installContext } from './context.ts';
import { createDbInstrument, dbCall, inSpan, operationOf } from './spans.ts';

class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const spans = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('test');
const reader = new TestReader();
const duration = createDbInstrument(new MeterProvider({ readers: [reader] }).getMeter('test'));

beforeAll(() => installContext());
beforeEach(() => spans.reset());

describe('inSpan', () => {
  it('ends the span when the work settles, with children under it', async () => {
    const value = await inSpan(tracer, 'outer', {}, async () => {
      await new Promise((r) => setTimeout(r, 5));
      tracer.startSpan('inner').end();
      return 42;
    });
    expect(value).toBe(42);
    const [inner, outer] = spans.getFinishedSpans();
    expect(outer?.name).toBe('outer');
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(outer?.status.code).toBe(SpanStatusCode.UNSET);
    // Nothing stays active once the work is done.
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('records a failure and rethrows it', async () => {
    await expect(inSpan(tracer, 'fails', {}, () => Promise.reject(new RangeError('out of range')))).rejects.toThrow('out of range');
    const [span] = spans.getFinishedSpans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'out of range' });
    expect(span?.attributes['error.type']).toBe('RangeError');
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });
});

describe('dbCall', () => {
  it('names the span by operation and table and carries what the detectors read', async () => {
    const rows = await dbCall(tracer, duration, { system: 'sqlite', statement: 'select * from items where id = ?', collection: 'items' }, () => [1, 2]);
    expect(rows).toEqual([1, 2]);
    await expect(
      dbCall(tracer, duration, { system: 'sqlite', statement: 'UPDATE stock SET n = n - 1', namespace: 'shop' }, () => {
        throw new Error('database is locked');
      }),
    ).rejects.toThrow('locked');
    const [select, update] = spans.getFinishedSpans();
    expect(select?.name).toBe('SELECT items');
    expect(select?.kind).toBe(SpanKind.CLIENT);
    expect(select?.attributes).toEqual({
      'db.system.name': 'sqlite',
      'db.query.text': 'select * from items where id = ?',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'items',
    });
    expect(update?.name).toBe('UPDATE');
    expect(update?.attributes['db.namespace']).toBe('shop');
    expect(update?.status.code).toBe(SpanStatusCode.ERROR);

    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'db.client.operation.duration');
    expect(metric?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const points = (metric?.dataPoints ?? []).map((p) => p.attributes);
    expect(points).toContainEqual({ 'db.system.name': 'sqlite', 'db.operation.name': 'SELECT', 'db.collection.name': 'items' });
    expect(points).toContainEqual({ 'db.system.name': 'sqlite', 'db.operation.name': 'UPDATE', 'error.type': 'Error' });
  });

  it('operationOf takes the first keyword', () => {
    expect(operationOf('  with x as (select 1) select * from x')).toBe('WITH');
    expect(operationOf('-- comment')).toBeUndefined();
  });
});
