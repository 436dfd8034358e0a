/**
 * In-process fan-out of what the analyzer finds, for `GET /api/ppo/stream`
 * (Server-Sent Events) and the webhook. Publishing never blocks and never
 * throws: a slow or failing subscriber is the subscriber's problem (the SSE
 * route bounds its own buffer per client).
 */

/** The event types the live stream carries (DESIGN.md §5, issue #8). */
export type LiveEventType = 'anomaly' | 'slo_burn' | 'recommendation' | 'outcome' | 'ingest' | 'root_cause' | 'forecast';

export interface LiveEvent {
  readonly type: LiveEventType;
  /** When the event was published, RFC 3339 with ms. */
  readonly at: string;
  /** The finding itself, as the matching API endpoint returns it (JSON-serializable). */
  readonly data: Readonly<Record<string, unknown>>;
}

export type LiveEventListener = (event: LiveEvent) => void;

export class LiveEvents {
  private readonly listeners = new Set<LiveEventListener>();
  private published = 0;

  constructor(private readonly onListenerError?: (err: unknown, event: LiveEvent) => void) {}

  /** Delivers synchronously to every current subscriber; returns the event as published. */
  publish(type: LiveEventType, data: Readonly<Record<string, unknown>>, at: Date = new Date()): LiveEvent {
    const event: LiveEvent = { type, at: at.toISOString(), data };
    this.published++;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError?.(err, event);
      }
    }
    return event;
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: LiveEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  get publishedCount(): number {
    return this.published;
  }
}
