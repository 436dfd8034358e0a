import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { findRequestOffsets, patchGeneration, type RequestOffsets } from './otlp-offsets.ts';
import { Random } from './random.ts';
import { createSpanGenerator } from './span-generator.ts';

/** One pre-encoded OTLP/protobuf ExportTraceServiceRequest. */
export interface EncodedRequest {
  readonly index: number;
  readonly body: Buffer;
  readonly spans: number;
  readonly offsets: RequestOffsets;
  /** How many times the pool wrapped when this request was last patched. */
  generation: number;
  /** True while a client is sending (or retrying) it: never patch it then. */
  busy: boolean;
}

export interface PoolOptions {
  requests: number;
  spansPerRequest: number;
  seed: number;
  /** Simulated traffic rate, which spaces the traces' timestamps. */
  simulatedSpansPerSecond: number;
  onProgress?: (built: number) => void;
}

export interface PoolStats {
  requests: number;
  spans: number;
  bytes: number;
  traces: number;
  services: number;
  resourcesPerRequest: number;
  attributesPerSpan: number;
  eventsPerSpan: number;
  errorSpanShare: number;
  buildMs: number;
}

/**
 * A ring of pre-encoded requests. Each time the ring wraps, a request is
 * patched in place to new trace ids and later timestamps (see
 * otlp-offsets.ts), so every row PPO stores is distinct, with no encoding
 * work while the clock runs.
 */
export class RequestPool {
  private cursor = 0;
  private wraps = 0;

  private constructor(
    private readonly items: EncodedRequest[],
    /** Simulated time covered by one pass over the pool; added per wrap. */
    private readonly shiftNs: bigint,
    readonly stats: PoolStats,
  ) {}

  static build(opts: PoolOptions): RequestPool {
    const started = performance.now();
    const random = new Random(opts.seed);
    const nowSec = Math.floor(Date.now() / 1000);
    // Start a minute in the past: a few wraps later we are near "now".
    const gen = createSpanGenerator({ random, baseSec: nowSec - 60 });
    const nsPerSpan = 1e9 / opts.simulatedSpansPerSecond;
    const items: EncodedRequest[] = [];
    let offsetNs = 0;
    let spans = 0;
    let bytes = 0;
    let traces = 0;
    let resources = 0;
    let attributes = 0;
    let events = 0;
    let errors = 0;
    for (let i = 0; i < opts.requests; i++) {
      const batch: ReadableSpan[] = [];
      while (batch.length < opts.spansPerRequest) {
        const t = gen.trace(offsetNs);
        traces++;
        // Keep whole traces, but do not overshoot by much: an SDK batch
        // processor cuts at a span count, not at trace boundaries.
        if (batch.length > 0 && batch.length + t.length > opts.spansPerRequest * 1.05) break;
        for (const s of t) batch.push(s);
        offsetNs += t.length * nsPerSpan;
      }
      for (const s of batch) {
        attributes += Object.keys(s.attributes).length;
        events += s.events.length;
        if (s.status.code === 2) errors++;
      }
      resources += new Set(batch.map((s) => s.resource)).size;
      const encoded = ProtobufTraceSerializer.serializeRequest(batch);
      if (!encoded) throw new Error('the OTLP transformer returned no request');
      const body = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
      const offsets = findRequestOffsets(body);
      if (offsets.spans !== batch.length) throw new Error(`offset scan found ${offsets.spans} spans, expected ${batch.length}`);
      items.push({ index: i, body, spans: batch.length, offsets, generation: 0, busy: false });
      spans += batch.length;
      bytes += body.length;
      opts.onProgress?.(i + 1);
    }
    const shiftNs = BigInt(Math.ceil(offsetNs / 1e9) + 1) * 1_000_000_000n;
    return new RequestPool(items, shiftNs, {
      requests: items.length,
      spans,
      bytes,
      traces,
      services: gen.services.length,
      resourcesPerRequest: resources / items.length,
      attributesPerSpan: attributes / spans,
      eventsPerSpan: events / spans,
      errorSpanShare: errors / spans,
      buildMs: performance.now() - started,
    });
  }

  /** Times the pool has wrapped (0 while every request is still original). */
  get generations(): number {
    return this.wraps;
  }

  /**
   * The next request not in flight, patched to the current generation and
   * marked busy; call `release` when it is acknowledged or abandoned.
   */
  take(): EncodedRequest {
    for (let tries = 0; tries < this.items.length; tries++) {
      const item = this.items[this.cursor] as EncodedRequest;
      const generation = this.wraps;
      this.cursor++;
      if (this.cursor === this.items.length) {
        this.cursor = 0;
        this.wraps++;
      }
      if (item.busy) continue;
      patchGeneration(item.body, item.offsets, item.generation, generation, this.shiftNs);
      item.generation = generation;
      item.busy = true;
      return item;
    }
    throw new Error('every pre-encoded request is in flight: build a larger pool than the number of clients');
  }

  release(item: EncodedRequest): void {
    item.busy = false;
  }
}
