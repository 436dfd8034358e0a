import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';

/** The resource of service `s` of the benchmarks' request generators: what a k8s-deployed SDK reports. */
export function shopServiceResource(s: number, extra: Record<string, string>): Resource {
  return resourceFromAttributes({
    'service.name': `service-${s}`,
    'service.version': `2.${s}.1`,
    'service.namespace': 'shop',
    'deployment.environment.name': 'production',
    'host.name': `ip-10-0-${s}-17.ec2.internal`,
    'k8s.pod.name': `service-${s}-7d9f8c6b5-x2x9q`,
    ...extra,
  });
}
