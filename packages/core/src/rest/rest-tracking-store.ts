import type { DatasetInput, Experiment, ExperimentTag, Metric, PagedList, Run, RunInfo } from '../entities/tracking.js';
import { LabbookError } from '../errors.js';
import type {
  CreateRunOptions,
  ImportOutcome,
  ImportedRun,
  LogBatchInput,
  CreateLoggedModelOptions,
  MetricHistoryOptions,
  TrackingStore,
  UpdateRunOptions,
} from '../interfaces/tracking-store.js';
import type { LoggedModel, LoggedModelOutput, LoggedModelParameter, LoggedModelStatus, LoggedModelTag } from '../entities/logged-model.js';
import type { ExperimentsQuery, LoggedModelsQuery, RunsQuery, SearchAnswer } from '../search/query.js';
import { RestClient, type RestClientOptions } from './http-client.js';
import { experimentFromWire, loggedModelFromWire, metricFromWire, runFromWire, toWire } from './wire.js';

/** Options of a {@link RestTrackingStore}. */
export type RestTrackingStoreOptions = RestClientOptions;

type Obj = Record<string, unknown>;
const P = '/api/2.0/mlflow';
/** labbook's own routes, which MLflow's server does not have (import). */
const L = '/api/2.0/labbook';

/** A TrackingStore that talks to an MLflow-compatible server over its REST API. */
export class RestTrackingStore implements TrackingStore {
  readonly client: RestClient;

  constructor(uri: string, options: RestTrackingStoreOptions = {}) {
    this.client = new RestClient(uri, options);
  }

  async createExperiment(name: string, artifactLocation?: string, tags?: ExperimentTag[]): Promise<string> {
    const r = await this.client.send<Obj>('POST', `${P}/experiments/create`, {
      name,
      artifact_location: artifactLocation,
      tags,
    });
    return String(r.experiment_id);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const r = await this.client.get<Obj>(`${P}/experiments/get`, { experiment_id: experimentId });
    return experimentFromWire(r.experiment as Obj);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const r = await this.client.get<Obj>(`${P}/experiments/get-by-name`, { experiment_name: name });
      return experimentFromWire(r.experiment as Obj);
    } catch (e) {
      if ((e as { code?: string }).code === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw e;
    }
  }

