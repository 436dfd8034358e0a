import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { applicabilityProblem, bumpVersion, resolveParams, type Fault, type FaultRequest } from './faults.ts';
import type { SystemName } from './topology.ts';

/** One line of the ground-truth log: what was injected, where, and when it started or ended. */
export type TruthRecord =
  | ({ event: 'start'; at: string; serviceVersion: string } & Fault)
  | ({
      event: 'end';
      at: string;
      reason: 'fixed' | 'expired' | 'cleared' | 'shutdown';
      serviceVersion: string;
      /** Set when the end was a fix: the version the system was redeployed as. */
      newServiceVersion?: string;
    } & Fault);

export class FaultRejected extends Error {
  override readonly name = 'FaultRejected';
}

export interface FaultManagerOptions {
  /** JSONL file the ground truth goes to (appended, one record a line). */
  truthLogPath: string;
  /** The systems running and their current service.version. */
  versions: Map<SystemName, string>;
  /** Called after every change with the active faults (the supervisor pushes them to the hosts). */
  onChange: (active: readonly Fault[]) => void;
  /** Called when a fix bumps a system's version (the supervisor restarts its telemetry). */
  onDeploy: (system: SystemName, version: string) => void;
  now?: () => number;
}

/**
 * The fleet's fault list. Appends to the truth log synchronously so a record
 * is on disk before the fault takes effect (an eval reading the log never sees
 * an effect without its cause).
 */
export class FaultManager {
  readonly #active = new Map<string, { fault: Fault; timer: NodeJS.Timeout | undefined }>();
  readonly #opts: FaultManagerOptions;
  readonly #now: () => number;

  constructor(opts: FaultManagerOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    mkdirSync(dirname(opts.truthLogPath), { recursive: true });
  }

  get truthLogPath(): string {
    return this.#opts.truthLogPath;
  }

  list(): Fault[] {
    return [...this.#active.values()].map((a) => a.fault);
  }

  get(id: string): Fault | undefined {
    return this.#active.get(id)?.fault;
  }

  version(system: SystemName): string | undefined {
    return this.#opts.versions.get(system);
  }

  inject(req: FaultRequest): Fault {
    const target = req.target ?? req.edge?.from;
    if (!target) throw new FaultRejected('a target or an edge is required');
    if (!this.#opts.versions.has(target)) throw new FaultRejected(`${target} is not running in this fleet`);
    if (req.edge && !this.#opts.versions.has(req.edge.to)) throw new FaultRejected(`${req.edge.to} is not running in this fleet`);
    const problem = applicabilityProblem(req.kind, target, req.edge);
    if (problem) throw new FaultRejected(`${req.kind} cannot apply: ${problem}`);
    const now = this.#now();
    const fault: Fault = {
      id: randomUUID(),
      kind: req.kind,
      target,
      ...(req.edge ? { edge: req.edge } : {}),
      params: resolveParams(req.kind, req.params),
      startedAt: new Date(now).toISOString(),
      ...(req.duration !== undefined ? { endsAt: new Date(now + req.duration).toISOString() } : {}),
    };
    this.#append({ event: 'start', at: fault.startedAt, serviceVersion: this.#opts.versions.get(target) ?? '', ...fault });
    const timer = req.duration !== undefined ? setTimeout(() => this.#end(fault.id, 'expired'), req.duration) : undefined;
    timer?.unref();
    this.#active.set(fault.id, { fault, timer });
    this.#opts.onChange(this.list());
    return fault;
  }

  /** Removes the fault and redeploys its system with the next patch version. */
  fix(id: string): { fault: Fault; serviceVersion: string } | undefined {
    const ended = this.#end(id, 'fixed');
    if (!ended) return undefined;
    return { fault: ended.fault, serviceVersion: ended.newVersion ?? this.#opts.versions.get(ended.fault.target) ?? '' };
  }

  /** Removes the fault without a deploy (the fault "went away by itself"). */
  clear(id: string): Fault | undefined {
    return this.#end(id, 'cleared')?.fault;
  }

  /** Ends every fault, e.g. when the fleet stops, so the log has an end for each start. */
  endAll(reason: 'shutdown' | 'cleared' = 'shutdown'): void {
    for (const id of [...this.#active.keys()]) this.#end(id, reason, false);
    this.#opts.onChange([]);
  }

  #end(id: string, reason: 'fixed' | 'expired' | 'cleared' | 'shutdown', notify = true): { fault: Fault; newVersion?: string } | undefined {
    const entry = this.#active.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.#active.delete(id);
    const { fault } = entry;
    const before = this.#opts.versions.get(fault.target) ?? '';
    const newVersion = reason === 'fixed' ? bumpVersion(before) : undefined;
    this.#append({
      event: 'end',
      at: new Date(this.#now()).toISOString(),
      reason,
      serviceVersion: before,
      ...(newVersion ? { newServiceVersion: newVersion } : {}),
      ...fault,
    });
    if (notify) this.#opts.onChange(this.list());
    if (newVersion) {
      this.#opts.versions.set(fault.target, newVersion);
      this.#opts.onDeploy(fault.target, newVersion);
    }
    return newVersion ? { fault, newVersion } : { fault };
  }

  #append(record: TruthRecord): void {
    appendFileSync(this.#opts.truthLogPath, `${JSON.stringify(record)}\n`);
  }
}
