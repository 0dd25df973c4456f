import {
  alreadyExists,
  type CreateRunOptions,
  type DatasetInput,
  decodePageToken,
  encodePageToken,
  type Experiment,
  type ExperimentTag,
  generateRunId,
  generateRunName,
  invalidParameter,
  LabbookError,
  matchesViewType,
  type LogBatchInput,
  type Metric,
  type MetricHistoryOptions,
  notFound,
  type PagedList,
  type Run,
  type RunInfo,
  type ExperimentsQuery,
  type RunsQuery,
  type SearchAnswer,
  type TrackingStore,
  type UpdateRunOptions,
} from '@labbook/core/plugin';
import { stateFor } from './shared-state.js';

interface StoredRun {
  info: RunInfo;
  params: Map<string, string>;
  tags: Map<string, string>;
  history: Map<string, Metric[]>;
  latest: Map<string, Metric>;
  inputs: DatasetInput[];
}

interface TrackingState {
  experiments: Map<string, Experiment>;
  runs: Map<string, StoredRun>;
  nextExperimentId: number;
}

const RUN_NAME_TAG = 'mlflow.runName';

// "Latest" is the maximum by (step, timestamp, value), as in MLflow's stores.
function newer(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value || (Number.isNaN(a.value) && !Number.isNaN(b.value));
}

/** A TrackingStore kept in memory: fast, shared per URI within one process, gone when it ends. */
export class MemoryTrackingStore implements TrackingStore {
  private readonly state: TrackingState;
  private readonly artifactRoot: string;

  constructor(uri: string) {
    this.artifactRoot = `${uri.replace(/\/+$/, '')}/artifacts`;
    this.state = stateFor('tracking', uri, () => {
      const now = Date.now();
      const experiments = new Map<string, Experiment>();
      experiments.set('0', {
        experimentId: '0',
        name: 'Default',
        artifactLocation: `${this.artifactRoot}/0`,
        lifecycleStage: 'active',
        creationTime: now,
        lastUpdateTime: now,
        tags: [],
      });
      return { experiments, runs: new Map(), nextExperimentId: 1 };
    });
  }

  private experiment(id: string): Experiment {
    const e = this.state.experiments.get(id);
    if (!e) throw notFound(`No Experiment with id=${id} exists`);
    return e;
  }

  private activeExperiment(id: string): Experiment {
    const e = this.experiment(id);
    if (e.lifecycleStage !== 'active') {
      throw invalidParameter(`The experiment ${id} must be in the 'active' state. Current state is ${e.lifecycleStage}.`);
    }
    return e;
  }

  private stored(runId: string): StoredRun {
    const r = this.state.runs.get(runId);
    if (!r) throw notFound(`Run with id=${runId} not found`);
    return r;
  }

