// `npx tsx benchmarks/native-encode.ts [--rows 1000 --attributes 20 --blocks 300 --rounds 5]`
//
// Cost of the Native block encoder alone (collector/src/rows/native-block.ts),
// per span row: the pushes of every otel_traces column plus serialize(), for
// blocks of `--rows` realistic spans with `--attributes` span attributes each
// (semantic-convention keys; values that repeat like methods and routes, and
// values unique per span like ids and SQL with literals), a resource per
// service (20 services), and an event on one span in ten. Inputs are made
// before timing, as the decoder has them: strings for names and keys, raw
// bytes for ids and (second mode) for attribute values, which a
// protobuf-to-Native decoder can copy without making a JS string; a third
// mode also encodes each resource's attributes once per block.
// Figures are CPU time of the process per row (GC included), median of the
// rounds. One line per round on stdout, then one JSON line.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { numberOption } from './lib/cli-args.ts';
import { Random } from './lib/random.ts';
import type { EncodedMapRow } from '../collector/src/rows/native-block.ts';
import { createOtelTracesBlock } from '../collector/src/rows/native-traces.ts';
import { median } from './lib/timing.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000' },
    attributes: { type: 'string', default: '20' },
    blocks: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '5' },
  },
  strict: true,
});
const ROWS = numberOption(args, 'rows', 1, { integer: true });
const ATTRS = numberOption(args, 'attributes', 0, { integer: true });
const BLOCKS = numberOption(args, 'blocks', 1, { integer: true });
const ROUNDS = numberOption(args, 'rounds', 1, { integer: true });

const rnd = new Random(42);

const KEYS = [
  'http.request.method', 'http.route', 'http.response.status_code', 'server.address', 'server.port', 'url.scheme',
  'url.path', 'user_agent.original', 'network.peer.address', 'network.protocol.version', 'db.system', 'db.query.text',
  'db.namespace', 'thread.id', 'thread.name', 'code.function', 'code.filepath', 'code.lineno', 'enduser.id',
  'session.id', 'messaging.system', 'rpc.method', 'retry.count', 'cache.hit', 'feature.flag', 'tenant.id',
];
const SERVICES = Array.from({ length: 20 }, (_, i) => `service-${i}`);

interface Attr {
  key: string;
  value: string;
  /** Where the value's UTF-8 bytes are in REQUEST, as a decoder finds them in the protobuf body. */
  start: number;
  end: number;
}

/** One Buffer holding every attribute value's bytes, like a request body the decoder slices. */
const REQUEST = Buffer.allocUnsafe(1 << 24);
let requestLen = 0;
function inRequest(value: string): { start: number; end: number } {
  const start = requestLen;
  requestLen += REQUEST.write(value, start, 'utf8');
  return { start, end: requestLen };
}
interface SpanInput {
  tsLo: number;
  tsHi: number;
  /** trace id 0-16, span id 16-24, parent 24-32 (32-32 for a root). */
  ids: Uint8Array;
  parentEnd: number;
  name: string;
  kind: string;
  service: number;
  duration: number;
  status: string;
  attrs: Attr[];
  event: { lo: number; hi: number; name: string; attrs: Attr[] } | undefined;
}

function attrValue(key: string, i: number): string {
  switch (key) {
    case 'http.request.method':
      return rnd.pick(['GET', 'POST', 'PUT', 'DELETE']);
    case 'http.response.status_code':
      return rnd.chance(0.05) ? '500' : '200';
    case 'db.query.text':
      return `SELECT id, total, status FROM orders WHERE customer_id = ${rnd.int(1, 1e6)} AND created_at > '2026-01-01' LIMIT ${rnd.int(1, 50)}`;
    case 'user_agent.original':
      return 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
    case 'enduser.id':
    case 'session.id':
      return `${rnd.int(1e8, 9e8).toString(16)}-${rnd.int(1e8, 9e8).toString(16)}`;
    case 'network.peer.address':
      return `10.0.${rnd.int(0, 7)}.${rnd.int(1, 250)}`;
    case 'http.route':
    case 'url.path':
      return `/api/v1/orders/{id}/items/${i % 17}`;
    default:
      return `${key.split('.')[0]}-${rnd.int(0, 30)}`;
  }
}

function makeAttrs(n: number, i: number): Attr[] {
  const out: Attr[] = [];
  for (let k = 0; k < n; k++) {
    const key = KEYS[(i + k) % KEYS.length] as string;
    const value = attrValue(key, i);
    out.push({ key, value, ...inRequest(value) });
  }
  return out;
}

const RESOURCES: Attr[][] = SERVICES.map((service, s) =>
  [
    ['service.name', service],
    ['service.version', `1.${s}.0`],
    ['service.instance.id', `${service}-7d9f8b6c5-${s}x`],
    ['host.name', `node-${s % 5}`],
    ['telemetry.sdk.language', 'nodejs'],
    ['telemetry.sdk.version', '2.2.0'],
  ].map(([key, value]) => ({ key: key as string, value: value as string, ...inRequest(value as string) })),
);

