import type { ClickHouseClient } from '@clickhouse/client';
import type { CapacityInput, CapacitySample } from '../models/capacity/plan-capacity.ts';
import { fetchMetricSeries, listMetrics, type MetricInfo } from './metric-series.ts';

/**
 * What capacity planning and right-sizing read for a service, reduced in
 * ClickHouse: throughput and mean latency per bucket from the RED rollups,
 * CPU and memory from whichever OTLP resource metrics the service reports
 * (old and new semantic conventions), and the replica count.
 */

/** Usage metrics in cores (gauges, or cumulative CPU seconds whose rate is cores); first found wins. */
const CPU_CORE_METRICS = ['container.cpu.usage', 'k8s.pod.cpu.usage', 'k8s.container.cpu.usage', 'process.cpu.time', 'container.cpu.time', 'k8s.pod.cpu.time', 'process.runtime.jvm.cpu.time'] as const;
/** Utilization as a fraction (semantic conventions: 0..1 of the CPUs / limit available). */
const CPU_RATIO_METRICS = ['k8s.container.cpu_limit_utilization', 'k8s.pod.cpu_limit_utilization', 'container.cpu.utilization', 'k8s.pod.cpu.utilization', 'process.cpu.utilization', 'system.cpu.utilization'] as const;
const CPU_LIMIT_METRICS = ['k8s.container.cpu_limit', 'container.cpu.limit', 'k8s.container.cpu.limit'] as const;
const CPU_REQUEST_METRICS = ['k8s.container.cpu_request', 'container.cpu.request', 'k8s.container.cpu.request'] as const;

const MEMORY_BYTE_METRICS = ['container.memory.working_set', 'k8s.pod.memory.working_set', 'container.memory.usage', 'k8s.pod.memory.usage', 'process.memory.usage', 'process.memory.physical_usage', 'process.runtime.jvm.memory.usage'] as const;
const MEMORY_RATIO_METRICS = ['k8s.container.memory_limit_utilization', 'k8s.pod.memory_limit_utilization', 'process.memory.utilization', 'system.memory.utilization'] as const;
const MEMORY_LIMIT_METRICS = ['k8s.container.memory_limit', 'container.memory.limit', 'k8s.container.memory.limit'] as const;
const MEMORY_REQUEST_METRICS = ['k8s.container.memory_request', 'container.memory.request', 'k8s.container.memory.request'] as const;

/** Resource attributes that name one replica, most specific first. */
const INSTANCE_KEY = "coalesce(nullIf(ResourceAttributes['service.instance.id'], ''), nullIf(ResourceAttributes['k8s.pod.name'], ''), nullIf(ResourceAttributes['host.name'], ''))";

export interface ResourceSeries {
  /** Metric the series came from. */
  readonly source: string;
  /** One per bucket, aligned with the profile's buckets; null where nothing was reported. */
  readonly values: readonly (number | null)[];
}

export interface ServiceResources {
  readonly service: string;
  readonly fromS: number;
  readonly toS: number;
  readonly stepS: number;
  /** Bucket starts, unix s. */
  readonly t: readonly number[];
  readonly rps: readonly number[];
  /** Mean latency per bucket, ms (null for an empty bucket). */
  readonly latencyMs: readonly (number | null)[];
  readonly replicas: number;
  /** How replicas was counted (`service.instance.id` cardinality in spans or metrics, or `assumed`). */
  readonly replicasSource: 'spans' | 'metrics' | 'assumed';
  readonly cpu: {
    /** Fleet cores in use. */
    readonly cores?: ResourceSeries;
    /** Fleet utilization 0..1 (of the limit when cores and a limit are known, else a ratio metric). */
    readonly utilization?: ResourceSeries;
    /** Latest fleet totals (sum over containers), cores. */
    readonly limitCores?: number;
    readonly requestCores?: number;
  };
  readonly memory: {
    readonly bytes?: ResourceSeries;
    readonly utilization?: ResourceSeries;
    readonly limitBytes?: number;
    readonly requestBytes?: number;
  };
}

