import type { Readable } from 'node:stream';
import { stringify as toYaml } from 'yaml';
import type { RunStatus, ViewType } from '../entities/enums.js';
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { DatasetInput, Experiment, FileInfo, Metric, PagedList, Run, RunInfo } from '../entities/tracking.js';
import {
  type LoggedModel,
  type LoggedModelOutput,
  type LoggedModelParameter,
  type LoggedModelStatus,
  parseLoggedModelStatus,
} from '../entities/logged-model.js';
import { invalidParameter, LabbookError, notFound } from '../errors.js';
import type { ArtifactRepository, TransferOptions } from '../interfaces/artifact-repository.js';
import type { GuardedRegistryStore, RegistryStore } from '../interfaces/registry-store.js';
import type { GuardedTrackingStore, LogBatchInput, SearchLoggedModelsOptions, TrackingStore } from '../interfaces/tracking-store.js';
import { normalizeArtifactFilePath, normalizeArtifactPath } from '../artifacts/artifact-path.js';
import { downloadToLocal, type TreeTransferOptions, uploadLocalDir, uploadLocalFile } from '../artifacts/local-transfer.js';
import { safeArtifactRepository } from '../artifacts/safe-artifact-repository.js';
import { defaultPluginRegistry } from '../plugins/default-registry.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { SystemTags } from '../runs/system-tags.js';
import { type LogModelOptions, logModelToRun, type ModelInfo } from '../models/log-model.js';
import { logLoggedModel } from '../models/log-logged-model.js';
import { loggedModelUriOf } from '../models/model-uri.js';
import { LIMITS } from '../validation/limits.js';
import { appendToUri, isModelsUri, isRunsUri, parseModelsUri, parseRunsUri } from '../uri/artifact-uri.js';
import { getRegistryUri, getTrackingUri } from '../uri/tracking-uri.js';
import { validatedRegistryStore } from '../validation/validated-registry-store.js';
import { validatedTrackingStore } from '../validation/validated-tracking-store.js';
import { splitBatch } from './batch-splitter.js';
import { type TagInput, stringifyValue, toKeyValues } from './tag-input.js';

/** How a {@link Client} finds its stores. */
export interface ClientOptions {
  /** Tracking URI; default: `LABBOOK_TRACKING_URI`, `MLFLOW_TRACKING_URI`, then `./mlruns`. */
  trackingUri?: string;
  /** Registry URI; default: `LABBOOK_REGISTRY_URI`, `MLFLOW_REGISTRY_URI`, then the tracking URI. */
  registryUri?: string;
  /** A ready store instead of one resolved from the URI: a plugin's store (guarded here) or an already guarded one. */
  trackingStore?: TrackingStore | GuardedTrackingStore;
  /** A ready registry store instead of one resolved from the URI (guarded here unless it already is). */
  registryStore?: RegistryStore | GuardedRegistryStore;
  /** Plugin registry to resolve URIs with (default: the process-wide one). */
  plugins?: PluginRegistry;
  /** Options passed to store factories (e.g. `artifactRoot`). */
  storeOptions?: Record<string, unknown>;
}

const HISTORY_PAGE = 25000;
const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

/** Params given as an object (values stringified) or as key/value pairs. */
export type ParamInput = Record<string, unknown> | LoggedModelParameter[];

/** Arguments of {@link Client.createLoggedModel}. */
export interface CreateLoggedModelInput {
  /** Random (`<adjective>-<animal>-<n>`) when absent. */
  name?: string;
  modelType?: string;
  /** The run that produced the model. */
  sourceRunId?: string;
  /** Any number: the first 100 go with the create request, the rest in batches of 100, as MLflow's client sends them. */
  params?: ParamInput;
  tags?: TagInput;
}

/** Arguments of {@link Client.searchLoggedModels} besides the experiments. */
export type SearchLoggedModelsInput = Omit<SearchLoggedModelsOptions, 'experimentIds'>;

