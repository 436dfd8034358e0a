import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

let installed = false;

/**
 * Installs, once per process, what every tracer needs to follow a request across
 * callbacks and hops: an AsyncLocalStorage context manager (the active span survives
 * awaits, timers and event emitters) and the W3C `traceparent` + `baggage` propagator
 * (`propagation.inject/extract`, used by the HTTP instrumentations). Tracer providers
 * themselves stay per service; this is the one piece they share. Idempotent; `start()`
 * calls it, a process that only uses `createServiceTelemetry()` calls it itself.
 */
export function installContext(): void {
  if (installed) return;
  installed = true;
  const manager = new AsyncLocalStorageContextManager();
  manager.enable();
  // false when another SDK in the process registered one first: keep theirs, it does the same job.
  if (!context.setGlobalContextManager(manager)) manager.disable();
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}