export interface ResourceQuery {
  readonly service: string;
  /** Unix s, whole minutes (the rollups' resolution). */
  readonly fromS: number;
  readonly toS: number;
  readonly stepS: number;
}

const JSON_NUMBERS = { output_format_json_quote_64bit_integers: 0 } as const;

// Mean latency needs the rollup's DurationSumNs, which fetchRedSeries (built
// for percentiles) does not return; this reads the same rollup for it.
const THROUGHPUT_SQL = `
SELECT
  {from:Int64} + intDiv(toInt64(toUnixTimestamp(Minute)) - {from:Int64}, {step:Int64}) * {step:Int64} AS t,
  sum(Calls) AS calls,
  sum(DurationSumNs) AS durationNs
FROM ppo_red_1m_service
WHERE ServiceName = {service:String} AND Minute >= toDateTime({from:Int64}) AND Minute < toDateTime({to:Int64})
GROUP BY t
ORDER BY t`;

const SPAN_INSTANCES_SQL = `
SELECT uniqExact(${INSTANCE_KEY}) AS n
FROM otel_traces
WHERE ServiceName = {service:String} AND Timestamp >= toDateTime({from:Int64}) AND Timestamp < toDateTime({to:Int64})
  AND ${INSTANCE_KEY} IS NOT NULL`;

const METRIC_INSTANCES_SQL = `
SELECT uniqExact(${INSTANCE_KEY}) AS n FROM (
  SELECT ResourceAttributes FROM otel_metrics_gauge WHERE ServiceName = {service:String} AND TimeUnix >= toDateTime({from:Int64}) AND TimeUnix < toDateTime({to:Int64})
  UNION ALL
  SELECT ResourceAttributes FROM otel_metrics_sum WHERE ServiceName = {service:String} AND TimeUnix >= toDateTime({from:Int64}) AND TimeUnix < toDateTime({to:Int64})
)
WHERE ${INSTANCE_KEY} IS NOT NULL`;

const ACTIVE_SQL = `
SELECT ServiceName AS service, uniqExact(intDiv(toInt64(toUnixTimestamp(Minute)) - {from:Int64}, {step:Int64})) AS buckets
FROM ppo_red_1m_service
WHERE Minute >= toDateTime({from:Int64}) AND Minute < toDateTime({to:Int64}) AND Calls > 0
GROUP BY ServiceName
ORDER BY service`;

/**
 * Services with entry-span traffic in the window and how many step buckets
 * have some: one cheap rollup query that spares the per-service loading for
 * services with too little history to plan.
 */
export async function fetchActiveServices(client: ClickHouseClient, q: { fromS: number; toS: number; stepS: number }): Promise<{ service: string; buckets: number }[]> {
  const rs = await client.query({ query: ACTIVE_SQL, query_params: { from: q.fromS, to: q.toS, step: q.stepS }, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS });
  return rs.json<{ service: string; buckets: number }>();
}

async function scalar(client: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<number> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS });
  const rows = await rs.json<{ n: number }>();
  return Number(rows[0]?.n ?? 0);
}

/**
 * Replicas serving now: distinct instances (service.instance.id, else
 * k8s.pod.name, else host.name) over the last `recentS` of the window, from
 * spans, else from metrics; 1 when neither names an instance.
 */
export async function countReplicas(client: ClickHouseClient, service: string, toS: number, recentS = 600): Promise<{ replicas: number; source: ServiceResources['replicasSource'] }> {
  const params = { service, from: toS - recentS, to: toS };
  const fromSpans = await scalar(client, SPAN_INSTANCES_SQL, params);
  if (fromSpans > 0) return { replicas: fromSpans, source: 'spans' };
  const fromMetrics = await scalar(client, METRIC_INSTANCES_SQL, params);
  if (fromMetrics > 0) return { replicas: fromMetrics, source: 'metrics' };
  return { replicas: 1, source: 'assumed' };
}

async function instancesOf(client: ClickHouseClient, table: string, metric: string, service: string, fromS: number, toS: number): Promise<number> {
  return scalar(
    client,
    `SELECT uniqExact(${INSTANCE_KEY}) AS n FROM ${table} WHERE ServiceName = {service:String} AND MetricName = {metric:String} AND TimeUnix >= toDateTime({from:Int64}) AND TimeUnix < toDateTime({to:Int64})`,
    { service, metric, from: fromS, to: toS },
  );
}