  private activeRun(runId: string): StoredRun {
    const r = this.stored(runId);
    if (r.info.lifecycleStage !== 'active') {
      throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${r.info.lifecycleStage}.`);
    }
    return r;
  }

  private toRun(r: StoredRun): Run {
    return {
      info: { ...r.info },
      data: {
        metrics: [...r.latest.values()].map((m) => ({ ...m })),
        params: [...r.params].map(([key, value]) => ({ key, value })),
        tags: [...r.tags].map(([key, value]) => ({ key, value })),
      },
      inputs: { datasetInputs: r.inputs.map((i) => structuredClone(i)) },
    };
  }

  async createExperiment(name: string, artifactLocation?: string, tags: ExperimentTag[] = []): Promise<string> {
    for (const e of this.state.experiments.values()) {
      if (e.name === name) throw alreadyExists(`Experiment(name=${name}) already exists.`);
    }
    const id = String(this.state.nextExperimentId++);
    const now = Date.now();
    this.state.experiments.set(id, {
      experimentId: id,
      name,
      artifactLocation: artifactLocation ?? `${this.artifactRoot}/${id}`,
      lifecycleStage: 'active',
      creationTime: now,
      lastUpdateTime: now,
      tags: tags.map((t) => ({ ...t })),
    });
    return id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return structuredClone(this.experiment(experimentId));
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    for (const e of this.state.experiments.values()) if (e.name === name) return structuredClone(e);
    return null;
  }

  /**
   * Contract v2: core parsed the query; the store narrows to the view type and hands back candidates
   * for core to filter, order and page. Only the page is copied, in `complete`.
   */
  async searchExperiments(query: ExperimentsQuery): Promise<SearchAnswer<Experiment>> {
    const items = [...this.state.experiments.values()].filter((e) => matchesViewType(e.lifecycleStage, query.viewType));
    return { kind: 'candidates', items, complete: (page) => page.map((e) => structuredClone(e)) };
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    if (experimentId === '0') throw new LabbookError('INVALID_PARAMETER_VALUE', 'Cannot delete the default experiment (id 0).');
    const e = this.activeExperiment(experimentId);
    const now = Date.now();
    e.lifecycleStage = 'deleted';
    e.lastUpdateTime = now;
    for (const r of this.state.runs.values()) {
      if (r.info.experimentId === experimentId && r.info.lifecycleStage === 'active') {
        r.info.lifecycleStage = 'deleted';
        (r.info as RunInfo & { deletedTime?: number }).deletedTime = now;
      }
    }
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    const e = this.experiment(experimentId);
    if (e.lifecycleStage !== 'deleted') throw invalidParameter(`Cannot restore an active experiment (id ${experimentId}).`);
    e.lifecycleStage = 'active';
    e.lastUpdateTime = Date.now();
    for (const r of this.state.runs.values()) if (r.info.experimentId === experimentId) r.info.lifecycleStage = 'active';
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    const e = this.activeExperiment(experimentId);
    for (const other of this.state.experiments.values()) {
      if (other.name === newName && other !== e) throw alreadyExists(`Experiment(name=${newName}) already exists.`);
    }
    e.name = newName;
    e.lastUpdateTime = Date.now();
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    const e = this.activeExperiment(experimentId);
    e.tags = [...e.tags.filter((t) => t.key !== tag.key), { ...tag }];
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    const e = this.activeExperiment(experimentId);
    if (!e.tags.some((t) => t.key === key)) throw notFound(`No tag with name: ${key} in experiment ${experimentId}`);
    e.tags = e.tags.filter((t) => t.key !== key);
  }

  async createRun(options: CreateRunOptions): Promise<Run> {
    const e = this.experiment(options.experimentId);
    if (e.lifecycleStage !== 'active') {
      throw invalidParameter(`The experiment ${e.experimentId} must be in the 'active' state. Current state is deleted.`);
    }
    const runId = generateRunId();
    const tags = new Map((options.tags ?? []).map((t) => [t.key, t.value]));
    const runName = options.runName || tags.get(RUN_NAME_TAG) || generateRunName();
    tags.set(RUN_NAME_TAG, runName);
    const info: RunInfo = {
      runId,
      runUuid: runId,
      runName,
      experimentId: e.experimentId,
      userId: options.userId ?? tags.get('mlflow.user') ?? 'unknown',
      status: 'RUNNING',
      startTime: options.startTime ?? Date.now(),
      artifactUri: `${e.artifactLocation}/${runId}/artifacts`,
      lifecycleStage: 'active',
    };
    const stored: StoredRun = { info, params: new Map(), tags, history: new Map(), latest: new Map(), inputs: [] };
    this.state.runs.set(runId, stored);
    return this.toRun(stored);
  }

  async getRun(runId: string): Promise<Run> {
    return this.toRun(this.stored(runId));
  }

  async updateRunInfo(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    const r = this.activeRun(runId);
    if (update.status !== undefined) r.info.status = update.status;
    if (update.endTime !== undefined) r.info.endTime = update.endTime;
    if (update.runName) {
      r.info.runName = update.runName;
      r.tags.set(RUN_NAME_TAG, update.runName);
    }
    return { ...r.info };
  }

  async deleteRun(runId: string): Promise<void> {
    this.stored(runId).info.lifecycleStage = 'deleted';
  }

  async restoreRun(runId: string): Promise<void> {
    this.stored(runId).info.lifecycleStage = 'active';
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const r = this.activeRun(runId);
    for (const p of batch.params ?? []) {
      const existing = r.params.get(p.key);
      if (existing !== undefined && existing !== p.value) {
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
        );
      }
    }
    for (const p of batch.params ?? []) r.params.set(p.key, p.value);
    for (const t of batch.tags ?? []) {
      r.tags.set(t.key, t.value);
      if (t.key === RUN_NAME_TAG) r.info.runName = t.value;
    }
    for (const m of batch.metrics ?? []) {
      const point = { key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 };
      const history = r.history.get(m.key) ?? [];
      if (history.length === 0) r.history.set(m.key, history);
      history.push(point);
      const latest = r.latest.get(m.key);
      if (!latest || newer(point, latest)) r.latest.set(m.key, point);
    }
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    const r = this.activeRun(runId);
    if (!r.tags.has(key)) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    r.tags.delete(key);
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    const r = this.activeRun(runId);
    for (const input of datasets) {
      const same = (i: DatasetInput) => i.dataset.name === input.dataset.name && i.dataset.digest === input.dataset.digest;
      if (!r.inputs.some(same)) r.inputs.push(structuredClone(input));
    }
  }

  async getMetricHistory(runId: string, key: string, options: MetricHistoryOptions = {}): Promise<PagedList<Metric>> {
    const history = this.stored(runId).history.get(key) ?? [];
    const offset = decodePageToken(options.pageToken);
    const max = options.maxResults && options.maxResults > 0 ? options.maxResults : history.length;
    const items = history.slice(offset, offset + max).map((m) => ({ ...m }));
    return offset + max < history.length ? { items, nextPageToken: encodePageToken(offset + max) } : { items };
  }

  /** Candidates already limited to the query's experiments and view type, as contract v2 asks. */
  async searchRuns(query: RunsQuery): Promise<SearchAnswer<Run>> {
    const ids = new Set(query.experimentIds);
    const items: Run[] = [];
    for (const r of this.state.runs.values()) {
      if (ids.has(r.info.experimentId) && matchesViewType(r.info.lifecycleStage, query.viewType)) items.push(this.toRun(r));
    }
    return { kind: 'candidates', items };
  }
}
