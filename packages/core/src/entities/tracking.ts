import type { LifecycleStage, RunStatus } from './enums.js';
import type { RunOutputs } from './logged-model.js';

/** A key/value pair attached to an experiment. */
export interface ExperimentTag {
  key: string;
  value: string;
}

/** A key/value pair attached to a run. Tags may be overwritten; keys under `mlflow.` are system tags. */
export interface RunTag {
  key: string;
  value: string;
}

/** An immutable key/value input of a run: once logged, a param's value never changes. */
export interface Param {
  key: string;
  value: string;
}

/**
 * One point of a metric's history. `value` may be NaN or ±Infinity. `timestamp` is milliseconds since
 * the epoch; `step` defaults to 0.
 */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  /** Present on points read back with a run id attached (bulk history). */
  runId?: string;
  datasetName?: string;
  datasetDigest?: string;
  modelId?: string;
}

/** A named group of runs. Experiment `"0"` is "Default". */
export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime?: number;
  lastUpdateTime?: number;
  tags: ExperimentTag[];
}

/** Metadata of a run. */
export interface RunInfo {
  runId: string;
  /** Deprecated duplicate of `runId` that MLflow still emits. */
  runUuid: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime?: number;
  /** Absent until the run is terminated. */
  endTime?: number;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

/** What a run logged: the latest value of each metric, its params and tags. */
export interface RunData {
  /** Latest point per key, "latest" being the maximum by (step, timestamp, value). */
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

/** A dataset as MLflow describes it. */
export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

/** A tag of a dataset input, e.g. `mlflow.data.context` = `training`. */
export interface InputTag {
  key: string;
  value: string;
}

/** A dataset used by a run, with the tags of that use. */
export interface DatasetInput {
  tags: InputTag[];
  dataset: Dataset;
}

/** The inputs of a run. */
export interface RunInputs {
  datasetInputs: DatasetInput[];
}

/** A run: its info, what it logged, and what it read. */
export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: RunInputs;
  /** The logged models the run produced (MLflow 3); absent where the store keeps none. */
  outputs?: RunOutputs;
}

/** A page of results and the opaque token of the next page, if there is one. */
export interface PagedList<T> {
  items: T[];
  nextPageToken?: string;
}

/** One entry of an artifact listing. Paths are relative to the repository root and use `/`. */
export interface FileInfo {
  path: string;
  isDir: boolean;
  /** Unset for folders. */
  fileSize?: number;
}
