import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AttributeValue } from '@opentelemetry/api';
import { containerDetector } from '@opentelemetry/resource-detector-container';
import {
  defaultResource,
  detectResources,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { parseResourceAttributesEnv, type Env } from './config.ts';
import { SDK_VERSION } from './shared.ts';

export type ResourceAttributes = Record<string, AttributeValue>;

/** The nearest package.json at or above `start` (a file or a directory), with its parsed body. */
export function findPackageJson(start: string): { path: string; body: Record<string, unknown> } | undefined {
  let dir = resolve(start);
  // A file path: begin at its directory. readFileSync on a directory throws, so probe both.
  for (;;) {
    const candidate = join(dir, 'package.json');
    try {
      const body: unknown = JSON.parse(readFileSync(candidate, 'utf8'));
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
        return { path: candidate, body: body as Record<string, unknown> };
      }
    } catch {
      // missing or unreadable: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The app's own version: `version` of the package.json nearest to the entry script
 * (process.argv[1]), else nearest to the working directory. Skips package.json files
 * without a version (a workspace root or a "type": "module" marker) and keeps looking up.
 */
export function appPackageVersion(entry: string | undefined, cwd: string): string | undefined {
  for (const start of [entry, cwd]) {
    if (start === undefined || start === '') continue;
    let from = resolve(start);
    for (;;) {
      const found = findPackageJson(from);
      if (found === undefined) break;
      const version = found.body['version'];
      if (typeof version === 'string' && version !== '') return version;
      const parent = dirname(dirname(found.path));
      if (parent === dirname(found.path)) break;
      from = parent;
    }
  }
  return undefined;
}

let hostResource: Resource | undefined;

/**
 * Host, OS, process and container attributes, detected once per process: every service a
 * process hosts shares them. Synchronous: host.id and the container id are read from
 * files asynchronously and stay pending on the resource (exporters wait for them before
 * their first export); `settledResource()` awaits them for callers that read attributes.
 */
export function detectHostResource(): Resource {
  if (hostResource === undefined) {
    hostResource = detectResources({ detectors: [hostDetector, osDetector, processDetector, containerDetector] });
    // Start settling now so the attributes are ready by the time anyone reads them.
    void hostResource.waitForAsyncAttributes?.();
  }
  return hostResource;
}

/** The resource once its asynchronously detected attributes have settled. */
export async function settledResource(resource: Resource): Promise<Resource> {
  await resource.waitForAsyncAttributes?.();
  return resource;
}

export interface ServiceIdentity {
  serviceName: string | undefined;
  serviceVersion: string | undefined;
  resourceAttributes: ResourceAttributes | undefined;
}

/**
 * Merges the layers of a service's resource, lowest precedence first:
 * detected host/process/container → package.json version → service.instance.id →
 * code options (serviceName, serviceVersion, resourceAttributes) → OTEL_RESOURCE_ATTRIBUTES →
 * OTEL_SERVICE_NAME. The environment wins over code, as the OTel spec has operators expect
 * (`envOverrides: false` for services sharing a process, whose names must stay their own).
 */
export function composeResource(
  detected: Resource,
  identity: ServiceIdentity,
  env: Env,
  { packageVersion, envOverrides }: { packageVersion: string | undefined; envOverrides: boolean },
): Resource {
  const layers: ResourceAttributes[] = [];
  const base: ResourceAttributes = {
    'service.instance.id': randomUUID(),
    'telemetry.distro.name': 'ppo-sdk',
    'telemetry.distro.version': SDK_VERSION,
  };
  if (packageVersion !== undefined) base['service.version'] = packageVersion;
  layers.push(base);
  const code: ResourceAttributes = { ...identity.resourceAttributes };
  if (identity.serviceName !== undefined) code['service.name'] = identity.serviceName;
  if (identity.serviceVersion !== undefined) code['service.version'] = identity.serviceVersion;
  const fromEnv = parseResourceAttributesEnv(env['OTEL_RESOURCE_ATTRIBUTES']);
  const envServiceName = env['OTEL_SERVICE_NAME']?.trim();
  if (envOverrides) {
    layers.push(code, fromEnv);
    if (envServiceName) layers.push({ 'service.name': envServiceName });
  } else {
    // Env attributes still describe the deployment (environment, region) but never rename the service.
    layers.push(fromEnv, code);
  }
  // defaultResource: telemetry.sdk.* and the spec's `unknown_service:node` fallback name.
  let resource = defaultResource().merge(detected);
  for (const layer of layers) resource = resource.merge(resourceFromAttributes(layer));
  return resource;
}
