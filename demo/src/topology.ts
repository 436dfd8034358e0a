/**
 * The 22 Progressive Systems as data: which process hosts each, what each
 * serves and whom it calls. Kept as plain data (not code paths) so the fault
 * injector, the load generator, the eval and the tests all read one graph.
 *
 * Shape of the call graph, as the issue asks:
 * - PSO orchestrates: its flows fan into the platform systems;
 * - foundation systems (security, keys, cache, tags, audit, knowledge, DR)
 *   call each other and are called by everyone;
 * - enterprise systems fan out to several platform + foundation systems.
 */

export const SYSTEMS = [
  'PSO', 'PDT', 'PAT', 'PTT', 'PFD', 'PDRS', 'PPOS', 'PLOS', 'PCES', 'PUXT', 'PPIS',
  'PPMS', 'PBOS', 'PSec', 'PKES', 'PCAS', 'PTGS', 'PAES', 'PSMS', 'PTMS', 'PUOS', 'PKM',
] as const;
export type SystemName = (typeof SYSTEMS)[number];

export type Tier = 'orchestrator' | 'edge' | 'platform' | 'foundation' | 'enterprise';

/** One downstream HTTP call. `batch` > 1: one call carrying that many ids (an N+1 fault makes it that many calls). */
export interface CallStep {
  kind: 'call';
  target: SystemName;
  operation: string;
  batch?: number;
  /** The caller degrades gracefully when this call fails instead of failing itself. */
  optional?: boolean;
}

/** Calls issued concurrently (a "sequential" fault issues them one after another). */
export interface ParallelStep {
  kind: 'parallel';
  calls: CallStep[];
}

/** A statement against the shared store; `rows` > 1 reads them with one IN (...) query (N+1 fault: one query per row). */
export interface DbStep {
  kind: 'db';
  op: 'select' | 'insert' | 'update';
  table: string;
  rows?: number;
}

/** CPU work in the handler itself, ms. */
export interface ComputeStep {
  kind: 'compute';
  ms: number;
}

export type Step = CallStep | ParallelStep | DbStep | ComputeStep;

export interface Operation {
  name: string;
  method: 'GET' | 'POST';
  /** http.route, also the server span name suffix. */
  route: string;
  steps: Step[];
}

export interface SystemSpec {
  name: SystemName;
  tier: Tier;
  /** The host process group: systems with the same host share a Node process. */
  host: string;
  version: string;
  description: string;
  operations: Operation[];
}

const call = (target: SystemName, operation: string, opts: { batch?: number; optional?: boolean } = {}): CallStep => ({ kind: 'call', target, operation, ...opts });
const par = (...calls: CallStep[]): ParallelStep => ({ kind: 'parallel', calls });
const db = (op: DbStep['op'], table: string, rows?: number): DbStep => (rows === undefined ? { kind: 'db', op, table } : { kind: 'db', op, table, rows });
const cpu = (ms: number): ComputeStep => ({ kind: 'compute', ms });
const get = (name: string, steps: Step[]): Operation => ({ name, method: 'GET', route: `/api/${name}`, steps });
const post = (name: string, steps: Step[]): Operation => ({ name, method: 'POST', route: `/api/${name}`, steps });

