/**
 * ppo_recommendations and ppo_outcomes: the records and their measurements.
 * Writes are whole rows with a fresh Version (ReplacingMergeTree); reads use FINAL.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { MeasuredOutcome } from '../../models/outcomes/track-record.ts';
import type { Verdict } from '../../models/outcomes/judge-outcome.ts';
import type {
  Recommendation,
  RecommendationEvidence,
  RecommendationKind,
  RecommendationOutcome,
  RecommendationStatus,
} from '../../models/recommendations/types.ts';
import { nsToIso9, selectRows, writeStamp } from './sql-util.ts';

interface Row {
  Id: string;
  ServiceName: string;
  Operation: string;
  Kind: string;
  FindingKey: string;
  Source: string;
  Title: string;
  Detail: string;
  Metric: string;
  CurrentValue: number;
  ExpectedValue: number;
  PriorConfidence: number;
  Confidence: number;
  Impact: number;
  Evidence: string;
  Status: string;
  Note: string;
  DeployVersion: string;
  CreatedAt: string;
  UpdatedAt: string;
  ObservedFrom: string;
  ObservedTo: string;
  TimesSeen: number;
  AppliedAt: string | null;
  Outcome: string;
}

const COLUMNS = `Id, ServiceName, Operation, Kind, FindingKey, Source, Title, Detail, Metric, CurrentValue, ExpectedValue,
  PriorConfidence, Confidence, Impact, Evidence, Status, Note, DeployVersion,
  formatDateTime(CreatedAt, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS CreatedAt,
  formatDateTime(UpdatedAt, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS UpdatedAt,
  toString(toUnixTimestamp64Nano(ObservedFrom)) AS ObservedFrom, toString(toUnixTimestamp64Nano(ObservedTo)) AS ObservedTo,
  TimesSeen, if(AppliedAt IS NULL, NULL, toString(toUnixTimestamp64Nano(assumeNotNull(AppliedAt)))) AS AppliedAt, Outcome`;

interface OutcomeJson extends Omit<RecommendationOutcome, 'beforeFrom' | 'changeAt' | 'afterTo'> {
  beforeFrom: string;
  changeAt: string;
  afterTo: string;
}

function outcomeToJson(o: RecommendationOutcome): string {
  const j: OutcomeJson = { ...o, beforeFrom: o.beforeFrom.toString(), changeAt: o.changeAt.toString(), afterTo: o.afterTo.toString() };
  return JSON.stringify(j);
}

function outcomeFromJson(s: string): RecommendationOutcome | undefined {
  if (s === '') return undefined;
  const j = JSON.parse(s) as OutcomeJson;
  return { ...j, beforeFrom: BigInt(j.beforeFrom), changeAt: BigInt(j.changeAt), afterTo: BigInt(j.afterTo) };
}

function fromRow(r: Row): Recommendation {
  const outcome = outcomeFromJson(r.Outcome);
  return {
    id: r.Id,
    service: r.ServiceName,
    ...(r.Operation === '' ? {} : { operation: r.Operation }),
    kind: r.Kind as RecommendationKind,
    findingKey: r.FindingKey,
    source: r.Source,
    title: r.Title,
    detail: r.Detail,
    expectedImprovement: { metric: r.Metric, current: r.CurrentValue, expected: r.ExpectedValue },
    priorConfidence: r.PriorConfidence,
    confidence: r.Confidence,
    impact: r.Impact,
    evidence: JSON.parse(r.Evidence || '[]') as RecommendationEvidence[],
    status: r.Status as RecommendationStatus,
    note: r.Note,
    ...(r.DeployVersion === '' ? {} : { deployVersion: r.DeployVersion }),
    createdAt: r.CreatedAt.replace(/(\.\d{3})\d*Z$/, '$1Z'),
    updatedAt: r.UpdatedAt.replace(/(\.\d{3})\d*Z$/, '$1Z'),
    observedFrom: BigInt(r.ObservedFrom),
    observedTo: BigInt(r.ObservedTo),
    timesSeen: r.TimesSeen,
    ...(r.AppliedAt === null ? {} : { appliedAt: BigInt(r.AppliedAt) }),
    ...(outcome === undefined ? {} : { outcome }),
  };
}

function toRow(r: Recommendation, version: bigint): Record<string, unknown> {
  return {
    Id: r.id,
    ServiceName: r.service,
    Operation: r.operation ?? '',
    Kind: r.kind,
    FindingKey: r.findingKey,
    Source: r.source,
    Title: r.title,
    Detail: r.detail,
    Metric: r.expectedImprovement.metric,
    CurrentValue: r.expectedImprovement.current,
    ExpectedValue: r.expectedImprovement.expected,
    PriorConfidence: r.priorConfidence,
    Confidence: r.confidence,
    Impact: r.impact,
    Evidence: JSON.stringify(r.evidence),
    Status: r.status,
    Note: r.note,
    DeployVersion: r.deployVersion ?? '',
    CreatedAt: r.createdAt,
    UpdatedAt: r.updatedAt,
    ObservedFrom: nsToIso9(r.observedFrom),
    ObservedTo: nsToIso9(r.observedTo),
    TimesSeen: r.timesSeen,
    AppliedAt: r.appliedAt === undefined ? null : nsToIso9(r.appliedAt),
    Outcome: r.outcome === undefined ? '' : outcomeToJson(r.outcome),
    Version: version.toString(),
  };
}

export async function saveRecommendations(client: ClickHouseClient, recs: readonly Recommendation[]): Promise<void> {
  if (recs.length === 0) return;
  await client.insert({
    table: 'ppo_recommendations',
    values: recs.map((r) => toRow(r, writeStamp())),
    format: 'JSONEachRow',
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}

export interface RecommendationFilter {
  readonly ids?: readonly string[];
  readonly service?: string;
  readonly statuses?: readonly RecommendationStatus[];
  readonly kinds?: readonly string[];
  readonly limit?: number;
}

export async function listRecommendations(client: ClickHouseClient, f: RecommendationFilter = {}): Promise<Recommendation[]> {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.ids) {
    if (f.ids.length === 0) return [];
    where.push('Id IN {ids:Array(String)}');
    params['ids'] = f.ids;
  }
  if (f.service !== undefined) {
    where.push('ServiceName = {service:String}');
    params['service'] = f.service;
  }
  if (f.statuses) {
    where.push('Status IN {statuses:Array(String)}');
    params['statuses'] = f.statuses;
  }
  if (f.kinds) {
    where.push('Kind IN {kinds:Array(String)}');
    params['kinds'] = f.kinds;
  }
  const rows = await selectRows<Row>(
    client,
    `SELECT ${COLUMNS} FROM ppo_recommendations FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY Confidence * Impact DESC, Impact DESC, Id ${f.limit === undefined ? '' : 'LIMIT {limit:UInt32}'}`,
    f.limit === undefined ? params : { ...params, limit: f.limit },
  );
  return rows.map(fromRow);
}

export async function getRecommendation(client: ClickHouseClient, id: string): Promise<Recommendation | undefined> {
  const [r] = await listRecommendations(client, { ids: [id] });
  return r;
}

/** Appends one measurement to ppo_outcomes (the track record). */
export async function saveOutcome(client: ClickHouseClient, rec: Recommendation, o: RecommendationOutcome): Promise<void> {
  await client.insert({
    table: 'ppo_outcomes',
    values: [
      {
        MeasuredAt: o.measuredAt,
        RecommendationId: rec.id,
        ServiceName: rec.service,
        Operation: rec.operation ?? '',
        Kind: rec.kind,
        Verdict: o.verdict,
        Metric: o.metric,
        Before: o.before,
        After: o.after,
        ChangePct: o.changePct,
        PValue: o.pValue,
        DeployVersion: o.version ?? '',
        Trigger: o.trigger,
        Detail: outcomeToJson(o),
      },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}

/** The latest measurement of every measured recommendation, for the track record. */
export async function fetchMeasuredOutcomes(client: ClickHouseClient): Promise<MeasuredOutcome[]> {
  const rows = await selectRows<{ kind: string; verdict: string; change: number }>(
    client,
    `SELECT Kind AS kind, argMax(Verdict, MeasuredAt) AS verdict, argMax(ChangePct, MeasuredAt) AS change
     FROM ppo_outcomes GROUP BY RecommendationId, Kind`,
  );
  return rows.map((r) => ({ kind: r.kind, verdict: r.verdict as Verdict, changePct: r.change }));
}

/** Counts for `GET /api/ppo/metrics`. */
export async function recommendationCounts(client: ClickHouseClient): Promise<{ kind: string; status: string; n: number }[]> {
  return selectRows(client, `SELECT Kind AS kind, Status AS status, toUInt32(count()) AS n FROM ppo_recommendations FINAL GROUP BY kind, status ORDER BY kind, status`);
}