function toParams(params: ParamInput | undefined): LoggedModelParameter[] {
  if (!params) return [];
  if (Array.isArray(params)) return params.map((p) => ({ key: p.key, value: String(p.value) }));
  return Object.entries(params).map(([key, value]) => ({ key, value: stringifyValue(value) }));
}

/**
 * The whole programmatic surface of labbook over the four interfaces, as MLflow's `MlflowClient`:
 * experiments, runs, logging, metric history, search, artifacts (with `runs:/` and `models:/` URIs),
 * and the model registry. Stores are resolved from URIs on first use and every input is validated
 * before a store sees it.
 */
export class Client {
  readonly trackingUri: string;
  readonly registryUri: string;
  private readonly plugins: PluginRegistry;
  private readonly storeOptions: Record<string, unknown>;
  private trackingPromise: Promise<GuardedTrackingStore> | undefined;
  private registryPromise: Promise<GuardedRegistryStore> | undefined;
  private readonly repos = new Map<string, Promise<ArtifactRepository>>();

  constructor(options: ClientOptions = {}) {
    this.trackingUri = getTrackingUri(options.trackingUri);
    this.registryUri = getRegistryUri(options.registryUri, options.trackingUri);
    this.plugins = options.plugins ?? defaultPluginRegistry;
    this.storeOptions = options.storeOptions ?? {};
    if (options.trackingStore) this.trackingPromise = Promise.resolve(validatedTrackingStore(options.trackingStore));
    if (options.registryStore) this.registryPromise = Promise.resolve(validatedRegistryStore(options.registryStore));
  }

  /** The plugin registry this client resolves URIs (and model flavors) with. */
  get pluginRegistry(): PluginRegistry {
    return this.plugins;
  }

  /** The guarded tracking store, resolved from the tracking URI on first use. */
  trackingStore(): Promise<GuardedTrackingStore> {
    this.trackingPromise ??= this.plugins.trackingStore(this.trackingUri, { trackingUri: this.trackingUri, ...this.storeOptions });
    this.trackingPromise.catch(() => {
      this.trackingPromise = undefined;
    });
    return this.trackingPromise;
  }

  /** The guarded registry store, resolved from the registry URI on first use. */
  registryStore(): Promise<GuardedRegistryStore> {
    this.registryPromise ??= this.plugins.registryStore(this.registryUri, { trackingUri: this.trackingUri, ...this.storeOptions });
    this.registryPromise.catch(() => {
      this.registryPromise = undefined;
    });
    return this.registryPromise;
  }

  // ---- experiments ----

  /** Creates an experiment; returns its id. */
  async createExperiment(name: string, options: { artifactLocation?: string; tags?: TagInput } = {}): Promise<string> {
    return (await this.trackingStore()).createExperiment(name, options.artifactLocation, toKeyValues(options.tags));
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return (await this.trackingStore()).getExperiment(experimentId);
  }

  /** The experiment with this name (active or deleted), or `null`. */
  async getExperimentByName(name: string): Promise<Experiment | null> {
    return (await this.trackingStore()).getExperimentByName(name);
  }

  async searchExperiments(
    options: { viewType?: ViewType; maxResults?: number; filter?: string; orderBy?: string[]; pageToken?: string } = {},
  ): Promise<PagedList<Experiment>> {
    return (await this.trackingStore()).searchExperiments(options);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    return (await this.trackingStore()).deleteExperiment(experimentId);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    return (await this.trackingStore()).restoreExperiment(experimentId);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    return (await this.trackingStore()).renameExperiment(experimentId, newName);
  }

  async setExperimentTag(experimentId: string, key: string, value: unknown): Promise<void> {
    return (await this.trackingStore()).setExperimentTag(experimentId, { key, value: stringifyValue(value) });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    return (await this.trackingStore()).deleteExperimentTag(experimentId, key);
  }

  // ---- runs ----

  /** Creates a RUNNING run. Unlike the fluent `startRun`, no context tags are added. */
  async createRun(experimentId: string, options: { startTime?: number; tags?: TagInput; runName?: string } = {}): Promise<Run> {
    const tags = toKeyValues(options.tags);
    const user = tags.find((t) => t.key === SystemTags.USER)?.value;
    return (await this.trackingStore()).createRun({
      experimentId,
      startTime: options.startTime ?? Date.now(),
      tags,
      ...(options.runName !== undefined ? { runName: options.runName } : {}),
      ...(user !== undefined ? { userId: user } : {}),
    });
  }

