/** Plain inputs and outputs of root-cause ranking (what the queries reduce telemetry to). */
import type { FlowInput } from './flows.ts';

export type FaultKind = 'latency' | 'errors' | 'network' | 'behavior' | 'cpu' | 'memory' | 'gc' | 'event-loop';

export type EvidenceSignal =
  | 'self_time'
  | 'origin_errors'
  | 'new_operation'
  | 'vanished_operation'
  | 'network_gap'
  | 'dependency_latency'
  | 'dependency_errors'
  | 'resource_metric'
  | 'log_error_rate'
  | 'new_log_template'
  | 'flow_truncated';

export interface SpanStat {
  readonly service: string;
  readonly instance: string;
  readonly operation: string;
  readonly kind: string;
  readonly target: string;
  readonly targetKind: string;
  readonly inWindow: number;
  readonly calls: number;
  readonly errors: number;
  readonly originErrors: number;
  readonly selfQ: readonly number[];
  readonly durP50: number;
}

export interface MetricStat {
  readonly service: string;
  readonly instance: string;
  readonly metric: string;
  readonly attributes: string;
  readonly inWindow: number;
  readonly n: number;
  readonly q: readonly number[];
}

export interface LogVolume {
  readonly service: string;
  readonly instance: string;
  readonly inWindow: number;
  readonly total: number;
  readonly errors: number;
}

export interface LogTemplate {
  readonly service: string;
  readonly instance: string;
  readonly template: string;
  readonly inWindow: number;
  readonly n: number;
}

export interface RootCauseInput {
  readonly spans: readonly SpanStat[];
  readonly metrics: readonly MetricStat[];
  readonly logVolumes: readonly LogVolume[];
  readonly logTemplates: readonly LogTemplate[];
  /** Lengths of the two periods, seconds (counts are compared as rates). */
  readonly windowS: number;
  readonly baselineS: number;
  /** Spans and logs of a sample of whole traces, for flow-shape evidence (optional: without it there is none). */
  readonly flows?: FlowInput;
}

export interface Evidence {
  /** The candidate it speaks for: a service, or a dependency named from its callers' spans. */
  readonly entity: string;
  readonly instance?: string;
  readonly kind: FaultKind;
  readonly signal: EvidenceSignal;
  readonly operation?: string;
  readonly detail: string;
  readonly baseline: number;
  readonly window: number;
  /** Effect size (Cohen's d on the baseline's robust spread, or Cohen's h for proportions). */
  readonly effect: number;
  readonly z: number;
  /** 0..1 */
  readonly strength: number;
}

export interface GraphEdge {
  readonly caller: string;
  readonly callee: string;
  readonly calls: number;
  /** The callee has no spans of its own (database, queue, external host). */
  readonly uninstrumented: boolean;
}

export interface RootCauseCandidate {
  readonly service: string;
  /** The pod / instance with the strongest evidence, when the telemetry names one. */
  readonly instance?: string;
  /** Share of the random walk's stationary mass (the candidates' scores sum to 1). */
  readonly score: number;
  /** Own anomaly, 0..1 (its strongest evidence), before propagation. */
  readonly anomaly: number;
  readonly kind: FaultKind;
  /** Not a service with spans of its own: named from its callers' outbound calls. */
  readonly uninstrumented: boolean;
  readonly evidence: readonly Evidence[];
}

export interface RootCauseRanking {
  readonly candidates: readonly RootCauseCandidate[];
  readonly edges: readonly GraphEdge[];
}