function pick(available: ReadonlyMap<string, MetricInfo>, names: readonly string[]): MetricInfo | undefined {
  for (const n of names) {
    const m = available.get(n);
    if (m) return m;
  }
  return undefined;
}

const lastFinite = (values: readonly (number | null)[]): number | undefined => {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) return v;
  }
  return undefined;
};

async function series(client: ClickHouseClient, q: ResourceQuery, metric: string, aggregate: 'sum' | 'avg', attributes?: Record<string, string>): Promise<(number | null)[] | undefined> {
  const s = await fetchMetricSeries(client, { metric, service: q.service, fromS: q.fromS, toS: q.toS, stepS: q.stepS, aggregate, attributes });
  return s?.points.map((p) => p.value);
}

/**
 * A ratio metric as fleet utilization. system.cpu.utilization and
 * system.memory.utilization are per state: 1 − idle (cpu.mode, or the old
 * `state`), or the `used` share. Per-state process metrics (process.cpu.utilization
 * by `state`/`cpu.mode`) add up per instance, so the sum over series is
 * divided by the instances reporting.
 */
async function ratioSeries(client: ClickHouseClient, q: ResourceQuery, m: MetricInfo): Promise<(number | null)[] | undefined> {
  if (m.metric === 'system.cpu.utilization') {
    for (const key of ['cpu.mode', 'state']) {
      const idle = await series(client, q, m.metric, 'avg', { [key]: 'idle' });
      if (idle?.some((v) => v !== null)) return idle.map((v) => (v === null ? null : 1 - v));
    }
  }
  if (m.metric === 'system.memory.utilization') {
    for (const key of ['system.memory.state', 'state']) {
      const used = await series(client, q, m.metric, 'avg', { [key]: 'used' });
      if (used?.some((v) => v !== null)) return used;
    }
  }
  const table = m.kind === 'gauge' ? 'otel_metrics_gauge' : 'otel_metrics_sum';
  const instances = await instancesOf(client, table, m.metric, q.service, q.fromS, q.toS);
  const total = await series(client, q, m.metric, 'sum');
  if (!total) return undefined;
  if (instances > 0) return total.map((v) => (v === null ? null : v / instances));
  return series(client, q, m.metric, 'avg');
}

