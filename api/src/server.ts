import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import type { ApiDeps } from './deps.ts';

export interface ApiServer {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startApi(deps: ApiDeps, opts: { host: string; port: number; log?: { error(obj: object, msg: string): void } }): Promise<ApiServer> {
  // Ends long-lived responses (the live stream) on stop, or server.close() would wait for them forever.
  const shutdown = new AbortController();
  const app = createApp({ ...deps, shutdown: shutdown.signal }, opts.log);
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host }, (info: AddressInfo) => resolve(info.port));
    server.once('error', reject);
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        shutdown.abort();
        server.close(() => resolve());
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
}
