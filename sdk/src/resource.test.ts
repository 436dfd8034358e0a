import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterAll, describe, expect, it } from 'vitest';
import { appPackageVersion, composeResource, findPackageJson } from './resource.ts';

const root = mkdtempSync(join(tmpdir(), 'ppo-sdk-resource-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, body: unknown): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), typeof body === 'string' ? body : JSON.stringify(body));
}

describe('appPackageVersion', () => {
  write('app/package.json', { name: 'app', version: '4.2.0' });
  write('app/src/server.js', '');
  write('app/src/package.json', { type: 'module' });
  write('broken/package.json', '{ not json');
  write('broken/x/main.js', '');
  write('other/package.json', { name: 'other', version: '0.0.9' });

  it('takes the nearest package.json with a version above the entry script', () => {
    // app/src/package.json only marks the module type: skipped, app/package.json answers.
    expect(appPackageVersion(join(root, 'app/src/server.js'), '/')).toBe('4.2.0');
  });

  it('falls back to the working directory when the entry has none', () => {
    expect(appPackageVersion(join(root, 'broken/x/main.js'), join(root, 'other'))).toBe('0.0.9');
    expect(appPackageVersion(undefined, join(root, 'app'))).toBe('4.2.0');
  });

  it('finds nothing rather than failing on unreadable files', () => {
    expect(findPackageJson(join(root, 'broken/x'))?.path).not.toBe(join(root, 'broken/package.json'));
  });
});

describe('composeResource', () => {
  const detected = resourceFromAttributes({ 'host.name': 'h1', 'process.pid': 42, 'service.name': 'unknown_service:node' });
  const identity = { serviceName: 'pso', serviceVersion: '1.2.0', resourceAttributes: { team: 'core', 'deployment.environment.name': 'dev' } };

  it('layers detected < package.json < code < OTEL_RESOURCE_ATTRIBUTES < OTEL_SERVICE_NAME for a whole process', () => {
    const r = composeResource(detected, identity, { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.name=from-attrs', OTEL_SERVICE_NAME: 'from-env' }, {
      packageVersion: '0.0.1',
      envOverrides: true,
    });
    expect(r.attributes).toMatchObject({
      'host.name': 'h1',
      'process.pid': 42,
      'service.name': 'from-env',
      'service.version': '1.2.0',
      team: 'core',
      'deployment.environment.name': 'prod',
      'telemetry.sdk.language': 'nodejs',
    });
    const noEnv = composeResource(detected, { serviceName: undefined, serviceVersion: undefined, resourceAttributes: undefined }, {}, {
      packageVersion: '0.0.1',
      envOverrides: true,
    });
    expect(noEnv.attributes['service.version']).toBe('0.0.1');
    expect(noEnv.attributes['service.name']).toMatch(/^unknown_service/);
  });

  it('never lets the environment rename a service that shares its process', () => {
    const r = composeResource(detected, identity, { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,region=eu', OTEL_SERVICE_NAME: 'from-env' }, {
      packageVersion: undefined,
      envOverrides: false,
    });
    expect(r.attributes).toMatchObject({ 'service.name': 'pso', 'deployment.environment.name': 'dev', region: 'eu' });
  });

  it('gives every composed resource its own service.instance.id', () => {
    const opts = { packageVersion: undefined, envOverrides: false };
    const one = composeResource(detected, identity, {}, opts).attributes['service.instance.id'];
    const two = composeResource(detected, identity, {}, opts).attributes['service.instance.id'];
    expect(one).toMatch(/^[0-9a-f-]{36}$/);
    expect(one).not.toBe(two);
  });
});