/** Throughput, latency, CPU, memory and replicas of one service over the window. */
export async function loadServiceResources(client: ClickHouseClient, q: ResourceQuery, available?: readonly MetricInfo[]): Promise<ServiceResources> {
  const buckets = Math.ceil((q.toS - q.fromS) / q.stepS);
  const t = Array.from({ length: buckets }, (_, i) => q.fromS + i * q.stepS);
  const rs = await client.query({ query: THROUGHPUT_SQL, query_params: { service: q.service, from: q.fromS, to: q.toS, step: q.stepS }, format: 'JSONEachRow', clickhouse_settings: JSON_NUMBERS });
  const rows = await rs.json<{ t: number; calls: number; durationNs: number }>();
  const rps = new Array<number>(buckets).fill(0);
  const latencyMs = new Array<number | null>(buckets).fill(null);
  for (const r of rows) {
    const i = Math.floor((r.t - q.fromS) / q.stepS);
    if (i < 0 || i >= buckets) continue;
    const seconds = Math.min(q.stepS, q.toS - r.t);
    rps[i] = r.calls / seconds;
    latencyMs[i] = r.calls > 0 ? r.durationNs / r.calls / 1e6 : null;
  }

  const metrics = new Map((available ?? (await listMetrics(client, { fromS: q.fromS, toS: q.toS, service: q.service }))).filter((m) => m.service === q.service).map((m) => [m.metric, m]));
  const { replicas, source: replicasSource } = await countReplicas(client, q.service, q.toS);

  // CPU: cores over the limit when both exist (the ceiling a container really
  // hits), else a utilization ratio metric.
  const cpu: { cores?: ResourceSeries; utilization?: ResourceSeries; limitCores?: number; requestCores?: number } = {};
  const coreMetric = pick(metrics, CPU_CORE_METRICS);
  if (coreMetric) {
    const values = await series(client, q, coreMetric.metric, 'sum');
    if (values) cpu.cores = { source: coreMetric.metric, values };
  }
  const cpuLimit = pick(metrics, CPU_LIMIT_METRICS);
  const cpuLimitSeries = cpuLimit ? await series(client, q, cpuLimit.metric, 'sum') : undefined;
  const limitCores = cpuLimitSeries ? lastFinite(cpuLimitSeries) : undefined;
  if (limitCores !== undefined) cpu.limitCores = limitCores;
  const cpuRequest = pick(metrics, CPU_REQUEST_METRICS);
  const requestCores = cpuRequest ? lastFinite((await series(client, q, cpuRequest.metric, 'sum')) ?? []) : undefined;
  if (requestCores !== undefined) cpu.requestCores = requestCores;
  if (cpu.cores && cpuLimitSeries && limitCores !== undefined && limitCores > 0) {
    const cores = cpu.cores.values;
    cpu.utilization = {
      source: `${cpu.cores.source}/${cpuLimit!.metric}`,
      values: cores.map((v, i) => {
        const limit = cpuLimitSeries[i] ?? limitCores;
        return v === null || !(limit > 0) ? null : v / limit;
      }),
    };
  } else {
    const ratio = pick(metrics, CPU_RATIO_METRICS);
    const values = ratio ? await ratioSeries(client, q, ratio) : undefined;
    if (ratio && values) cpu.utilization = { source: ratio.metric, values };
  }

  const memory: { bytes?: ResourceSeries; utilization?: ResourceSeries; limitBytes?: number; requestBytes?: number } = {};
  const byteMetric = pick(metrics, MEMORY_BYTE_METRICS);
  if (byteMetric) {
    const values = await series(client, q, byteMetric.metric, 'sum');
    if (values) memory.bytes = { source: byteMetric.metric, values };
  }
  const memLimit = pick(metrics, MEMORY_LIMIT_METRICS);
  const memLimitSeries = memLimit ? await series(client, q, memLimit.metric, 'sum') : undefined;
  const limitBytes = memLimitSeries ? lastFinite(memLimitSeries) : undefined;
  if (limitBytes !== undefined) memory.limitBytes = limitBytes;
  const memRequest = pick(metrics, MEMORY_REQUEST_METRICS);
  const requestBytes = memRequest ? lastFinite((await series(client, q, memRequest.metric, 'sum')) ?? []) : undefined;
  if (requestBytes !== undefined) memory.requestBytes = requestBytes;
  if (memory.bytes && memLimitSeries && limitBytes !== undefined && limitBytes > 0) {
    memory.utilization = {
      source: `${memory.bytes.source}/${memLimit!.metric}`,
      values: memory.bytes.values.map((v, i) => {
        const limit = memLimitSeries[i] ?? limitBytes;
        return v === null || !(limit > 0) ? null : v / limit;
      }),
    };
  } else {
    const ratio = pick(metrics, MEMORY_RATIO_METRICS);
    const values = ratio ? await ratioSeries(client, q, ratio) : undefined;
    if (ratio && values) memory.utilization = { source: ratio.metric, values };
  }

  return { service: q.service, fromS: q.fromS, toS: q.toS, stepS: q.stepS, t, rps, latencyMs, replicas, replicasSource, cpu, memory };
}

/** The planner's input from a loaded profile. */
export function capacityInputFrom(r: ServiceResources): CapacityInput {
  const samples: CapacitySample[] = r.t.map((t, i) => ({
    t,
    rps: r.rps[i]!,
    latencyMs: r.latencyMs[i] ?? null,
    cpu: r.cpu.utilization?.values[i] ?? null,
    memory: r.memory.utilization?.values[i] ?? null,
  }));
  return { service: r.service, stepS: r.stepS, samples, replicas: r.replicas, cpuSource: r.cpu.utilization?.source, memorySource: r.memory.utilization?.source };
}
