// The load generator's own process: PPO's embedded engine runs queries on the
// supervisor's thread, and a load generator sharing that event loop would
// stall with it (requests would queue in the client, not in the fleet).
import { LoadGenerator, type LoadOptions, type LoadStats } from './load.ts';
import type { SystemName } from './topology.ts';

export type ToLoad = { type: 'start'; options: LoadOptions; urls: Partial<Record<SystemName, string>> } | { type: 'stop' };
export type FromLoad = { type: 'stats'; stats: LoadStats } | { type: 'stopped' };

if (!process.send) {
  console.error('load-process.ts is started by the demo supervisor (fork with an IPC channel)');
  process.exit(2);
}
const send = (m: FromLoad): void => {
  if (process.connected) process.send?.(m);
};
let gen: LoadGenerator | undefined;
const timer = setInterval(() => gen && send({ type: 'stats', stats: { ...gen.stats } }), 1000);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await gen?.stop();
  if (gen) send({ type: 'stats', stats: { ...gen.stats } });
  send({ type: 'stopped' });
  if (process.connected) process.disconnect();
  process.exit(0);
};
process.on('message', (m: ToLoad) => {
  if (m.type === 'start' && !gen) {
    gen = new LoadGenerator(m.options, (s) => m.urls[s], new Set(Object.keys(m.urls) as SystemName[]));
    gen.start();
  } else if (m.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
