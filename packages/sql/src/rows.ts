import type { Experiment, Metric, RunInfo, RunStatus } from '@labbook/core/plugin';

/** MLflow's clamp for ±Infinity (the largest finite double), as its SQL store writes it. */
export const MAX_DOUBLE = 1.7976931348623157e308;

/** A metric value as stored: NaN → (0, is_nan 1), ±Inf → ±MAX_DOUBLE (is_nan as 0/1, which every dialect's boolean takes). */
export function toStoredValue(value: number): [number, 0 | 1] {
  if (Number.isNaN(value)) return [0, 1];
  if (value === Number.POSITIVE_INFINITY) return [MAX_DOUBLE, 0];
  if (value === Number.NEGATIVE_INFINITY) return [-MAX_DOUBLE, 0];
  return [value, 0];
}

/** A BIGINT as a number: drivers return strings for some (PostgreSQL always, MySQL past 2^53); nulls stay absent. */
export function num(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'number' ? v : Number(v);
}

/** A row of `runs`. */
export interface RunRow {
  run_uuid: string;
  name: string | null;
  user_id: string | null;
  status: string | null;
  start_time: unknown;
  end_time: unknown;
  lifecycle_stage: string | null;
  artifact_uri: string | null;
  experiment_id: unknown;
}

export function runInfoFromRow(r: RunRow): RunInfo {
  const info: RunInfo = {
    runId: r.run_uuid,
    runUuid: r.run_uuid,
    runName: r.name ?? '',
    experimentId: String(r.experiment_id),
    userId: r.user_id ?? '',
    status: (r.status ?? 'RUNNING') as RunStatus,
    artifactUri: r.artifact_uri ?? '',
    lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
  const start = num(r.start_time);
  const end = num(r.end_time);
  if (start !== undefined) info.startTime = start;
  if (end !== undefined) info.endTime = end;
  return info;
}

/** A row of `metrics` or `latest_metrics`. */
export interface MetricRow {
  key: string;
  value: number;
  timestamp: unknown;
  step: unknown;
  /** A boolean, or 0/1 where the database has no boolean type. */
  is_nan: unknown;
  run_uuid?: string;
}

export function metricFromRow(r: MetricRow): Metric {
  return {
    key: r.key,
    value: Number(r.is_nan) === 1 ? Number.NaN : Number(r.value),
    timestamp: num(r.timestamp) ?? 0,
    step: num(r.step) ?? 0,
  };
}

/** A row of `experiments`. */
export interface ExperimentRow {
  experiment_id: unknown;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: string | null;
  creation_time: unknown;
  last_update_time: unknown;
}

export function experimentFromRow(r: ExperimentRow, tags: { key: string; value: string }[]): Experiment {
  const e: Experiment = {
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactLocation: r.artifact_location ?? '',
    lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    tags,
  };
  const c = num(r.creation_time);
  const u = num(r.last_update_time);
  if (c !== undefined) e.creationTime = c;
  if (u !== undefined) e.lastUpdateTime = u;
  return e;
}