  async getRun(runId: string): Promise<Run> {
    return (await this.trackingStore()).getRun(runId);
  }

  /** The parent of a nested run (tag `mlflow.parentRunId`), or `null`. */
  async getParentRun(runId: string): Promise<Run | null> {
    const run = await this.getRun(runId);
    const parent = run.data.tags.find((t) => t.key === SystemTags.PARENT_RUN_ID)?.value;
    return parent ? this.getRun(parent) : null;
  }

  /** Changes a run's status and/or name. */
  async updateRun(runId: string, update: { status?: RunStatus; name?: string }): Promise<RunInfo> {
    return (await this.trackingStore()).updateRunInfo(runId, {
      ...(update.status !== undefined ? { status: update.status } : {}),
      ...(update.name !== undefined ? { runName: update.name } : {}),
    });
  }

  /** Ends a run: status (default FINISHED) and end time (default now). */
  async setTerminated(runId: string, status: RunStatus = 'FINISHED', endTime: number = Date.now()): Promise<RunInfo> {
    return (await this.trackingStore()).updateRunInfo(runId, { status, endTime });
  }

  async deleteRun(runId: string): Promise<void> {
    return (await this.trackingStore()).deleteRun(runId);
  }

  async restoreRun(runId: string): Promise<void> {
    return (await this.trackingStore()).restoreRun(runId);
  }

  /**
   * Logs one metric point (timestamp defaults to now, step to 0). With `modelId` the point is also a
   * metric of that logged model (MLflow 3), optionally on a dataset.
   */
  async logMetric(
    runId: string,
    key: string,
    value: number,
    options: { timestamp?: number; step?: number; modelId?: string; datasetName?: string; datasetDigest?: string } = {},
  ): Promise<void> {
    const metric: Metric = {
      key,
      value: Number(value),
      timestamp: options.timestamp ?? Date.now(),
      step: options.step ?? 0,
      ...(options.modelId !== undefined ? { modelId: options.modelId } : {}),
      ...(options.datasetName !== undefined ? { datasetName: options.datasetName } : {}),
      ...(options.datasetDigest !== undefined ? { datasetDigest: options.datasetDigest } : {}),
    };
    return (await this.trackingStore()).logBatch(runId, { metrics: [metric] });
  }

  /** Logs a param (stringified). Params are immutable: another value for the same key is an error. */
  async logParam(runId: string, key: string, value: unknown): Promise<string> {
    const v = stringifyValue(value);
    await (await this.trackingStore()).logBatch(runId, { params: [{ key, value: v }] });
    return v;
  }

