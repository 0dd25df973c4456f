import type { RunStatus, ViewType } from '../entities/enums.js';
import type { DatasetInput, Experiment, ExperimentTag, Metric, PagedList, Param, Run, RunInfo, RunTag } from '../entities/tracking.js';
import type { LoggedModel, LoggedModelOutput, LoggedModelParameter, LoggedModelStatus, LoggedModelTag } from '../entities/logged-model.js';
import type { ExperimentsQuery, LoggedModelsQuery, RunsQuery, SearchAnswer } from '../search/query.js';

/** Arguments of {@link TrackingStore.searchExperiments}. */
export interface SearchExperimentsOptions {
  viewType?: ViewType;
  /** 1..50000; stores default to 1000 when absent. */
  maxResults?: number;
  filter?: string;
  orderBy?: string[];
  pageToken?: string;
}

/** Arguments of {@link TrackingStore.createRun}. */
export interface CreateRunOptions {
  experimentId: string;
  userId?: string;
  /** Milliseconds since the epoch; the store uses "now" when absent. */
  startTime?: number;
  tags?: RunTag[];
  /** When absent (and no `mlflow.runName` tag is given) the store generates a name. */
  runName?: string;
}

/** Arguments of {@link TrackingStore.updateRunInfo}: only the fields present are changed. */
export interface UpdateRunOptions {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

/** Arguments of {@link TrackingStore.searchRuns}. */
export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string;
  viewType?: ViewType;
  /** 1..50000, default 1000. */
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** Arguments of {@link TrackingStore.getMetricHistory}. */
export interface MetricHistoryOptions {
  /** Absent or 0 means "everything". */
  maxResults?: number;
  pageToken?: string;
}

/**
 * A metric's whole history as columns, in the store's history order: what charts and bulk readers
 * need without one object per point. The arrays may be views of a store's cache: read them, do not
 * write to them.
 */
export interface MetricHistoryColumns {
  length: number;
  step: Float64Array;
  timestamp: Float64Array;
  value: Float64Array;
}

/** What one {@link TrackingStore.logBatch} call writes. */
export interface LogBatchInput {
  metrics?: Metric[];
  params?: Param[];
  tags?: RunTag[];
}

/**
 * What every tracking store does besides searching: the same methods in the plugin contract
 * ({@link TrackingStore}) and in the guarded store callers use ({@link GuardedTrackingStore}).
 *
 * Core validates every input (key characters, lengths, batch limits, ids) before a store sees it, so
 * a store enforces only what it alone can: existence (`RESOURCE_DOES_NOT_EXIST`), uniqueness
 * (`RESOURCE_ALREADY_EXISTS`), param immutability and lifecycle rules (`INVALID_PARAMETER_VALUE`).
 * Every method fails with a `LabbookError`.
 */
export interface TrackingStoreMethods {
  /** Creates an experiment and returns its id. Names are unique across lifecycle stages. */
  createExperiment(name: string, artifactLocation?: string, tags?: ExperimentTag[]): Promise<string>;
  /** The experiment with this id, active or deleted. */
  getExperiment(experimentId: string): Promise<Experiment>;
  /** The experiment with this name, active or deleted, or `null`. */
  getExperimentByName(name: string): Promise<Experiment | null>;
  /** Soft-deletes an experiment and marks its runs deleted. */
  deleteExperiment(experimentId: string): Promise<void>;
  /** Restores a deleted experiment and its deleted runs. */
  restoreExperiment(experimentId: string): Promise<void>;
  /** Renames an experiment; the new name must be unused. */
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  /** Sets (upserts) an experiment tag; the experiment must be active. */
  setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void>;
  /** Removes an experiment tag; a missing key is RESOURCE_DOES_NOT_EXIST. */
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  /** Creates a RUNNING run in an active experiment. */
  createRun(options: CreateRunOptions): Promise<Run>;
  /** The run with its latest metrics, params and tags. */
  getRun(runId: string): Promise<Run>;
  /** Updates status, end time and/or name; keeps the `mlflow.runName` tag in sync with the name. */
  updateRunInfo(runId: string, update: UpdateRunOptions): Promise<RunInfo>;
  /** Soft-deletes a run (sets `deleted_time`). */
  deleteRun(runId: string): Promise<void>;
  /** Restores a deleted run. */
  restoreRun(runId: string): Promise<void>;
  /**
   * Writes metrics (appended to history), params (immutable: same value is a no-op, another value is
   * INVALID_PARAMETER_VALUE) and tags (last one wins). The run must be active.
   */
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  /** Removes a run tag; a missing key is RESOURCE_DOES_NOT_EXIST. */
  deleteTag(runId: string, key: string): Promise<void>;
  /** Records datasets a run used. Logging the same dataset twice is a no-op. */
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;
  /** Every point of one metric of a run, paged when `maxResults` is set. */
  getMetricHistory(runId: string, key: string, options?: MetricHistoryOptions): Promise<PagedList<Metric>>;
  /**
   * Optional fast path: the whole history of a metric as typed-array columns. Stores that can read
   * points without building objects implement it; callers fall back to {@link getMetricHistory}.
   */
  getMetricHistoryColumns?(runId: string, key: string): Promise<MetricHistoryColumns>;
  /** Releases connections and file handles. Optional. */
  close?(): Promise<void>;
}

/** Arguments of {@link LoggedModelMethods.createLoggedModel}. */
export interface CreateLoggedModelOptions {
  experimentId: string;
  /** A random name (`<adjective>-<animal>-<n>` as for runs) when absent. */
  name?: string;
  modelType?: string;
  /** The run that produced the model. */
  sourceRunId?: string;
  params?: LoggedModelParameter[];
  tags?: LoggedModelTag[];
}

/** A logged-model `order_by` entry as MLflow's REST API sends it (`metrics.<key>` or an attribute). */
export interface LoggedModelOrderBy {
  fieldName: string;
  /** Default true. */
  ascending?: boolean;
  /** For `metrics.<key>`: order by the metric's latest value on this dataset. */
  datasetName?: string;
  datasetDigest?: string;
}

/** Arguments of {@link GuardedTrackingStore.searchLoggedModels}. */
export interface SearchLoggedModelsOptions {
  experimentIds: string[];
  filter?: string;
  /** Metric clauses (and, without one, the models returned) are restricted to metrics on these datasets. */
  datasets?: { datasetName: string; datasetDigest?: string }[];
  /** Entries as `"metrics.acc DESC"` text or as MLflow's `{ fieldName, ascending, datasetName }` objects. */
  orderBy?: (string | LoggedModelOrderBy)[];
  maxResults?: number;
  pageToken?: string;
}

/**
 * Logged models (MLflow 3): entities of their own, with params, tags, metrics (points logged with a
 * `modelId`), a status and an artifact location `<experiment artifact root>/models/<model_id>/artifacts`.
 * Optional in the plugin contract: a store that has them implements all of these and
 * `searchLoggedModels`; the guard answers FEATURE_DISABLED for a store that has none.
 */
export interface LoggedModelMethods {
  /** Creates a PENDING model in an active experiment; id `m-<32 hex>`. */
  createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel>;
  /** The model, deleted ones excluded (RESOURCE_DOES_NOT_EXIST). */
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  /** Sets the final status (READY or UPLOAD_FAILED); finalizing twice to the same status is a no-op. */
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  /** Soft-deletes a model: it disappears from get and search. */
  deleteLoggedModel(modelId: string): Promise<void>;
  /** Upserts tags (last one wins). */
  setLoggedModelTags(modelId: string, tags: LoggedModelTag[]): Promise<void>;
  /** Removes a tag; a missing key is RESOURCE_DOES_NOT_EXIST. */
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  /** Adds params; a key logged before with another value is INVALID_PARAMETER_VALUE. */
  logLoggedModelParams(modelId: string, params: LoggedModelParameter[]): Promise<void>;
  /** Records models a run produced (MLflow's `runs/outputs`); the run must be active. */
  logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void>;
}

/** A run as a migration copies it: the run whole and every point of every metric. */
export interface ImportedRun {
  /**
   * The run with its id, experiment id, name, user, status, times, lifecycle stage and artifact URI
   * kept, with its params, tags, dataset inputs and (when it has them) model outputs. `data.metrics`
   * (the latest values) is ignored: the store derives them from {@link metrics}.
   */
  run: Run;
  /** Every point of every metric of the run, in any order (points with a `modelId` also go to that model). */
  metrics: Metric[];
}

/** What an import did: wrote the entity, or found it already there (a rerun) and left it. */
export type ImportOutcome = 'created' | 'exists';

/**
 * Copying entities with their ids, for `labbook migrate`. Optional in the plugin contract: a store
 * that has it keeps ids across a migration; without it, migrate creates new ids. Every import is
 * all or nothing, and never overwrites: an entity already there with the same id is left alone when
 * it is the same one (same name, or same experiment and start time), and otherwise refused with
 * RESOURCE_ALREADY_EXISTS.
 *
 * An empty location asks for the store's default (migrate sends them when it copies artifacts to the
 * target's artifact root): an experiment's `artifactLocation` `''` becomes `<artifact root>/<experiment id>`,
 * a run's `artifactUri` `''` becomes `<experiment location>/<run id>/artifacts`, a logged model's
 * `artifactUri` `''` becomes `<experiment location>/models/<model id>/artifacts`.
 */
export interface ImportMethods {
  /** Creates the experiment with its id, name, artifact location, lifecycle stage, times and tags. */
  importExperiment(experiment: Experiment): Promise<ImportOutcome>;
  /** Writes one run whole in one transaction; its experiment must be there (in any lifecycle stage). */
  importRun(run: ImportedRun): Promise<ImportOutcome>;
  /** Creates a logged model with its id, status, times, params, tags and metrics (stores with logged models). */
  importLoggedModel?(model: LoggedModel): Promise<ImportOutcome>;
  /**
   * Whether {@link importExperiment} can keep `experimentId`. Absent: every id. MLflow's SQL schema
   * keeps experiment ids in an INTEGER column, which cannot hold the 18-digit ids MLflow's (and
   * labbook's) file store makes: migrate then imports such an experiment under an id of the target's.
   */
  acceptsExperimentId?(experimentId: string): boolean;
}

/**
 * Storage of experiments, runs and what runs log: what a backend plugin implements (contract v2).
 *
 * Core validates every input before a store sees it, and parses every search once: a store's
 * search receives a parsed query and answers it natively or returns candidates for core's evaluator
 * (see {@link SearchAnswer}).
 */
export interface TrackingStore extends TrackingStoreMethods, Partial<LoggedModelMethods>, Partial<ImportMethods> {
  /** Experiments matching the query (default order `creation_time DESC, experiment_id ASC`). */
  searchExperiments(query: ExperimentsQuery): Promise<SearchAnswer<Experiment>>;
  /** Runs of the query's experiments and view type that match it. */
  searchRuns(query: RunsQuery): Promise<SearchAnswer<Run>>;
  /** Logged models of the query's experiments (optional, with the {@link LoggedModelMethods}). */
  searchLoggedModels?(query: LoggedModelsQuery): Promise<SearchAnswer<LoggedModel>>;
}

/** A tracking store of plugin contract v1, whose searches took the request as text. Core adapts it. */
export interface TrackingStoreV1 extends TrackingStoreMethods {
  searchExperiments(options?: SearchExperimentsOptions): Promise<PagedList<Experiment>>;
  searchRuns(options: SearchRunsOptions): Promise<PagedList<Run>>;
}

/**
 * A tracking store behind core's guard, as `resolveTrackingStore` returns it: every input checked
 * against MLflow's rules, searches taken as text and parsed once, results paged.
 */
export interface GuardedTrackingStore extends TrackingStoreMethods, LoggedModelMethods, Required<ImportMethods> {
  /** Whether the store can keep `experimentId` when importing (true when it does not say). */
  acceptsExperimentId(experimentId: string): boolean;
  /** True when the store keeps logged models (the other logged-model methods then work). */
  readonly supportsLoggedModels: boolean;
  /** True when the store imports experiments and runs with their ids (the import methods then work; FEATURE_DISABLED otherwise). */
  readonly supportsImport: boolean;
  /** True when the store also imports logged models with their ids. */
  readonly supportsLoggedModelImport: boolean;
  /** Logged models of some experiments matching a filter (MLflow's grammar for logged models), ordered and paged. */
  searchLoggedModels(options: SearchLoggedModelsOptions): Promise<PagedList<LoggedModel>>;
  /** Experiments matching a filter, ordered and paged (default order `creation_time DESC, experiment_id ASC`). */
  searchExperiments(options?: SearchExperimentsOptions): Promise<PagedList<Experiment>>;
  /** Runs of the given experiments that match a filter, ordered and paged. */
  searchRuns(options: SearchRunsOptions): Promise<PagedList<Run>>;
  /** The whole history of a metric as columns, from the store's fast path when it has one. */
  getMetricHistoryColumns(runId: string, key: string): Promise<MetricHistoryColumns>;
  /** Releases the store's connections and file handles. */
  close(): Promise<void>;
}
