import type { Metric } from './tracking.js';

/**
 * Status of a logged model (MLflow 3), spelled as MLflow's REST API spells it. New models are
 * PENDING while their files upload; READY and UPLOAD_FAILED are final.
 */
export const LoggedModelStatus = {
  UNSPECIFIED: 'LOGGED_MODEL_STATUS_UNSPECIFIED',
  PENDING: 'LOGGED_MODEL_PENDING',
  READY: 'LOGGED_MODEL_READY',
  FAILED: 'LOGGED_MODEL_UPLOAD_FAILED',
} as const;
export type LoggedModelStatus = (typeof LoggedModelStatus)[keyof typeof LoggedModelStatus];

/** MLflow's protobuf numbers for {@link LoggedModelStatus} (the file store writes these in `meta.yaml`; SQL stores in `status`). */
export const LOGGED_MODEL_STATUS_NUMBER: Readonly<Record<LoggedModelStatus, number>> = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
};

/** Inverse of {@link LOGGED_MODEL_STATUS_NUMBER}; unknown numbers are UNSPECIFIED. */
export function loggedModelStatusFromNumber(n: number): LoggedModelStatus {
  for (const [name, num] of Object.entries(LOGGED_MODEL_STATUS_NUMBER)) if (num === n) return name as LoggedModelStatus;
  return 'LOGGED_MODEL_STATUS_UNSPECIFIED';
}

/**
 * A status given by name (`LOGGED_MODEL_READY`), by MLflow's Python name (`READY`, `FAILED`), or by
 * number; undefined when it is none of them.
 */
export function parseLoggedModelStatus(value: unknown): LoggedModelStatus | undefined {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 && value <= 3 ? loggedModelStatusFromNumber(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  if ((Object.values(LoggedModelStatus) as string[]).includes(upper)) return upper as LoggedModelStatus;
  return (LoggedModelStatus as Record<string, LoggedModelStatus>)[upper];
}

/** The shape of MLflow 3's logged-model ids: `m-` and 32 lowercase hex characters. */
export const LOGGED_MODEL_ID_PATTERN = /^m-[0-9a-f]{32}$/;

const LOGGED_MODEL_URI = /^models:\/(m-[0-9a-f]{32})(?:\/(.*))?$/;

/**
 * The model id and sub-path of a `models:/m-…[/path]` URI whose first segment has the id's exact
 * shape (what registries store as a version's source), or undefined for any other URI.
 */
export function parseLoggedModelUri(uri: string): { modelId: string; path: string } | undefined {
  const match = LOGGED_MODEL_URI.exec(uri);
  return match ? { modelId: match[1] as string, path: match[2] ?? '' } : undefined;
}

/** A key/value pair attached to a logged model; may be overwritten. */
export interface LoggedModelTag {
  key: string;
  value: string;
}

/** An immutable key/value input of a logged model (hyperparameters, usually copied from its run). */
export interface LoggedModelParameter {
  key: string;
  value: string;
}

/** What identifies a logged model and where its files are. */
export interface LoggedModelInfo {
  /** `m-` followed by 32 hex characters. */
  modelId: string;
  experimentId: string;
  name: string;
  /** Where the model's files are (`…/<experiment>/models/<model_id>/artifacts`). */
  artifactUri: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  modelType?: string;
  /** The run that produced the model. */
  sourceRunId?: string;
  status: LoggedModelStatus;
  statusMessage?: string;
  tags: LoggedModelTag[];
}

/** A logged model's params and the metrics logged against it (each point carries `modelId`). */
export interface LoggedModelData {
  params: LoggedModelParameter[];
  metrics: Metric[];
}

/** A model logged to an experiment (MLflow 3's LoggedModel). */
export interface LoggedModel {
  info: LoggedModelInfo;
  data: LoggedModelData;
}

/** A model a run produced, at a step (MLflow's `runs/outputs`). */
export interface LoggedModelOutput {
  modelId: string;
  step: number;
}

/** What a run produced. */
export interface RunOutputs {
  modelOutputs: LoggedModelOutput[];
}

/** A dataset restriction of a logged-model search: metrics on that dataset only. */
export interface LoggedModelDatasetFilter {
  datasetName: string;
  datasetDigest?: string;
}
