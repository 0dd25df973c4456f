import type {
  CreateLoggedModelOptions,
  CreateRunOptions,
  DatasetInput,
  Experiment,
  ExperimentTag,
  ImportOutcome,
  ImportedRun,
  LogBatchInput,
  LoggedModel,
  LoggedModelOutput,
  LoggedModelParameter,
  LoggedModelStatus,
  LoggedModelTag,
  LoggedModelsQuery,
  Metric,
  MetricHistoryColumns,
  MetricHistoryOptions,
  PagedList,
  Run,
  RunInfo,
  ExperimentsQuery,
  RunsQuery,
  SearchAnswer,
  TrackingStore,
  UpdateRunOptions,
} from '@labbook/core/plugin';
import * as experiments from './experiment-folders.js';
import { searchExperiments } from './experiment-search.js';
import * as models from './logged-model-folders.js';
import { searchLoggedModels } from './logged-model-search.js';
import type { FileTrackingStoreOptions } from './options.js';
import * as runs from './run-folders.js';
import * as imports from './run-import.js';
import * as metrics from './run-metrics.js';
import { logOutputs } from './run-outputs.js';
import { searchRuns } from './run-search.js';
import { type StoreContext, createStoreContext } from './store-context.js';

/**
 * Tracking store over MLflow's `mlruns/` folder layout: what MLflow writes opens here with nothing
 * lost and the reverse. Metadata writes are atomic (temp + fsync + rename), metric points are appended
 * with one `write()` per key and batch (O_APPEND, so concurrent writers never interleave inside a
 * line), and searches read through stat-validated caches instead of re-reading every file.
 *
 * The work is done by modules over a shared {@link StoreContext}: experiment folders, run folders,
 * metric files and searches. Methods return those modules' promises as they are, so the facade adds
 * no await of its own to any call.
 */
export class FileTrackingStore implements TrackingStore {
  /** Absolute path of the store root. */
  readonly root: string;
  /** Artifact root of new experiments. */
  readonly artifactRootUri: string;
  private readonly ctx: StoreContext;

  /** @throws INVALID_PARAMETER_VALUE for an unusable root or `metricColumnsCacheBytes`. */
  constructor(options: FileTrackingStoreOptions = {}) {
    this.ctx = createStoreContext(options, experiments.openStore);
    this.root = this.ctx.root;
    this.artifactRootUri = this.ctx.artifactRootUri;
  }

  createExperiment(name: string, artifactLocation?: string, tags?: ExperimentTag[]): Promise<string> {
    return experiments.createExperiment(this.ctx, name, artifactLocation, tags);
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return experiments.getExperiment(this.ctx, experimentId);
  }

  getExperimentByName(name: string): Promise<Experiment | null> {
    return experiments.getExperimentByName(this.ctx, name);
  }

  searchExperiments(query: ExperimentsQuery): Promise<SearchAnswer<Experiment>> {
    return searchExperiments(this.ctx, query);
  }

  deleteExperiment(experimentId: string): Promise<void> {
    return experiments.deleteExperiment(this.ctx, experimentId);
  }

  restoreExperiment(experimentId: string): Promise<void> {
    return experiments.restoreExperiment(this.ctx, experimentId);
  }

  renameExperiment(experimentId: string, newName: string): Promise<void> {
    return experiments.renameExperiment(this.ctx, experimentId, newName);
  }

  setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    return experiments.setExperimentTag(this.ctx, experimentId, tag);
  }

  deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    return experiments.deleteExperimentTag(this.ctx, experimentId, key);
  }

  createRun(options: CreateRunOptions): Promise<Run> {
    return runs.createRun(this.ctx, options);
  }

  getRun(runId: string): Promise<Run> {
    return runs.getRun(this.ctx, runId);
  }

  updateRunInfo(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    return runs.updateRunInfo(this.ctx, runId, update);
  }

  deleteRun(runId: string): Promise<void> {
    return runs.deleteRun(this.ctx, runId);
  }

  restoreRun(runId: string): Promise<void> {
    return runs.restoreRun(this.ctx, runId);
  }

  logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    return runs.logBatch(this.ctx, runId, batch);
  }

  deleteTag(runId: string, key: string): Promise<void> {
    return runs.deleteTag(this.ctx, runId, key);
  }

  logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    return runs.logInputs(this.ctx, runId, datasets);
  }

  getMetricHistory(runId: string, key: string, options?: MetricHistoryOptions): Promise<PagedList<Metric>> {
    return metrics.getMetricHistory(this.ctx, runId, key, options);
  }

  /** The whole history as typed-array columns, parsed without one object per point. */
  getMetricHistoryColumns(runId: string, key: string): Promise<MetricHistoryColumns> {
    return metrics.getMetricHistoryColumns(this.ctx, runId, key);
  }

  searchRuns(query: RunsQuery): Promise<SearchAnswer<Run>> {
    return searchRuns(this.ctx, query);
  }

  /** Creates a PENDING logged model in `<exp>/models/<model_id>/`, MLflow 3's layout. */
  createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    return models.createLoggedModel(this.ctx, options);
  }

  getLoggedModel(modelId: string): Promise<LoggedModel> {
    return models.getLoggedModel(this.ctx, modelId);
  }

  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return models.finalizeLoggedModel(this.ctx, modelId, status);
  }

  deleteLoggedModel(modelId: string): Promise<void> {
    return models.deleteLoggedModel(this.ctx, modelId);
  }

  setLoggedModelTags(modelId: string, tags: LoggedModelTag[]): Promise<void> {
    return models.setLoggedModelTags(this.ctx, modelId, tags);
  }

  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return models.deleteLoggedModelTag(this.ctx, modelId, key);
  }

  logLoggedModelParams(modelId: string, params: LoggedModelParameter[]): Promise<void> {
    return models.logLoggedModelParams(this.ctx, modelId, params);
  }

  /** Records models a run produced (`<run>/outputs/<model_id>/meta.yaml`). */
  logOutputs(runId: string, outputs: LoggedModelOutput[]): Promise<void> {
    return logOutputs(this.ctx, runId, outputs);
  }

  /** Candidates of the query's experiments, loaded with only the files the query reads. */
  searchLoggedModels(query: LoggedModelsQuery): Promise<SearchAnswer<LoggedModel>> {
    return searchLoggedModels(this.ctx, query);
  }

  /** Creates an experiment with its id (`labbook migrate`); see `ImportMethods`. */
  importExperiment(experiment: Experiment): Promise<ImportOutcome> {
    return imports.importExperiment(this.ctx, experiment);
  }

  /** Writes one run whole with its id, published by one rename so an interrupted import leaves no half run. */
  importRun(run: ImportedRun): Promise<ImportOutcome> {
    return imports.importRun(this.ctx, run);
  }

  /** Creates a logged model with its id, params, tags and metrics. */
  importLoggedModel(model: LoggedModel): Promise<ImportOutcome> {
    return imports.importLoggedModel(this.ctx, model);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }
}