export const TOPOLOGY: readonly SystemSpec[] = [
  // --- orchestrator + edge (host "edge")
  {
    name: 'PSO', tier: 'orchestrator', host: 'edge', version: '3.4.1', description: 'orchestrates the fleet\'s workflows',
    operations: [
      post('orchestrate', [
        call('PSec', 'authorize'),
        par(call('PDT', 'simulate'), call('PAT', 'score'), call('PFD', 'deliver')),
        call('PPOS', 'place'),
        db('insert', 'workflow_runs'),
        call('PAES', 'record', { optional: true }),
      ]),
      get('workflows', [call('PSec', 'authorize'), db('select', 'workflow_runs', 8), call('PTGS', 'tags', { batch: 8 })]),
    ],
  },
  {
    name: 'PUXT', tier: 'edge', host: 'edge', version: '2.0.7', description: 'user-facing experience gateway',
    operations: [
      get('page', [call('PSec', 'authorize'), par(call('PCAS', 'content'), call('PKM', 'search'), call('PPIS', 'catalog')), cpu(1)]),
      post('action', [call('PSec', 'authorize'), call('PSO', 'orchestrate')]),
    ],
  },
  {
    name: 'PPIS', tier: 'edge', host: 'edge', version: '1.12.0', description: 'product information service',
    operations: [
      get('catalog', [db('select', 'products', 12), call('PCAS', 'content', { batch: 12 }), call('PTGS', 'tags', { batch: 6 })]),
      get('product', [db('select', 'products'), call('PCAS', 'content')]),
    ],
  },
  // --- platform (host "platform")
  {
    name: 'PDT', tier: 'platform', host: 'platform', version: '4.1.0', description: 'digital twin simulation',
    operations: [
      post('simulate', [db('select', 'twin_models', 4), cpu(2), par(call('PCAS', 'get'), call('PKM', 'lookup')), db('insert', 'twin_runs')]),
    ],
  },
  {
    name: 'PAT', tier: 'platform', host: 'platform', version: '2.3.5', description: 'analytics and scoring',
    operations: [
      post('score', [db('select', 'features', 6), par(call('PKM', 'lookup'), call('PTGS', 'tags')), cpu(1)]),
      get('report', [db('select', 'scores', 10), call('PTGS', 'tags', { batch: 10 })]),
    ],
  },
  {
    name: 'PTT', tier: 'platform', host: 'platform', version: '1.8.2', description: 'test and trial tracking',
    operations: [post('trial', [call('PSec', 'authorize'), db('insert', 'trials'), par(call('PAT', 'score'), call('PAES', 'record'))])],
  },
  {
    name: 'PFD', tier: 'platform', host: 'platform', version: '5.0.3', description: 'feature delivery',
    operations: [post('deliver', [par(call('PKES', 'sign'), call('PCAS', 'get')), db('select', 'flags', 5), db('update', 'deliveries')])],
  },
  {
    name: 'PPOS', tier: 'platform', host: 'platform', version: '3.2.0', description: 'placement and positioning',
    operations: [post('place', [db('select', 'slots', 6), call('PLOS', 'route'), db('update', 'slots')])],
  },
  {
    name: 'PLOS', tier: 'platform', host: 'platform', version: '2.6.4', description: 'logistics and routing',
    operations: [post('route', [db('select', 'routes', 4), par(call('PKM', 'lookup'), call('PCAS', 'get')), cpu(1)])],
  },
  {
    name: 'PCES', tier: 'platform', host: 'platform', version: '1.4.9', description: 'compliance evaluation',
    operations: [post('evaluate', [par(call('PSec', 'authorize'), call('PTGS', 'tags')), db('select', 'policies', 8), call('PAES', 'record')])],
  },
  // --- foundation (host "foundation")
  {
    name: 'PSec', tier: 'foundation', host: 'foundation', version: '6.2.0', description: 'authentication and authorization',
    operations: [get('authorize', [db('select', 'sessions'), call('PKES', 'verify'), db('select', 'grants', 3)])],
  },
  {
    name: 'PKES', tier: 'foundation', host: 'foundation', version: '2.9.1', description: 'key and encryption service',
    operations: [
      get('verify', [db('select', 'keys'), cpu(0.5)]),
      post('sign', [db('select', 'keys', 2), cpu(1)]),
    ],
  },
  {
    name: 'PCAS', tier: 'foundation', host: 'foundation', version: '3.0.2', description: 'content and cache',
    operations: [
      get('get', [db('select', 'cache_entries')]),
      get('content', [db('select', 'content', 4), call('PTGS', 'tags', { optional: true })]),
    ],
  },
  {
    name: 'PTGS', tier: 'foundation', host: 'foundation', version: '1.5.6', description: 'tagging and taxonomy',
    operations: [get('tags', [db('select', 'tags', 3)])],
  },
  {
    name: 'PAES', tier: 'foundation', host: 'foundation', version: '2.1.0', description: 'audit and event store',
    operations: [post('record', [call('PKES', 'sign'), db('insert', 'audit_events')])],
  },
  {
    name: 'PKM', tier: 'foundation', host: 'foundation', version: '4.4.4', description: 'knowledge management',
    operations: [
      get('lookup', [call('PCAS', 'get'), db('select', 'articles', 3)]),
      get('search', [db('select', 'articles', 10), call('PTGS', 'tags', { batch: 10 })]),
    ],
  },
  {
    name: 'PDRS', tier: 'foundation', host: 'foundation', version: '1.1.3', description: 'disaster recovery and snapshots',
    operations: [post('snapshot', [db('select', 'snapshots', 4), call('PKES', 'sign'), db('insert', 'snapshots')])],
  },
  // --- enterprise (host "enterprise")
  {
    name: 'PPMS', tier: 'enterprise', host: 'enterprise', version: '2.2.2', description: 'project and portfolio management',
    operations: [get('portfolio', [call('PSec', 'authorize'), par(call('PAT', 'report'), call('PTMS', 'tasks'), call('PKM', 'search')), db('select', 'projects', 6)])],
  },
  {
    name: 'PBOS', tier: 'enterprise', host: 'enterprise', version: '3.3.0', description: 'back-office operations',
    operations: [post('settle', [call('PSec', 'authorize'), par(call('PCES', 'evaluate'), call('PPOS', 'place'), call('PAES', 'record')), db('update', 'ledgers'), call('PDRS', 'snapshot', { optional: true })])],
  },
  {
    name: 'PSMS', tier: 'enterprise', host: 'enterprise', version: '1.9.0', description: 'supply and stock management',
    operations: [get('stock', [par(call('PLOS', 'route'), call('PPIS', 'catalog'), call('PDT', 'simulate')), db('select', 'stock', 8)])],
  },
  {
    name: 'PTMS', tier: 'enterprise', host: 'enterprise', version: '2.0.1', description: 'task management',
    operations: [get('tasks', [db('select', 'tasks', 10), call('PTGS', 'tags', { batch: 10 }), call('PTT', 'trial', { optional: true })])],
  },
  {
    name: 'PUOS', tier: 'enterprise', host: 'enterprise', version: '1.0.5', description: 'unified operations console',
    operations: [get('overview', [call('PSec', 'authorize'), par(call('PPMS', 'portfolio'), call('PSMS', 'stock'), call('PBOS', 'settle'), call('PSO', 'workflows')), cpu(1)])],
  },
];

