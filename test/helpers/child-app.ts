import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildAppOptions {
  /** Node arguments (flags, then the script), run from the repository root. */
  args: string[];
  /** The child's whole environment besides PATH and HOME: nothing leaks in from the test process. */
  env: Record<string, string>;
  /** `signal`: SIGTERM once it printed a line containing `"ready":true`; `natural`: wait for it to end by itself. */
  stop: 'signal' | 'natural';
  timeoutMs?: number;
}

/**
 * Runs an app in a child Node process, as a user would start it, and resolves with how it
 * ended and what it printed. SIGKILLs it after `timeoutMs` so a hung app fails the test
 * instead of hanging it.
 */
export async function runChildApp({ args, env, stop, timeoutMs = 30_000 }: ChildAppOptions): Promise<ChildExit> {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<ChildExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('"ready":true')) resolve();
    });
    child.once('exit', () => reject(new Error(`app exited before it was ready:\n${stdout}\n${stderr}`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    if (stop === 'signal') {
      await ready;
      child.kill('SIGTERM');
    } else {
      ready.catch(() => {});
    }
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
