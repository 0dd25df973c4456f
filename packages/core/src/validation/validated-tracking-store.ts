import { RunStatus } from '../entities/enums.js';
import {
  type LoggedModel,
  type LoggedModelOutput,
  type LoggedModelParameter,
  type LoggedModelStatus,
  type LoggedModelTag,
  parseLoggedModelStatus,
} from '../entities/logged-model.js';
import { LabbookError } from '../errors.js';
import type { DatasetInput, Experiment, ExperimentTag, Metric, PagedList, Run, RunInfo } from '../entities/tracking.js';
import { labbookChannels, traced } from '../diagnostics/channels.js';
import { invalidParameter } from '../errors.js';
import { readMetricColumns } from '../metrics/metric-history.js';
import { pageOf } from '../search/answer-query.js';
import { buildExperimentsQuery, buildLoggedModelsQuery, buildRunsQuery } from '../search/build-query.js';
import type {
  CreateLoggedModelOptions,
  CreateRunOptions,
  GuardedTrackingStore,
  ImportMethods,
  ImportOutcome,
  ImportedRun,
  LoggedModelMethods,
  SearchLoggedModelsOptions,
  LogBatchInput,
  MetricHistoryColumns,
  MetricHistoryOptions,
  SearchExperimentsOptions,
  SearchRunsOptions,
  TrackingStore,
  UpdateRunOptions,
} from '../interfaces/tracking-store.js';
import { validateBatch, validateDatasetInputs, validateExperimentTag, validateMetric, validateRunTag } from './entities.js';
import { validateKey } from './keys.js';
import {
  checkedFinalStatus,
  checkedLoggedModelName,
  validateCreateLoggedModel,
  validateLoggedModelParams,
  validateLoggedModelTags,
  validateModelOutputs,
} from './logged-models.js';
import { LIMITS } from './limits.js';
import {
  requireValue,
  validateExperimentId,
  validateExperimentName,
  validateLength,
  validateLoggedModelId,
  validateMaxResults,
  validateRunId,
} from './values.js';

const STATUSES: readonly string[] = Object.values(RunStatus);
const STAGES: readonly string[] = ['active', 'deleted'];
const BRAND = Symbol.for('labbook:validated-tracking-store');

