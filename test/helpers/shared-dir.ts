import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The read-only `shared/` folder (fixtures, datasets) that sits beside the
 * repository checkout — `../shared` from the repo root, wherever the checkout
 * is (CI clones elsewhere). `PPO_SHARED_DIR` overrides it.
 */
export const SHARED_DIR: string = process.env['PPO_SHARED_DIR'] ?? fileURLToPath(new URL('../../../shared', import.meta.url));

/** A path under shared/. */
export function sharedPath(...parts: string[]): string {
  const p = [SHARED_DIR, ...parts].join('/');
  if (!existsSync(p)) throw new Error(`${p} not found: tests read fixtures from the shared/ folder beside the checkout (or PPO_SHARED_DIR)`);
  return p;
}
