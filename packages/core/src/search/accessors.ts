import type { LoggedModel } from '../entities/logged-model.js';
import type { ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { Experiment, Run } from '../entities/tracking.js';
import type { Identifier, SearchEntity } from './ast.js';

/** A searchable value: a number (possibly NaN), a string, or undefined when the key is missing. */
export type SearchValue = number | string | undefined;

/** Reads the value an identifier names from one entity. */
export type ValueAccessor<T> = (item: T, identifier: Identifier) => SearchValue;

function findValue(list: readonly { key: string; value: string }[], key: string): string | undefined {
  for (const e of list) if (e.key === key) return e.value;
  return undefined;
}

/** Values of a run: latest metric values, params, tags and info attributes. */
export const runValue: ValueAccessor<Run> = (run, id) => {
  switch (id.type) {
    case 'metric':
      for (const m of run.data.metrics) if (m.key === id.key) return m.value;
      return undefined;
    case 'param':
      return findValue(run.data.params, id.key);
    case 'tag':
      return findValue(run.data.tags, id.key);
    case 'attribute': {
      const info = run.info;
      switch (id.key) {
        case 'run_id':
          return info.runId;
        case 'run_name':
          return info.runName;
        case 'status':
          return info.status;
        case 'user_id':
          return info.userId;
        case 'artifact_uri':
          return info.artifactUri;
        case 'start_time':
          return info.startTime;
        case 'end_time':
          return info.endTime;
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
};

/** The values of a dataset field across a run's dataset inputs (for `dataset.*` clauses). */
export function runDatasetValues(run: Run, key: string): string[] {
  const out: string[] = [];
  for (const input of run.inputs?.datasetInputs ?? []) {
    if (key === 'name') out.push(input.dataset.name);
    else if (key === 'digest') out.push(input.dataset.digest);
    else if (key === 'context') {
      const context = findValue(input.tags ?? [], 'mlflow.data.context');
      if (context !== undefined) out.push(context);
    }
  }
  return out;
}

function experimentIdOrder(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

/** Values of an experiment. */
export const experimentValue: ValueAccessor<Experiment> = (e, id) => {
  if (id.type === 'tag') return findValue(e.tags, id.key);
  switch (id.key) {
    case 'name':
      return e.name;
    case 'experiment_id':
      return experimentIdOrder(e.experimentId);
    case 'creation_time':
      return e.creationTime;
    case 'last_update_time':
      return e.lastUpdateTime;
    default:
      return undefined;
  }
};

/** Values of a registered model. */
export const registeredModelValue: ValueAccessor<RegisteredModel> = (m, id) => {
  if (id.type === 'tag') return findValue(m.tags, id.key);
  switch (id.key) {
    case 'name':
      return m.name;
    case 'creation_timestamp':
      return m.creationTimestamp;
    case 'last_updated_timestamp':
      return m.lastUpdatedTimestamp;
    default:
      return undefined;
  }
};

/** Values of a model version (`source_path` is its source, `version_number` its number). */
export const modelVersionValue: ValueAccessor<ModelVersion> = (v, id) => {
  if (id.type === 'tag') return findValue(v.tags, id.key);
  switch (id.key) {
    case 'name':
      return v.name;
    case 'run_id':
      return v.runId ?? '';
    case 'source_path':
      return v.source;
    case 'version_number':
      return Number(v.version);
    case 'creation_timestamp':
      return v.creationTimestamp;
    case 'last_updated_timestamp':
      return v.lastUpdatedTimestamp;
    default:
      return undefined;
  }
};

/** Whether a metric point was logged on one of `datasets` (any of them; a dataset without digest matches any digest). */
export function onDatasets(
  m: { datasetName?: string; datasetDigest?: string },
  datasets: readonly { name: string; digest?: string }[],
): boolean {
  return datasets.some((d) => m.datasetName === d.name && (d.digest === undefined || m.datasetDigest === d.digest));
}

/** The latest value (by timestamp, then step) of a logged model's metric, optionally only on some datasets. */
export function loggedModelMetric(
  model: LoggedModel,
  key: string,
  datasets?: readonly { name: string; digest?: string }[],
): number | undefined {
  let best: { value: number; timestamp: number; step: number } | undefined;
  for (const m of model.data.metrics) {
    if (m.key !== key || (datasets && datasets.length > 0 && !onDatasets(m, datasets))) continue;
    if (!best || m.timestamp > best.timestamp || (m.timestamp === best.timestamp && m.step > best.step)) best = m;
  }
  return best?.value;
}

/** Values of a logged model: latest metric values, params, tags and info attributes. */
export const loggedModelValue: ValueAccessor<LoggedModel> = (m, id) => {
  switch (id.type) {
    case 'metric':
      return loggedModelMetric(m, id.key, id.datasets);
    case 'param':
      return findValue(m.data.params, id.key);
    case 'tag':
      return findValue(m.info.tags, id.key);
    case 'attribute': {
      const info = m.info;
      switch (id.key) {
        case 'name':
          return info.name;
        case 'model_id':
          return info.modelId;
        case 'model_type':
          return info.modelType;
        case 'status':
          return info.status;
        case 'source_run_id':
          return info.sourceRunId;
        case 'creation_timestamp':
          return info.creationTimestampMs;
        case 'last_updated_timestamp':
          return info.lastUpdatedTimestampMs;
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
};

/** The accessor of each entity. */
export const ACCESSORS = {
  runs: runValue,
  experiments: experimentValue,
  registered_models: registeredModelValue,
  model_versions: modelVersionValue,
  logged_models: loggedModelValue,
} as const satisfies Record<SearchEntity, ValueAccessor<never>>;
