/**
 * Route tests run the real app (`app.request()`) over real chDB in a temp
 * dir, with spans loaded the way the collector stores them: OTLP/JSON →
 * the collector's decoder → TSV → otel_traces (so the RED views run too).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { migrate } from '@ppo/clickhouse-migrations';
import { TABLE_COLUMNS } from '@ppo/collector';
import { openStorage, type Storage } from '@ppo/storage';
// The decoder is internal to the collector; tests reach it by path rather than widen its public surface.
import { decodeRequest } from '../../../collector/src/otlp/decode.ts';
import { LiveEvents } from '@ppo/analyzer';
import { createApp } from '../app.ts';
import type { ApiDeps } from '../deps.ts';

export interface Reply {
  status: number;
  headers: Headers;
  json: unknown;
}

export interface ApiHarness {
  app: Hono;
  storage: Storage;
  /** Decodes an OTLP/JSON traces request and inserts its spans; resolves to the number stored. */
  insertOtlp(request: unknown): Promise<number>;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export async function startApiHarness(extra: Partial<ApiDeps> = {}): Promise<ApiHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ppo-api-test-'));
  let storage: Storage;
  try {
    storage = openStorage({ dataDir: dir });
    // No TTL: fixtures carry fixed (old) dates that a retention would expire.
    await migrate(storage.client, { retentionDays: 0 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const app = createApp({ storage, checks: async () => ({}), apiKeys: [], metricsText: () => '# no metrics\n', events: new LiveEvents(), ...extra });
  return {
    app,
    storage,
    async insertOtlp(request) {
      const decoded = decodeRequest('traces', 'json', Buffer.from(JSON.stringify(request)));
      if (decoded.rejected > 0) throw new Error(`fixture spans rejected: ${decoded.errorMessage}`);
      const table = decoded.batch.tables.get('otel_traces');
      if (!table) return 0;
      await storage.insertTsv('otel_traces', Buffer.from(table.text), { columns: TABLE_COLUMNS.otel_traces });
      return table.rows;
    },
    async get(path, headers = {}) {
      const res = await app.request(path, { headers });
      const text = await res.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, headers: res.headers, json };
    },
    async close() {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A span for `otlpTraces`; times in unix ns. */
export interface TestSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP enum: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind?: number;
  startNs: bigint;
  durationNs: bigint;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
  resource?: Record<string, string>;
}

function anyValue(v: string | number | boolean): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

const keyValues = (o: Record<string, string | number | boolean>): { key: string; value: Record<string, unknown> }[] =>
  Object.entries(o).map(([key, v]) => ({ key, value: anyValue(v) }));

/** An OTLP/JSON ExportTraceServiceRequest, one resource per service. */
export function otlpTraces(spans: readonly TestSpan[]): unknown {
  const byService = new Map<string, TestSpan[]>();
  for (const s of spans) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: keyValues({ 'service.name': service, ...(list[0]?.resource ?? {}) }) },
      scopeSpans: [
        {
          scope: { name: 'ppo-api-test' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            name: s.name,
            kind: s.kind ?? 0,
            startTimeUnixNano: s.startNs.toString(),
            endTimeUnixNano: (s.startNs + s.durationNs).toString(),
            attributes: keyValues(s.attributes ?? {}),
            status: s.error ? { code: 2, message: 'failed' } : {},
          })),
        },
      ],
    })),
  };
}
