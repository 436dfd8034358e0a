import type { Fault } from './faults.ts';
import type { SystemName } from './topology.ts';

/** Messages between the supervisor and a host process (Node IPC, structured clone). */
export type ToHost =
  | {
      type: 'init';
      hostName: string;
      systems: { name: SystemName; version: string }[];
      endpoint: string;
      metricIntervalMs: number;
      environment: string;
    }
  | { type: 'directory'; urls: Partial<Record<SystemName, string>> }
  | { type: 'faults'; faults: Fault[] }
  | { type: 'deploy'; system: SystemName; version: string }
  | { type: 'shutdown' };

export type FromHost =
  | { type: 'listening'; ports: Partial<Record<SystemName, number>> }
  | { type: 'deployed'; system: SystemName; version: string }
  | { type: 'stats'; rssBytes: number; heapUsedBytes: number; systems: Partial<Record<SystemName, { requests: number; errors: number }>> }
  | { type: 'stopped' }
  | { type: 'error'; message: string };