/** Where the load generator sends traffic: user-facing entry operations and their share. */
export const ENTRY_POINTS: readonly { system: SystemName; operation: string; weight: number }[] = [
  { system: 'PUXT', operation: 'page', weight: 30 },
  { system: 'PUXT', operation: 'action', weight: 8 },
  { system: 'PSO', operation: 'orchestrate', weight: 10 },
  { system: 'PSO', operation: 'workflows', weight: 6 },
  { system: 'PPIS', operation: 'product', weight: 12 },
  { system: 'PPIS', operation: 'catalog', weight: 4 },
  { system: 'PPMS', operation: 'portfolio', weight: 5 },
  { system: 'PBOS', operation: 'settle', weight: 5 },
  { system: 'PSMS', operation: 'stock', weight: 4 },
  { system: 'PTMS', operation: 'tasks', weight: 5 },
  { system: 'PUOS', operation: 'overview', weight: 2 },
  { system: 'PDRS', operation: 'snapshot', weight: 1 },
];

const BY_NAME = new Map<string, SystemSpec>(TOPOLOGY.map((s) => [s.name, s]));

export function isSystemName(name: string): name is SystemName {
  return BY_NAME.has(name);
}

export function systemSpec(name: SystemName): SystemSpec {
  const spec = BY_NAME.get(name);
  if (!spec) throw new Error(`unknown system ${name}`);
  return spec;
}

export function findOperation(system: SystemName, operation: string): Operation | undefined {
  return BY_NAME.get(system)?.operations.find((o) => o.name === operation);
}

/** Every call step of an operation, parallel groups flattened. */
export function callSteps(op: Operation): CallStep[] {
  return op.steps.flatMap((s) => (s.kind === 'call' ? [s] : s.kind === 'parallel' ? s.calls : []));
}

/** Caller -> callee pairs of the whole topology (or of a subset of systems), deduplicated, sorted. */
export function edges(systems: readonly SystemSpec[] = TOPOLOGY): { from: SystemName; to: SystemName }[] {
  const present = new Set(systems.map((s) => s.name));
  const seen = new Set<string>();
  const out: { from: SystemName; to: SystemName }[] = [];
  for (const s of systems) {
    for (const op of s.operations) {
      for (const c of callSteps(op)) {
        const key = `${s.name}->${c.target}`;
        if (!present.has(c.target) || seen.has(key)) continue;
        seen.add(key);
        out.push({ from: s.name, to: c.target });
      }
    }
  }
  return out.sort((a, b) => (a.from === b.from ? a.to.localeCompare(b.to) : a.from.localeCompare(b.from)));
}

/** Host process groups in start order, with their systems. */
export function hostGroups(systems: readonly SystemSpec[] = TOPOLOGY): Map<string, SystemSpec[]> {
  const groups = new Map<string, SystemSpec[]>();
  for (const s of systems) groups.set(s.host, [...(groups.get(s.host) ?? []), s]);
  return groups;
}

/**
 * The systems reachable from some entry points, callees included: a subset
 * of the fleet that is still closed under calls (for short runs and tests).
 */
export function closure(roots: readonly SystemName[]): SystemSpec[] {
  const keep = new Set<SystemName>();
  const visit = (name: SystemName): void => {
    if (keep.has(name)) return;
    keep.add(name);
    for (const op of systemSpec(name).operations) for (const c of callSteps(op)) visit(c.target);
  };
  roots.forEach(visit);
  return TOPOLOGY.filter((s) => keep.has(s.name));
}

/** A problem in the topology data (dangling call, unknown operation, call cycle), or none. */
export function topologyProblems(systems: readonly SystemSpec[] = TOPOLOGY): string[] {
  const problems: string[] = [];
  for (const s of systems) {
    for (const op of s.operations) {
      for (const c of callSteps(op)) {
        if (!findOperation(c.target, c.operation)) problems.push(`${s.name}.${op.name} calls unknown ${c.target}.${c.operation}`);
      }
    }
  }
  // Operation-level cycle check: a cycle would recurse until the request times out.
  const state = new Map<string, 'visiting' | 'done'>();
  const dfs = (system: SystemName, opName: string, path: string[]): void => {
    const key = `${system}.${opName}`;
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      problems.push(`call cycle: ${[...path, key].join(' -> ')}`);
      return;
    }
    state.set(key, 'visiting');
    const op = findOperation(system, opName);
    if (op) for (const c of callSteps(op)) dfs(c.target, c.operation, [...path, key]);
    state.set(key, 'done');
  };
  for (const s of systems) for (const op of s.operations) dfs(s.name, op.name, []);
  return problems;
}
