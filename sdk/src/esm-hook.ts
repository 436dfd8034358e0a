import * as nodeModule from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';

const REGISTERED = Symbol.for('@ppo/sdk.esm-hook');

type HookState = { waitForAllMessagesAcknowledged: () => Promise<void> };

/**
 * Registers import-in-the-middle's loader hook so instrumentations can patch ES modules
 * (`import express from 'express'`, `import http from 'node:http'`), which
 * require-in-the-middle cannot see. The hook starts with an empty include list and
 * learns, through a message channel, only the modules instrumentations ask for, so the
 * rest of the app loads unwrapped. Once per process: a second loader would wrap twice.
 * Returns the wait for the loader to acknowledge the modules registered so far (call it
 * after the instrumentations are enabled and before the app's own imports run).
 */
export function registerEsmHook(): () => Promise<void> {
  const global = globalThis as { [REGISTERED]?: HookState };
  const existing = global[REGISTERED];
  if (existing !== undefined) return existing.waitForAllMessagesAcknowledged;
  if (typeof nodeModule.register !== 'function') {
    // Node < 20.6 has no module.register; CommonJS patching still works there.
    return () => Promise.resolve();
  }
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  nodeModule.register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  global[REGISTERED] = { waitForAllMessagesAcknowledged };
  return waitForAllMessagesAcknowledged;
}