  async setTag(runId: string, key: string, value: unknown): Promise<void> {
    return (await this.trackingStore()).logBatch(runId, { tags: [{ key, value: stringifyValue(value) }] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    return (await this.trackingStore()).deleteTag(runId, key);
  }

  /**
   * Logs metrics, params and tags of any number: the batch is split into requests within MLflow's
   * limits (100 params, 100 tags, 1000 entities each), sent in order.
   */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const store = await this.trackingStore();
    for (const part of splitBatch(batch)) await store.logBatch(runId, part);
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    return (await this.trackingStore()).logInputs(runId, datasets);
  }

  /** Every point of a metric, fetched page by page. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const store = await this.trackingStore();
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await store.getMetricHistory(runId, key, { maxResults: HISTORY_PAGE, ...(pageToken ? { pageToken } : {}) });
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** Runs of experiments matching a filter (MLflow's search grammar), ordered and paged. */
  async searchRuns(
    experimentIds: string | string[],
    options: { filter?: string; viewType?: ViewType; maxResults?: number; orderBy?: string[]; pageToken?: string } = {},
  ): Promise<PagedList<Run>> {
    return (await this.trackingStore()).searchRuns({
      experimentIds: Array.isArray(experimentIds) ? experimentIds : [experimentIds],
      ...options,
    });
  }

  // ---- artifacts ----

  /** The repository for an artifact URI, path-checked (see `SafeArtifactRepository`). */
  artifactRepositoryFor(uri: string): Promise<ArtifactRepository> {
    let repo = this.repos.get(uri);
    if (!repo) {
      repo = this.plugins
        .artifactRepository(uri, { trackingUri: this.trackingUri, ...this.storeOptions })
        .then((r) => safeArtifactRepository(r));
      repo.catch(() => this.repos.delete(uri));
      this.repos.set(uri, repo);
    }
    return repo;
  }

  /** The artifact repository of a run. */
  async runArtifactRepository(runId: string): Promise<ArtifactRepository> {
    const run = await this.getRun(runId);
    return this.artifactRepositoryFor(run.info.artifactUri);
  }

  /** The artifact URI of a run, or of a path inside it. */
  async getArtifactUri(runId: string, artifactPath?: string): Promise<string> {
    const run = await this.getRun(runId);
    return appendToUri(run.info.artifactUri, normalizeArtifactPath(artifactPath, 'artifact_path'));
  }

  /**
   * Resolves `runs:/<id>/<path>`, `models:/<model_id>` (a logged model's artifact location) and
   * `models:/<name>/<version|stage|latest>` / `models:/<name>@<alias>` to the concrete artifact URI;
   * other URIs are returned as they are.
   */
  async resolveArtifactUri(uri: string): Promise<string> {
    if (isRunsUri(uri)) {
      const { runId, path } = parseRunsUri(uri);
      return (await this.loggedModelUnderRun(runId, path)) ?? this.getArtifactUri(runId, path);
    }
    const logged = loggedModelUriOf(uri);
    if (logged) {
      const model = await this.getLoggedModel(logged.modelId);
      return appendToUri(model.info.artifactUri, normalizeArtifactPath(logged.path, 'uri'));
    }
    if (isModelsUri(uri)) {
      const version = await this.modelVersionFromUri(uri);
      const source = await (await this.registryStore()).getModelVersionDownloadUri(version.name, version.version);
      return isRunsUri(source) || isModelsUri(source) ? this.resolveArtifactUri(source) : source;
    }
    return uri;
  }

  /**
   * MLflow 3 keeps `runs:/<run>/<name>` working for models it logged: they live outside the run's
   * artifacts, as the LoggedModel of that run named by the first path segment.
   */
  private async loggedModelUnderRun(runId: string, path: string): Promise<string | undefined> {
    const [name, ...rest] = normalizeArtifactPath(path, 'uri').split('/');
    if (!name || /['"\\/:.%]/.test(name) || !(await this.supportsLoggedModels())) return undefined;
    const run = await this.getRun(runId);
    const page = await this.searchLoggedModels(run.info.experimentId, {
      filter: `name = '${name}' AND source_run_id = '${runId}'`,
      orderBy: ['creation_timestamp DESC'],
      maxResults: 1,
    });
    const model = page.items[0];
    return model ? appendToUri(model.info.artifactUri, rest.join('/')) : undefined;
  }

  private async modelVersionFromUri(uri: string): Promise<ModelVersion> {
    const parsed = parseModelsUri(uri);
    const registry = await this.registryStore();
    if ('version' in parsed) return registry.getModelVersion(parsed.name, parsed.version);
    if ('alias' in parsed) return registry.getModelVersionByAlias(parsed.name, parsed.alias);
    const stages = 'stage' in parsed ? [parsed.stage] : [];
    const versions = await registry.getLatestVersions(parsed.name, stages);
    const latest = versions.sort((a, b) => Number(b.version) - Number(a.version))[0];
    if (!latest) throw notFound(`No versions of model '${parsed.name}' match '${uri}'`, { field: 'uri' });
    return latest;
  }

  /** Uploads one local file into the run's artifacts under `artifactPath`. Returns the artifact path. */
  async logArtifact(runId: string, localPath: string, artifactPath?: string, options?: TransferOptions): Promise<string> {
    return uploadLocalFile(await this.runArtifactRepository(runId), localPath, artifactPath, options);
  }

  /** Uploads a local folder's contents into the run's artifacts under `artifactPath`. */
  async logArtifacts(runId: string, localDir: string, artifactPath?: string, options?: TreeTransferOptions): Promise<string[]> {
    return uploadLocalDir(await this.runArtifactRepository(runId), localDir, artifactPath, options);
  }

  /** Writes text as an artifact file (UTF-8). */
  async logText(runId: string, text: string, artifactFile: string): Promise<void> {
    const repo = await this.runArtifactRepository(runId);
    await repo.put(normalizeArtifactFilePath(artifactFile, 'artifact_file'), text, { size: Buffer.byteLength(text) });
  }

  /** Writes an object as an artifact: YAML for `.yml`/`.yaml`, otherwise JSON indented by 2. */
  async logDict(runId: string, dictionary: unknown, artifactFile: string): Promise<void> {
    const text = /\.ya?ml$/i.test(artifactFile) ? toYaml(dictionary) : `${JSON.stringify(dictionary, null, 2)}`;
    await this.logText(runId, text, artifactFile);
  }

  /** Writes image bytes (PNG, JPEG…) as an artifact file, as MLflow's `log_image` does with a file name. */
  async logImage(runId: string, image: Uint8Array, artifactFile: string): Promise<void> {
    const repo = await this.runArtifactRepository(runId);
    await repo.put(normalizeArtifactFilePath(artifactFile, 'artifact_file'), image, { size: image.byteLength });
  }

  /**
   * Writes a table as a JSON artifact in MLflow's `log_table` format (`{"columns": [...], "data": [[...]]}`),
   * from rows (objects) or from columns (an object of arrays).
   */
  async logTable(runId: string, table: Record<string, unknown>[] | Record<string, unknown[]>, artifactFile: string): Promise<void> {
    if (!/\.json$/i.test(artifactFile)) {
      throw invalidParameter(`Table artifacts are JSON: '${artifactFile}' must end with .json`, { field: 'artifact_file' });
    }
    let columns: string[];
    let data: unknown[][];
    if (Array.isArray(table)) {
      columns = [...new Set(table.flatMap((row) => Object.keys(row)))];
      data = table.map((row) => columns.map((c) => row[c] ?? null));
    } else {
      columns = Object.keys(table);
      const length = Math.max(0, ...columns.map((c) => table[c]!.length));
      data = Array.from({ length }, (_, i) => columns.map((c) => table[c]![i] ?? null));
    }
    await this.logText(runId, JSON.stringify({ columns, data }), artifactFile);
  }

  /** Reads a table written by {@link logTable} (or MLflow's `log_table`) back as rows. */
  async loadTable(runId: string, artifactFile: string): Promise<Record<string, unknown>[]> {
    const parsed = JSON.parse(await this.readArtifactText(runId, artifactFile)) as { columns?: string[]; data?: unknown[][] };
    if (!Array.isArray(parsed.columns) || !Array.isArray(parsed.data)) {
      throw invalidParameter(`'${artifactFile}' is not a table artifact (expected columns and data)`, { field: 'artifact_file' });
    }
    return parsed.data.map((row) => Object.fromEntries(parsed.columns!.map((c, i) => [c, row[i]])));
  }

  /** Direct children of a folder of the run's artifacts (MLflow's listing semantics). */
  async listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return (await this.runArtifactRepository(runId)).list(path);
  }

  /** Opens one artifact file of a run as a stream. */
  async openArtifact(runId: string, path: string): Promise<Readable> {
    return (await this.runArtifactRepository(runId)).get(path);
  }

  /** Reads one (small) artifact file of a run as text. */
  async readArtifactText(runId: string, path: string): Promise<string> {
    const stream = await this.openArtifact(runId, path);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Downloads a file or folder of a run's artifacts to `dstPath` (a temp folder when absent). */
  async downloadArtifacts(runId: string, path: string, dstPath?: string, options?: TreeTransferOptions): Promise<string> {
    return downloadToLocal(await this.runArtifactRepository(runId), path, dstPath, options);
  }

  /** Downloads what an artifact URI (`runs:/`, `models:/`, `s3://`…) names to `dstPath`. */
  async downloadArtifactsFromUri(uri: string, dstPath?: string, options?: TreeTransferOptions): Promise<string> {
    const resolved = await this.resolveArtifactUri(uri);
    // Download the last segment from its parent so both files and folders work.
    const trimmed = resolved.replace(/\/+$/, '');
    const cut = trimmed.lastIndexOf('/');
    const parent = trimmed.slice(0, cut);
    const leaf = trimmed.slice(cut + 1);
    if (cut < 0 || /^[a-z][\w+.-]*:\/*$/i.test(`${parent}/`)) {
      return downloadToLocal(await this.artifactRepositoryFor(resolved), '', dstPath, options);
    }
    return downloadToLocal(await this.artifactRepositoryFor(parent), decodeURIComponent(leaf), dstPath, options);
  }

  // ---- models ----

  /**
   * Saves `model` with a flavor and logs it, registering a version when `registeredModelName` is
   * given. When the tracking store keeps logged models this is MLflow 3's flow: a LoggedModel named
   * `name` (default `model`) with the run's params, linked to the run at `step`, its files under
   * the model's own artifact location, finalized READY (UPLOAD_FAILED if anything failed); load it
   * with `loadModel(info.modelUri)` (`models:/<model_id>`). Otherwise it is MLflow 2.x's: the run
   * artifact `artifactPath` plus the `mlflow.log-model.history` tag, loaded with
   * `loadModel('runs:/<run_id>/<artifactPath>')`.
   */
  async logModel<TModel>(runId: string, model: TModel, options: LogModelOptions<TModel>): Promise<ModelInfo> {
    if (await this.supportsLoggedModels()) return logLoggedModel(this, runId, model, options);
    return logModelToRun(this, runId, model, options);
  }

  // ---- logged models (MLflow 3) ----

  /** True when the tracking store keeps MLflow 3's logged models (otherwise their methods fail with FEATURE_DISABLED). */
  async supportsLoggedModels(): Promise<boolean> {
    return (await this.trackingStore()).supportsLoggedModels;
  }

  /**
   * Creates a PENDING logged model in an experiment, as MLflow's `create_logged_model`. Finalize it
   * with {@link finalizeLoggedModel} once its files are uploaded to `info.artifactUri`.
   */
  async createLoggedModel(experimentId: string, options: CreateLoggedModelInput = {}): Promise<LoggedModel> {
    const store = await this.trackingStore();
    const params = toParams(options.params);
    const model = await store.createLoggedModel({
      experimentId,
      params: params.slice(0, LIMITS.batchParams),
      tags: toKeyValues(options.tags),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.modelType !== undefined ? { modelType: options.modelType } : {}),
      ...(options.sourceRunId !== undefined ? { sourceRunId: options.sourceRunId } : {}),
    });
    if (params.length <= LIMITS.batchParams) return model;
    await this.logModelParams(model.info.modelId, params.slice(LIMITS.batchParams));
    return store.getLoggedModel(model.info.modelId);
  }

  /** A logged model with its params, tags and metrics; RESOURCE_DOES_NOT_EXIST when unknown or deleted. */
  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    return (await this.trackingStore()).getLoggedModel(modelId);
  }

  /**
   * Sets a logged model's final status: `LOGGED_MODEL_READY` / `READY` once its files are complete,
   * `LOGGED_MODEL_UPLOAD_FAILED` / `FAILED` when they could not be.
   */
  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus | 'READY' | 'FAILED'): Promise<LoggedModel> {
    const parsed = parseLoggedModelStatus(status);
    if (!parsed)
      throw invalidParameter(
        `status '${String(status)}' is not a logged-model status: give LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
        {
          field: 'status',
        },
      );
    return (await this.trackingStore()).finalizeLoggedModel(modelId, parsed);
  }

  /** Soft-deletes a logged model: get and search no longer see it. */
  async deleteLoggedModel(modelId: string): Promise<void> {
    return (await this.trackingStore()).deleteLoggedModel(modelId);
  }

  /** Sets (overwrites) tags of a logged model. */
  async setLoggedModelTags(modelId: string, tags: TagInput): Promise<void> {
    return (await this.trackingStore()).setLoggedModelTags(modelId, toKeyValues(tags));
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return (await this.trackingStore()).deleteLoggedModelTag(modelId, key);
  }

  /** Logs params of a logged model, any number (sent in batches of 100). Params are immutable. */
  async logModelParams(modelId: string, params: ParamInput): Promise<void> {
    const store = await this.trackingStore();
    const all = toParams(params);
    for (let i = 0; i < all.length; i += LIMITS.batchParams)
      await store.logLoggedModelParams(modelId, all.slice(i, i + LIMITS.batchParams));
  }

  /** Records that a run produced these logged models, at these steps (MLflow's `log_outputs`). */
  async logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void> {
    return (await this.trackingStore()).logOutputs(runId, models);
  }

  /**
   * Logged models of experiments matching a filter in MLflow's logged-model grammar
   * (`metrics.acc > 0.9 AND params.lr = '0.1'`), ordered (`"metrics.acc DESC"` or
   * `{ fieldName, ascending, datasetName }`) and paged.
   */
  async searchLoggedModels(experimentIds: string | string[], options: SearchLoggedModelsInput = {}): Promise<PagedList<LoggedModel>> {
    return (await this.trackingStore()).searchLoggedModels({
      experimentIds: Array.isArray(experimentIds) ? experimentIds : [experimentIds],
      ...options,
    });
  }

  // ---- model registry ----

  async createRegisteredModel(name: string, options: { tags?: TagInput; description?: string } = {}): Promise<RegisteredModel> {
    return (await this.registryStore()).createRegisteredModel(name, toKeyValues(options.tags), options.description);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return (await this.registryStore()).renameRegisteredModel(name, newName);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    return (await this.registryStore()).updateRegisteredModel(name, description);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    return (await this.registryStore()).deleteRegisteredModel(name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return (await this.registryStore()).getRegisteredModel(name);
  }

  async searchRegisteredModels(
    options: { filter?: string; maxResults?: number; orderBy?: string[]; pageToken?: string } = {},
  ): Promise<PagedList<RegisteredModel>> {
    return (await this.registryStore()).searchRegisteredModels(options);
  }

  /** @deprecated Stages are deprecated in MLflow 2.9; use aliases. */
  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    return (await this.registryStore()).getLatestVersions(name, stages);
  }

  async setRegisteredModelTag(name: string, key: string, value: unknown): Promise<void> {
    return (await this.registryStore()).setRegisteredModelTag(name, { key, value: stringifyValue(value) });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    return (await this.registryStore()).deleteRegisteredModelTag(name, key);
  }

  /**
   * Registers a new version of a model from `source` (e.g. `runs:/<id>/model`). A local source is
   * refused unless it lies inside the run's artifact folder (CVE-2023-1177).
   */
  async createModelVersion(
    name: string,
    source: string,
    options: { runId?: string; tags?: TagInput; runLink?: string; description?: string } = {},
  ): Promise<ModelVersion> {
    return (await this.registryStore()).createModelVersion({
      name,
      source,
      tags: toKeyValues(options.tags),
      ...(options.runId !== undefined ? { runId: options.runId } : {}),
      ...(options.runLink !== undefined ? { runLink: options.runLink } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
    });
  }

  /**
   * Registers `modelUri` (`runs:/…`, or MLflow 3's `models:/<model_id>`) under `name`, creating the
   * model if needed (MLflow's `register_model`). A logged model's version gets the model's source
   * run, and the model gets the `mlflow.modelVersions` tag listing its versions, as MLflow 3 does.
   */
  async registerModel(modelUri: string, name: string, options: { tags?: TagInput } = {}): Promise<ModelVersion> {
    try {
      await this.createRegisteredModel(name);
    } catch (error) {
      if (!(LabbookError.is(error) && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    const logged = loggedModelUriOf(modelUri);
    const loggedModel = logged && logged.path === '' ? await this.getLoggedModel(logged.modelId) : undefined;
    const runId = isRunsUri(modelUri) ? parseRunsUri(modelUri).runId : loggedModel?.info.sourceRunId;
    const version = await this.createModelVersion(name, modelUri, { ...options, ...(runId ? { runId } : {}) });
    if (loggedModel) await this.recordModelVersion(loggedModel.info.modelId, version);
    return version;
  }

  // MLflow 3 lists a logged model's registrations in this tag, which its UI reads.
  private async recordModelVersion(modelId: string, version: ModelVersion): Promise<void> {
    const current = (await this.getLoggedModel(modelId)).info.tags.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
    let list: unknown[] = [];
    try {
      const parsed = current ? (JSON.parse(current) as unknown) : [];
      if (Array.isArray(parsed)) list = parsed;
    } catch {
      // A tag someone overwrote with non-JSON is replaced rather than blocking registration.
    }
    list.push({ name: version.name, version: version.version });
    await this.setLoggedModelTags(modelId, { [MODEL_VERSIONS_TAG]: JSON.stringify(list) });
  }

  /** Copies a version (`models:/…` URI) into another model as its next version. */
  async copyModelVersion(srcModelUri: string, dstName: string): Promise<ModelVersion> {
    const src = await this.modelVersionFromUri(srcModelUri);
    try {
      await this.createRegisteredModel(dstName);
    } catch (error) {
      if (!(LabbookError.is(error) && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    return this.createModelVersion(dstName, src.source, {
      tags: src.tags,
      ...(src.runId ? { runId: src.runId } : {}),
      ...(src.runLink ? { runLink: src.runLink } : {}),
      ...(src.description ? { description: src.description } : {}),
    });
  }

  async updateModelVersion(name: string, version: string | number, description: string): Promise<ModelVersion> {
    return (await this.registryStore()).updateModelVersion(name, String(version), description);
  }

  /** @deprecated Stages are deprecated in MLflow 2.9; use aliases. */
  async transitionModelVersionStage(
    name: string,
    version: string | number,
    stage: string,
    archiveExistingVersions = false,
  ): Promise<ModelVersion> {
    return (await this.registryStore()).transitionModelVersionStage(name, String(version), stage, archiveExistingVersions);
  }

  async deleteModelVersion(name: string, version: string | number): Promise<void> {
    return (await this.registryStore()).deleteModelVersion(name, String(version));
  }

  async getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return (await this.registryStore()).getModelVersion(name, String(version));
  }

  async getModelVersionDownloadUri(name: string, version: string | number): Promise<string> {
    return (await this.registryStore()).getModelVersionDownloadUri(name, String(version));
  }

  async searchModelVersions(
    options: { filter?: string; maxResults?: number; orderBy?: string[]; pageToken?: string } = {},
  ): Promise<PagedList<ModelVersion>> {
    return (await this.registryStore()).searchModelVersions(options);
  }

  async setModelVersionTag(name: string, version: string | number, key: string, value: unknown): Promise<void> {
    return (await this.registryStore()).setModelVersionTag(name, String(version), { key, value: stringifyValue(value) });
  }

  async deleteModelVersionTag(name: string, version: string | number, key: string): Promise<void> {
    return (await this.registryStore()).deleteModelVersionTag(name, String(version), key);
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string | number): Promise<void> {
    return (await this.registryStore()).setRegisteredModelAlias(name, alias, String(version));
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    return (await this.registryStore()).deleteRegisteredModelAlias(name, alias);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (await this.registryStore()).getModelVersionByAlias(name, alias);
  }

  /** Closes the stores and repositories this client opened. */
  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    if (this.trackingPromise) closing.push(this.trackingPromise.then((s) => s.close?.()).catch(() => undefined));
    if (this.registryPromise) closing.push(this.registryPromise.then((s) => s.close?.()).catch(() => undefined));
    for (const repo of this.repos.values()) closing.push(repo.then((r) => r.close?.()).catch(() => undefined));
    await Promise.all(closing);
  }
}
