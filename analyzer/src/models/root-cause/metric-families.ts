/**
 * Resource-metric families by OpenTelemetry semantic-convention name
 * (container.*, k8s.pod.*, process.*, jvm.*, v8js.*, nodejs.*, go runtime...).
 * Host-wide metrics (system.*, host.*, k8s.node.*) are left out: every pod on
 * the host shares them, so they cannot single out a service.
 */
export type ResourceFamily = 'cpu' | 'memory' | 'network' | 'gc' | 'event-loop';

const HOST_WIDE = /^(system|host|k8s\.node|k8s\.cluster|hw)\.|\.node\./i;

const FAMILIES: readonly [ResourceFamily, RegExp][] = [
  ['event-loop', /event_?loop/i],
  ['gc', /(^|[._])gc([._]|$)|garbage/i],
  ['cpu', /(^|[._])cpu([._]|$)|cpu_seconds|cpu_time/i],
  ['memory', /(^|[._])(memory|mem|heap|rss|working_set)([._]|$)/i],
  ['network', /(^|[._])(network|net|io\.network)([._]|$)/i],
];

/** The family a metric name belongs to, or undefined when it is not a resource metric of a service. */
export function resourceFamily(metric: string): ResourceFamily | undefined {
  if (HOST_WIDE.test(metric)) return undefined;
  for (const [family, re] of FAMILIES) if (re.test(metric)) return family;
  return undefined;
}

/** Network traffic can fail by dropping as well as by surging; the other families only by rising. */
export function familyTwoSided(family: ResourceFamily): boolean {
  return family === 'network';
}