  // The server answers searches: the query travels as the text it was parsed from.
  async searchExperiments(q: ExperimentsQuery): Promise<SearchAnswer<Experiment>> {
    const o = q.source;
    const r = await this.client.send<Obj>(
      'POST',
      `${P}/experiments/search`,
      { view_type: q.viewType, max_results: o.maxResults, filter: o.filter, order_by: o.orderBy, page_token: o.pageToken },
      true,
    );
    return { kind: 'page', page: paged(r, ((r.experiments as Obj[]) ?? []).map(experimentFromWire)) };
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.client.send('POST', `${P}/experiments/delete`, { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.client.send('POST', `${P}/experiments/restore`, { experiment_id: experimentId });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.client.send('POST', `${P}/experiments/update`, { experiment_id: experimentId, new_name: newName });
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    await this.client.send(
      'POST',
      `${P}/experiments/set-experiment-tag`,
      { experiment_id: experimentId, key: tag.key, value: tag.value },
      true,
    );
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.client.send('POST', `${P}/experiments/delete-experiment-tag`, { experiment_id: experimentId, key });
  }

  async createRun(o: CreateRunOptions): Promise<Run> {
    const r = await this.client.send<Obj>('POST', `${P}/runs/create`, {
      experiment_id: o.experimentId,
      user_id: o.userId,
      start_time: o.startTime,
      tags: o.tags,
      run_name: o.runName,
    });
    return runFromWire(r.run as Obj);
  }

  async getRun(runId: string): Promise<Run> {
    const r = await this.client.get<Obj>(`${P}/runs/get`, { run_id: runId });
    return runFromWire(r.run as Obj);
  }

  async updateRunInfo(runId: string, u: UpdateRunOptions): Promise<RunInfo> {
    const r = await this.client.send<Obj>(
      'POST',
      `${P}/runs/update`,
      { run_id: runId, run_uuid: runId, status: u.status, end_time: u.endTime, run_name: u.runName },
      true,
    );
    const info = runFromWire({ info: r.run_info as Obj }).info;
    return info;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.client.send('POST', `${P}/runs/delete`, { run_id: runId }, true);
  }

  async restoreRun(runId: string): Promise<void> {
    await this.client.send('POST', `${P}/runs/restore`, { run_id: runId }, true);
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    await this.client.send('POST', `${P}/runs/log-batch`, {
      run_id: runId,
      metrics: toWire(batch.metrics ?? []),
      params: batch.params ?? [],
      tags: batch.tags ?? [],
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.client.send('POST', `${P}/runs/delete-tag`, { run_id: runId, key });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.client.send('POST', `${P}/runs/log-inputs`, { run_id: runId, datasets: toWire(datasets) }, true);
  }

  async getMetricHistory(runId: string, key: string, o: MetricHistoryOptions = {}): Promise<PagedList<Metric>> {
    const r = await this.client.get<Obj>(`${P}/metrics/get-history`, {
      run_id: runId,
      metric_key: key,
      max_results: o.maxResults,
      page_token: o.pageToken,
    });
    return paged(r, ((r.metrics as Obj[]) ?? []).map(metricFromWire));
  }

  async searchRuns(q: RunsQuery): Promise<SearchAnswer<Run>> {
    const o = q.source;
    const r = await this.client.send<Obj>(
      'POST',
      `${P}/runs/search`,
      {
        experiment_ids: q.experimentIds,
        filter: o.filter,
        run_view_type: q.viewType,
        max_results: o.maxResults,
        order_by: o.orderBy,
        page_token: o.pageToken,
      },
      true,
    );
    return { kind: 'page', page: paged(r, ((r.runs as Obj[]) ?? []).map(runFromWire)) };
  }

  // Logged models (MLflow 3): the server's `logged-models` endpoints.

  async createLoggedModel(o: CreateLoggedModelOptions): Promise<LoggedModel> {
    const r = await this.client.send<Obj>('POST', `${P}/logged-models`, {
      experiment_id: o.experimentId,
      name: o.name,
      model_type: o.modelType,
      source_run_id: o.sourceRunId,
      params: o.params,
      tags: o.tags,
    });
    return loggedModelFromWire(r.model as Obj);
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    const r = await this.client.get<Obj>(`${P}/logged-models/${encodeURIComponent(modelId)}`, {});
    return loggedModelFromWire(r.model as Obj);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const r = await this.client.send<Obj>('PATCH', `${P}/logged-models/${encodeURIComponent(modelId)}`, { model_id: modelId, status });
    return loggedModelFromWire(r.model as Obj);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.client.send('DELETE', `${P}/logged-models/${encodeURIComponent(modelId)}`, {});
  }

  async setLoggedModelTags(modelId: string, tags: LoggedModelTag[]): Promise<void> {
    await this.client.send('PATCH', `${P}/logged-models/${encodeURIComponent(modelId)}/tags`, { tags }, true);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.client.send('DELETE', `${P}/logged-models/${encodeURIComponent(modelId)}/tags/${encodeURIComponent(key)}`, {}, true);
  }

  async logLoggedModelParams(modelId: string, params: LoggedModelParameter[]): Promise<void> {
    await this.client.send('POST', `${P}/logged-models/${encodeURIComponent(modelId)}/params`, { model_id: modelId, params }, true);
  }

  async logOutputs(runId: string, models: LoggedModelOutput[]): Promise<void> {
    await this.client.send(
      'POST',
      `${P}/runs/outputs`,
      { run_id: runId, models: models.map((m) => ({ model_id: m.modelId, step: m.step })) },
      true,
    );
  }

  // Import with ids (labbook servers only): each entity in one request, retried as a rerun of an
  // import is harmless ('exists').

  async importExperiment(experiment: Experiment): Promise<ImportOutcome> {
    return this.imports('experiments', { experiment: toWire(experiment) });
  }

  /** One request per run, every point included: the server's body limit (50 MB by default) bounds a run's size. */
  async importRun({ run, metrics }: ImportedRun): Promise<ImportOutcome> {
    // The latest values are the server's to derive; each point's run is the run itself.
    const body = {
      run: toWire({ ...run, data: { ...run.data, metrics: [] } }),
      metrics: toWire(metrics.map(({ runId: _run, ...m }) => m)),
    };
    return this.imports('runs', body);
  }

  async importLoggedModel(model: LoggedModel): Promise<ImportOutcome> {
    return this.imports('logged-models', { model: toWire(model) });
  }

  private async imports(entity: string, body: Obj): Promise<ImportOutcome> {
    const path = `${L}/${entity}/import`;
    let r: Obj;
    try {
      r = await this.client.send<Obj>('POST', path, body, true);
    } catch (error) {
      // MLflow's server (or a labbook server from before import) has no such route.
      if (LabbookError.is(error) && error.code === 'ENDPOINT_NOT_FOUND') {
        throw new LabbookError(
          'FEATURE_DISABLED',
          `The server at ${this.client.baseUrl} does not offer import (POST ${path} is not found there: an MLflow server, or an older labbook server). Copy with MLflow's create calls instead (labbook migrate falls back to that, giving new ids), or migrate into a current labbook server.`,
          { cause: error },
        );
      }
      throw error;
    }
    if (r.outcome === 'created' || r.outcome === 'exists') return r.outcome;
    throw new LabbookError(
      'INTERNAL_ERROR',
      `[labbook] [rest] POST ${path} answered outcome ${JSON.stringify(r.outcome) ?? 'undefined'}, not 'created' or 'exists': is ${this.client.baseUrl} a labbook server?`,
    );
  }

  async searchLoggedModels(q: LoggedModelsQuery): Promise<SearchAnswer<LoggedModel>> {
    const r = await this.client.send<Obj>(
      'POST',
      `${P}/logged-models/search`,
      {
        experiment_ids: q.experimentIds,
        filter: q.source.filter,
        datasets: q.datasets.map((d) => ({ dataset_name: d.name, dataset_digest: d.digest })),
        max_results: q.source.maxResults,
        // MLflow's server takes objects; text entries were parsed into clauses by the guard.
        order_by: q.orderBy.map((o) => ({
          field_name: o.identifier.type === 'metric' ? `metrics.${o.identifier.key}` : o.identifier.key,
          ascending: o.ascending,
          dataset_name: o.identifier.datasets?.[0]?.name,
          dataset_digest: o.identifier.datasets?.[0]?.digest,
        })),
        page_token: q.source.pageToken,
      },
      true,
    );
    return { kind: 'page', page: paged(r, ((r.models as Obj[]) ?? []).map(loggedModelFromWire)) };
  }
}

/** A page from a response with an optional `next_page_token`. */
export function paged<T>(r: Obj, items: T[]): PagedList<T> {
  const out: PagedList<T> = { items };
  if (typeof r.next_page_token === 'string' && r.next_page_token !== '') out.nextPageToken = r.next_page_token;
  return out;
}