function validateArtifactLocation(location: unknown): void {
  if (location === undefined || location === null || location === '') return;
  validateLength(location, 'artifact_location', LIMITS.artifactLocationLength, 'Artifact location');
  if (location.startsWith('runs:')) {
    throw invalidParameter(`Invalid artifact_location '${location}': it may not be a runs:/ URI.`, { field: 'artifact_location' });
  }
  // A fragment or URL params could smuggle a path past later checks (CVE-2024-1483, CVE-2024-1593).
  if (/[#;]/.test(location)) {
    throw invalidParameter(`Invalid artifact_location '${location}': URL fragments and parameters are not allowed.`, {
      field: 'artifact_location',
    });
  }
  const query = location.indexOf('?');
  if (query >= 0 && decodeURIComponentSafe(location.slice(query)).includes('..')) {
    throw invalidParameter(`Invalid artifact_location '${location}': '..' is not allowed in its query.`, { field: 'artifact_location' });
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function validateTimestamp(value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidParameter(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected a non-negative integer (ms).`, {
      field,
    });
  }
}

function validateStage(stage: unknown, field: string): void {
  if (typeof stage !== 'string' || !STAGES.includes(stage)) {
    throw invalidParameter(`Invalid value ${JSON.stringify(stage)} for parameter '${field}': expected 'active' or 'deleted'.`, { field });
  }
}

function validateKeyValues(list: unknown, what: 'param' | 'tag', field: string): void {
  if (!Array.isArray(list))
    throw invalidParameter(`Invalid value for parameter '${field}': expected a list of key/value pairs.`, { field });
  for (const [i, kv] of list.entries()) {
    validateKey((kv as { key?: unknown } | undefined)?.key, what, `${field}[${i}].key`);
    if (typeof (kv as { value?: unknown }).value !== 'string') {
      throw invalidParameter(`Invalid value for parameter '${field}[${i}].value': expected a string.`, { field: `${field}[${i}].value` });
    }
  }
}

function validateMetricPoints(metrics: unknown, field: string): void {
  if (!Array.isArray(metrics))
    throw invalidParameter(`Invalid value for parameter '${field}': expected a list of metric points.`, { field });
  for (const [i, m] of metrics.entries()) validateMetric(m as Metric, `${field}[${i}]`);
}

/** What an imported experiment must carry: its id, name, lifecycle stage and tags. */
function validateImportedExperiment(experiment: Experiment): void {
  if (typeof experiment !== 'object' || experiment === null) {
    throw invalidParameter(`Missing value for required parameter 'experiment': give the experiment to import.`, { field: 'experiment' });
  }
  validateExperimentId(experiment.experimentId, 'experiment.experiment_id');
  validateExperimentName(experiment.name, 'experiment.name');
  validateArtifactLocation(experiment.artifactLocation);
  validateStage(experiment.lifecycleStage, 'experiment.lifecycle_stage');
  validateTimestamp(experiment.creationTime, 'experiment.creation_time');
  validateTimestamp(experiment.lastUpdateTime, 'experiment.last_update_time');
  validateKeyValues(experiment.tags ?? [], 'tag', 'experiment.tags');
}

/** What an imported run must carry: its ids, status, stage and times, and well-formed data and points. */
function validateImportedRun(imported: ImportedRun): void {
  const run = imported?.run;
  if (typeof run !== 'object' || run === null || typeof run.info !== 'object' || run.info === null) {
    throw invalidParameter(`Missing value for required parameter 'run': give the run to import with its info.`, { field: 'run' });
  }
  validateRunId(run.info.runId, 'run.info.run_id');
  validateExperimentId(run.info.experimentId, 'run.info.experiment_id');
  if (!STATUSES.includes(run.info.status)) {
    throw invalidParameter(
      `Invalid value ${JSON.stringify(run.info.status)} for parameter 'run.info.status': expected one of ${STATUSES.join(', ')}.`,
      {
        field: 'run.info.status',
      },
    );
  }
  validateStage(run.info.lifecycleStage, 'run.info.lifecycle_stage');
  validateTimestamp(run.info.startTime, 'run.info.start_time');
  validateTimestamp(run.info.endTime, 'run.info.end_time');
  if (typeof run.info.artifactUri !== 'string') {
    throw invalidParameter(`Invalid value for parameter 'run.info.artifact_uri': expected a string ('' for the store's default).`, {
      field: 'run.info.artifact_uri',
    });
  }
  validateKeyValues(run.data?.params ?? [], 'param', 'run.data.params');
  validateKeyValues(run.data?.tags ?? [], 'tag', 'run.data.tags');
  validateDatasetInputs(run.inputs?.datasetInputs ?? [], 'run.inputs.dataset_inputs');
  if (run.outputs) validateModelOutputs(run.outputs.modelOutputs, 'run.outputs.model_outputs');
  validateMetricPoints(imported.metrics, 'metrics');
}

/** What an imported logged model must carry: its id, experiment, name, status and times. */
function validateImportedLoggedModel(model: LoggedModel): void {
  const info = model?.info;
  if (typeof info !== 'object' || info === null) {
    throw invalidParameter(`Missing value for required parameter 'model': give the logged model to import with its info.`, {
      field: 'model',
    });
  }
  validateLoggedModelId(info.modelId, 'model.info.model_id');
  validateExperimentId(info.experimentId, 'model.info.experiment_id');
  checkedLoggedModelName(info.name, 'model.info.name');
  parseStatusOrThrow(info.status);
  validateTimestamp(info.creationTimestampMs, 'model.info.creation_timestamp_ms');
  validateTimestamp(info.lastUpdatedTimestampMs, 'model.info.last_updated_timestamp_ms');
  if (info.sourceRunId !== undefined) validateRunId(info.sourceRunId, 'model.info.source_run_id');
  validateKeyValues(info.tags ?? [], 'tag', 'model.info.tags');
  validateKeyValues(model.data?.params ?? [], 'param', 'model.data.params');
  validateMetricPoints(model.data?.metrics ?? [], 'model.data.metrics');
}

function parseStatusOrThrow(status: unknown): void {
  if (parseLoggedModelStatus(status) === undefined) {
    throw invalidParameter(`Invalid value ${JSON.stringify(status)} for parameter 'model.info.status': expected a logged model status.`, {
      field: 'model.info.status',
    });
  }
}

/**
 * The guard in front of a plugin's TrackingStore: checks every input against MLflow's rules before
 * the store sees it, so stores validate nothing twice, and parses each search once into the query the
 * store answers. Over-long param and tag values are truncated here (MLflow's default).
 * `resolveTrackingStore` returns stores already wrapped in it.
 */
export class ValidatedTrackingStore implements GuardedTrackingStore {
  readonly inner: TrackingStore;

  constructor(inner: TrackingStore) {
    this.inner = inner;
    Object.defineProperty(this, BRAND, { value: true });
  }

  async createExperiment(name: string, artifactLocation?: string, tags?: ExperimentTag[]): Promise<string> {
    validateExperimentName(name);
    validateArtifactLocation(artifactLocation);
    const checked = (tags ?? []).map((t, i) => validateExperimentTag(t, `tags[${i}]`));
    return this.inner.createExperiment(name, artifactLocation || undefined, checked);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    validateExperimentId(experimentId);
    return this.inner.getExperiment(experimentId);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    requireValue(name, 'experiment_name');
    return this.inner.getExperimentByName(name);
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<PagedList<Experiment>> {
    const query = buildExperimentsQuery(options);
    return pageOf(query, await this.inner.searchExperiments(query));
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    validateExperimentId(experimentId);
    return this.inner.deleteExperiment(experimentId);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    validateExperimentId(experimentId);
    return this.inner.restoreExperiment(experimentId);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    validateExperimentId(experimentId);
    validateExperimentName(newName, 'new_name');
    return this.inner.renameExperiment(experimentId, newName);
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    validateExperimentId(experimentId);
    return this.inner.setExperimentTag(experimentId, validateExperimentTag(tag, 'tag'));
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    validateExperimentId(experimentId);
    validateKey(key, 'tag', 'key');
    return this.inner.deleteExperimentTag(experimentId, key);
  }

  async createRun(options: CreateRunOptions): Promise<Run> {
    validateExperimentId(options.experimentId);
    validateTimestamp(options.startTime, 'start_time');
    if (options.userId !== undefined) validateLength(options.userId, 'user_id', 256, 'User id');
    const tags = (options.tags ?? []).map((t, i) => validateRunTag(t, `tags[${i}]`));
    const nameTag = tags.find((t) => t.key === 'mlflow.runName');
    if (options.runName !== undefined && options.runName !== '' && nameTag && nameTag.value !== options.runName) {
      throw invalidParameter(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${nameTag.value}').`,
        { field: 'run_name' },
      );
    }
    if (options.runName) validateLength(options.runName, 'run_name', LIMITS.entityKeyLength, 'Run name');
    return traced(labbookChannels.createRun, { experimentId: options.experimentId }, () => this.inner.createRun({ ...options, tags }));
  }

  async getRun(runId: string): Promise<Run> {
    validateRunId(runId);
    return this.inner.getRun(runId);
  }

  async updateRunInfo(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    validateRunId(runId);
    if (update.status !== undefined && !STATUSES.includes(update.status)) {
      throw invalidParameter(
        `Invalid value ${JSON.stringify(update.status)} for parameter 'status': expected one of ${STATUSES.join(', ')}.`,
        {
          field: 'status',
        },
      );
    }
    validateTimestamp(update.endTime, 'end_time');
    if (update.runName) validateLength(update.runName, 'run_name', LIMITS.entityKeyLength, 'Run name');
    return this.inner.updateRunInfo(runId, update);
  }

  async deleteRun(runId: string): Promise<void> {
    validateRunId(runId);
    return this.inner.deleteRun(runId);
  }

  async restoreRun(runId: string): Promise<void> {
    validateRunId(runId);
    return this.inner.restoreRun(runId);
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    validateRunId(runId);
    const checked = validateBatch(batch);
    if (checked.metrics.length + checked.params.length + checked.tags.length === 0) return Promise.resolve();
    return traced(
      labbookChannels.logBatch,
      { runId, metrics: checked.metrics.length, params: checked.params.length, tags: checked.tags.length },
      () => this.inner.logBatch(runId, checked),
    );
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    validateRunId(runId);
    validateKey(key, 'tag', 'key');
    return this.inner.deleteTag(runId, key);
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    validateRunId(runId);
    validateDatasetInputs(datasets ?? []);
    return this.inner.logInputs(runId, datasets ?? []);
  }

  async getMetricHistory(runId: string, key: string, options?: MetricHistoryOptions): Promise<PagedList<Metric>> {
    validateRunId(runId);
    validateKey(key, 'metric', 'metric_key');
    if (options?.maxResults !== undefined && options.maxResults !== 0) {
      validateMaxResults(options.maxResults, 'max_results', Number.MAX_SAFE_INTEGER);
    }
    return traced(labbookChannels.getMetricHistory, { runId, key }, () => this.inner.getMetricHistory(runId, key, options));
  }

  /** The whole history as columns, from the store's fast path when it has one. */
  async getMetricHistoryColumns(runId: string, key: string): Promise<MetricHistoryColumns> {
    validateRunId(runId);
    validateKey(key, 'metric', 'metric_key');
    return readMetricColumns(this.inner, runId, key);
  }

  async searchRuns(options: SearchRunsOptions): Promise<PagedList<Run>> {
    if (!Array.isArray(options.experimentIds)) {
      throw invalidParameter(`Invalid value for parameter 'experiment_ids': expected a list of experiment ids.`, {
        field: 'experiment_ids',
      });
    }
    for (const [i, id] of options.experimentIds.entries()) validateExperimentId(id, `experiment_ids[${i}]`);
    const query = buildRunsQuery(options);
    return traced(labbookChannels.searchRuns, query, async () => pageOf(query, await this.inner.searchRuns(query)));
  }

  get supportsLoggedModels(): boolean {
    return typeof this.inner.createLoggedModel === 'function' && typeof this.inner.searchLoggedModels === 'function';
  }

  /** The store's logged-model method, or FEATURE_DISABLED saying which stores have them. */
  private loggedModels<K extends keyof LoggedModelMethods | 'searchLoggedModels'>(method: K): NonNullable<TrackingStore[K]> {
    const fn = this.inner[method];
    if (typeof fn !== 'function') {
      throw new LabbookError(
        'FEATURE_DISABLED',
        `This tracking store (${this.inner.constructor?.name ?? 'a plugin store'}) does not keep logged models (MLflow 3). Use the file store, MySQL or a labbook/MLflow 3 server, or a plugin that implements them.`,
      );
    }
    return fn.bind(this.inner) as NonNullable<TrackingStore[K]>;
  }

  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    const checked = validateCreateLoggedModel(options);
    return this.loggedModels('createLoggedModel')(checked);
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    validateLoggedModelId(modelId);
    return this.loggedModels('getLoggedModel')(modelId);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    validateLoggedModelId(modelId);
    return this.loggedModels('finalizeLoggedModel')(modelId, checkedFinalStatus(status));
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    validateLoggedModelId(modelId);
    return this.loggedModels('deleteLoggedModel')(modelId);
  }

  async setLoggedModelTags(modelId: string, tags: LoggedModelTag[]): Promise<void> {
    validateLoggedModelId(modelId);
    const checked = validateLoggedModelTags(tags);
    if (checked.length === 0) return;
    return this.loggedModels('setLoggedModelTags')(modelId, checked);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    validateLoggedModelId(modelId);
    validateKey(key, 'tag', 'tag_key');
    return this.loggedModels('deleteLoggedModelTag')(modelId, key);
  }

  async logLoggedModelParams(modelId: string, params: LoggedModelParameter[]): Promise<void> {
    validateLoggedModelId(modelId);
    const checked = validateLoggedModelParams(params);
    if (checked.length > LIMITS.batchParams) {
      throw invalidParameter(
        `A request can log at most ${LIMITS.batchParams} params; got ${checked.length}. Send them in batches of ${LIMITS.batchParams}.`,
        {
          field: 'params',
          limit: LIMITS.batchParams,
        },
      );
    }
    if (checked.length === 0) return;
    return this.loggedModels('logLoggedModelParams')(modelId, checked);
  }

  async logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void> {
    validateRunId(runId);
    const checked = validateModelOutputs(models);
    if (checked.length === 0) return;
    return this.loggedModels('logOutputs')(runId, checked);
  }

  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<PagedList<LoggedModel>> {
    if (!Array.isArray(options?.experimentIds) || options.experimentIds.length === 0) {
      throw invalidParameter(`Missing value for required parameter 'experiment_ids': give the experiments to search.`, {
        field: 'experiment_ids',
      });
    }
    for (const [i, id] of options.experimentIds.entries()) validateExperimentId(id, `experiment_ids[${i}]`);
    const query = buildLoggedModelsQuery(options);
    return pageOf(query, await this.loggedModels('searchLoggedModels')(query));
  }

  get supportsImport(): boolean {
    return typeof this.inner.importExperiment === 'function' && typeof this.inner.importRun === 'function';
  }

  get supportsLoggedModelImport(): boolean {
    return this.supportsImport && typeof this.inner.importLoggedModel === 'function';
  }

  acceptsExperimentId(experimentId: string): boolean {
    return typeof this.inner.acceptsExperimentId === 'function' ? this.inner.acceptsExperimentId(experimentId) : true;
  }

  /** The store's import method, or FEATURE_DISABLED saying what migrate does without it. */
  private imports<K extends keyof ImportMethods>(method: K): NonNullable<ImportMethods[K]> {
    const fn = this.inner[method];
    if (typeof fn !== 'function') {
      throw new LabbookError(
        'FEATURE_DISABLED',
        `This tracking store (${this.inner.constructor?.name ?? 'a plugin store'}) cannot import entities with their ids (${method}). Copy them with the ordinary create calls instead (labbook migrate does so, giving new ids), or use a store that implements ImportMethods.`,
      );
    }
    return fn.bind(this.inner) as NonNullable<ImportMethods[K]>;
  }

  async importExperiment(experiment: Experiment): Promise<ImportOutcome> {
    validateImportedExperiment(experiment);
    return this.imports('importExperiment')(experiment);
  }

  async importRun(run: ImportedRun): Promise<ImportOutcome> {
    validateImportedRun(run);
    return this.imports('importRun')(run);
  }

  async importLoggedModel(model: LoggedModel): Promise<ImportOutcome> {
    validateImportedLoggedModel(model);
    return this.imports('importLoggedModel')(model);
  }

  async close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/** Wraps a store in {@link ValidatedTrackingStore}, once: an already wrapped store is returned as is. */
export function validatedTrackingStore(store: TrackingStore | GuardedTrackingStore): GuardedTrackingStore {
  if (isGuardedTrackingStore(store)) return store;
  return new ValidatedTrackingStore(store as TrackingStore);
}

/** True for a store already behind {@link ValidatedTrackingStore}. */
export function isGuardedTrackingStore(store: unknown): store is GuardedTrackingStore {
  return typeof store === 'object' && store !== null && (store as Record<symbol, unknown>)[BRAND] === true;
}