const T0 = 1_767_225_600_000_000_000n;
const spans: SpanInput[] = Array.from({ length: ROWS }, (_, i) => {
  const ts = T0 + BigInt(i) * 1_000_123n;
  const ids = new Uint8Array(32);
  for (let b = 0; b < 32; b++) ids[b] = rnd.int(0, 255);
  const evTs = ts + 5000n;
  return {
    tsLo: Number(ts & 0xffffffffn),
    tsHi: Number(ts >> 32n),
    ids,
    parentEnd: i % 8 === 0 ? 24 : 32,
    name: `GET /api/v1/orders/{id}/items/${i % 17}`,
    kind: rnd.pick(['Server', 'Client', 'Internal']),
    service: i % SERVICES.length,
    duration: rnd.int(10_000, 2_000_000_000),
    status: rnd.chance(0.05) ? 'Error' : 'Unset',
    attrs: makeAttrs(ATTRS, i),
    event: i % 10 === 0 ? { lo: Number(evTs & 0xffffffffn), hi: Number(evTs >> 32n), name: 'exception', attrs: makeAttrs(3, i + 1) } : undefined,
  };
});

const { block, columns: c } = createOtelTracesBlock();

type Mode = 'strings' | 'bytes' | 'cached';
const resourceRows: (EncodedMapRow | undefined)[] = [];

/**
 * Fills the block with every span and serializes it. `strings`: every value
 * pushed as a JS string; `bytes`: attribute values copied as UTF-8 bytes;
 * `cached`: as `bytes`, and each resource's attributes encoded once per
 * block (MapColumn.encodeRow) and appended per span (pushEncodedRow).
 */
function encodeBlock(mode: Mode): number {
  const rawValues = mode !== 'strings';
  block.reset();
  resourceRows.length = 0;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i] as SpanInput;
    c.Timestamp.push(s.tsLo, s.tsHi);
    c.TraceId.pushHex(s.ids, 0, 16);
    c.SpanId.pushHex(s.ids, 16, 24);
    c.ParentSpanId.pushHex(s.ids, 24, s.parentEnd);
    c.TraceState.push('');
    c.SpanName.push(s.name);
    c.SpanKind.push(s.kind);
    c.ServiceName.push(SERVICES[s.service] as string);
    const res = RESOURCES[s.service] as Attr[];
    const ra = c.ResourceAttributes;
    if (mode === 'cached') {
      let row = resourceRows[s.service];
      if (row === undefined) row = resourceRows[s.service] = ra.encodeRow(res.map((a) => [a.key, a.value] as const));
      ra.pushEncodedRow(row);
    } else {
      for (let k = 0; k < res.length; k++) {
        const a = res[k] as Attr;
        ra.keys.push(a.key);
        if (rawValues) ra.values.pushBytes(REQUEST, a.start, a.end);
        else ra.values.push(a.value);
      }
      ra.endRow();
    }
    c.ScopeName.push('@opentelemetry/instrumentation-http');
    c.ScopeVersion.push('0.219.0');
    c.ScopeAttributes.endRow();
    const sa = c.SpanAttributes;
    for (let k = 0; k < s.attrs.length; k++) {
      const a = s.attrs[k] as Attr;
      sa.keys.push(a.key);
      if (rawValues) sa.values.pushBytes(REQUEST, a.start, a.end);
      else sa.values.push(a.value);
    }
    sa.endRow();
    c.Duration.pushNumber(s.duration);
    c.StatusCode.push(s.status);
    c.StatusMessage.push('');
    const ev = s.event;
    if (ev !== undefined) {
      c['Events.Timestamp'].elements.push(ev.lo, ev.hi);
      c['Events.Name'].elements.push(ev.name);
      const ea = c['Events.Attributes'].elements;
      for (const a of ev.attrs) {
        ea.keys.push(a.key);
        if (rawValues) ea.values.pushBytes(REQUEST, a.start, a.end);
        else ea.values.push(a.value);
      }
      ea.endRow();
    }
    c['Events.Timestamp'].endRow();
    c['Events.Name'].endRow();
    c['Events.Attributes'].endRow();
    c['Links.TraceId'].endRow();
    c['Links.SpanId'].endRow();
    c['Links.TraceState'].endRow();
    c['Links.Attributes'].endRow();
  }
  return block.serialize().length;
}

let bytesPerBlock = 0;
const MODES: readonly Mode[] = ['strings', 'bytes', 'cached'];
const results: Record<Mode, number[]> = { strings: [], bytes: [], cached: [] };
// Warm-up: let the JIT settle and the buffers reach their size.
for (let i = 0; i < 50; i++) for (const mode of MODES) encodeBlock(mode);
for (let r = 0; r < ROUNDS; r++) {
  for (const mode of MODES) {
    // CPU time of this process, not wall time: the benchmark shares 2 cores
    // with other work, and time spent descheduled is not the encoder's cost.
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let b = 0; b < BLOCKS; b++) bytesPerBlock = encodeBlock(mode);
    const wallNs = (performance.now() - t0) * 1e6;
    const cpu = process.cpuUsage(c0);
    const nsPerRow = ((cpu.user + cpu.system) * 1000) / (BLOCKS * ROWS);
    results[mode].push(nsPerRow);
    console.log(
      `round ${r + 1} values as ${mode}: ${nsPerRow.toFixed(0)} CPU ns/row (${(1e6 / nsPerRow).toFixed(0)}k rows/s per core), wall ${(wallNs / (BLOCKS * ROWS)).toFixed(0)} ns/row`,
    );
  }
}
console.log(
  JSON.stringify({
    rows_per_block: ROWS,
    span_attributes: ATTRS,
    resource_attributes: 6,
    ns_per_row: Math.round(median(results.strings)),
    ns_per_row_values_as_bytes: Math.round(median(results.bytes)),
    ns_per_row_cached_resource: Math.round(median(results.cached)),
    bytes_per_row: Math.round(bytesPerBlock / ROWS),
  }),
);
