/**
 * Reading the bodies of labbook's import routes (`/api/2.0/labbook/…/import`): MLflow's wire JSON of
 * an experiment, a run (plus every metric point) and a logged model, read with protobuf's strict
 * types (a string field takes a string, an int64 a whole number or its decimal text, a double a
 * number or its text). Every refusal names the field as a JSON path, so a client knows what to fix;
 * the guard then checks the values against MLflow's rules.
 */
import {
  type DatasetInput,
  type Experiment,
  type ImportedRun,
  type LoggedModel,
  type LoggedModelStatus,
  type Metric,
  type Run,
  numberFromWire,
  parseLoggedModelStatus,
} from '@labbook/core';
import type { Args } from './request-args.js';
import { invalidValue, missingValue } from './request-check.js';

type KeyValue = { key: string; value: string };

function isObject(v: unknown): v is Args {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function absent(v: unknown): boolean {
  return v === undefined || v === null;
}

/** A nested message; absent is `{}` unless required. */
function message(parent: Args, key: string, path: string, required = false): Args {
  const v = parent[key];
  if (absent(v)) {
    if (required) throw missingValue(path);
    return {};
  }
  if (!isObject(v)) throw invalidValue(path, v);
  return v;
}

/** A repeated field; absent is `[]` (protobuf's JSON printer leaves empty lists out). */
function list(parent: Args, key: string, path: string): unknown[] {
  const v = parent[key];
  if (absent(v)) return [];
  if (!Array.isArray(v)) throw invalidValue(path, v);
  return v;
}

function str(parent: Args, key: string, path: string): string | undefined {
  const v = parent[key];
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw invalidValue(path, v);
  return v;
}

function requiredStr(parent: Args, key: string, path: string): string {
  const v = str(parent, key, path);
  if (v === undefined || v === '') throw missingValue(path);
  return v;
}

function int64(parent: Args, key: string, path: string): number | undefined {
  const v = parent[key];
  if (absent(v)) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw invalidValue(path, v);
  return n;
}

function double(parent: Args, key: string, path: string): number {
  const v = parent[key];
  if (absent(v)) throw missingValue(path);
  if (typeof v !== 'number' && typeof v !== 'string') throw invalidValue(path, v);
  const n = numberFromWire(v);
  // NaN is a value a metric may have, but only when the text says so.
  if (Number.isNaN(n) && !(typeof v === 'string' && /^\s*[+-]?nan\s*$/i.test(v))) throw invalidValue(path, v);
  return n;
}

function items(parent: Args, key: string, path: string): Args[] {
  return list(parent, key, path).map((item, i) => {
    if (!isObject(item)) throw invalidValue(`${path}[${i}]`, item);
    return item;
  });
}

function keyValues(parent: Args, key: string, path: string): KeyValue[] {
  return items(parent, key, path).map((kv, i) => ({
    key: requiredStr(kv, 'key', `${path}[${i}].key`),
    value: str(kv, 'value', `${path}[${i}].value`) ?? '',
  }));
}

/** A metric point (`metrics/get-history` shape, plus the run, model and dataset it was logged against). */
function metricOf(m: Args, path: string): Metric {
  const point: Metric = {
    key: requiredStr(m, 'key', `${path}.key`),
    value: double(m, 'value', `${path}.value`),
    timestamp: int64(m, 'timestamp', `${path}.timestamp`) ?? missing(`${path}.timestamp`),
    step: int64(m, 'step', `${path}.step`) ?? 0,
  };
  const runId = str(m, 'run_id', `${path}.run_id`);
  const modelId = str(m, 'model_id', `${path}.model_id`);
  const datasetName = str(m, 'dataset_name', `${path}.dataset_name`);
  const datasetDigest = str(m, 'dataset_digest', `${path}.dataset_digest`);
  // A logged model's points are kept under the runs that logged them.
  if (runId) point.runId = runId;
  if (modelId) point.modelId = modelId;
  if (datasetName) point.datasetName = datasetName;
  if (datasetDigest) point.datasetDigest = datasetDigest;
  return point;
}

function missing(path: string): never {
  throw missingValue(path);
}

function metricsOf(parent: Args, key: string, path: string): Metric[] {
  return items(parent, key, path).map((m, i) => metricOf(m, `${path}[${i}]`));
}

function datasetInputsOf(inputs: Args, path: string): DatasetInput[] {
  return items(inputs, 'dataset_inputs', path).map((d, i) => {
    const at = `${path}[${i}]`;
    const ds = message(d, 'dataset', `${at}.dataset`, true);
    const dataset: DatasetInput['dataset'] = {
      name: requiredStr(ds, 'name', `${at}.dataset.name`),
      digest: requiredStr(ds, 'digest', `${at}.dataset.digest`),
      sourceType: requiredStr(ds, 'source_type', `${at}.dataset.source_type`),
      source: requiredStr(ds, 'source', `${at}.dataset.source`),
    };
    const schema = str(ds, 'schema', `${at}.dataset.schema`);
    const profile = str(ds, 'profile', `${at}.dataset.profile`);
    if (schema !== undefined) dataset.schema = schema;
    if (profile !== undefined) dataset.profile = profile;
    return { tags: keyValues(d, 'tags', `${at}.tags`), dataset };
  });
}

/** `{ experiment }` as `experiments/get` answers it. */
export function importedExperiment(body: Args): Experiment {
  const e = message(body, 'experiment', 'experiment', true);
  const experiment: Experiment = {
    experimentId: requiredStr(e, 'experiment_id', 'experiment.experiment_id'),
    name: requiredStr(e, 'name', 'experiment.name'),
    artifactLocation: str(e, 'artifact_location', 'experiment.artifact_location') ?? '',
    lifecycleStage: (str(e, 'lifecycle_stage', 'experiment.lifecycle_stage') ?? 'active') as Experiment['lifecycleStage'],
    tags: keyValues(e, 'tags', 'experiment.tags'),
  };
  const created = int64(e, 'creation_time', 'experiment.creation_time');
  const updated = int64(e, 'last_update_time', 'experiment.last_update_time');
  if (created !== undefined) experiment.creationTime = created;
  if (updated !== undefined) experiment.lastUpdateTime = updated;
  return experiment;
}

/** `{ run, metrics }`: the run as `runs/get` answers it, and every point of every metric. */
export function importedRun(body: Args): ImportedRun {
  const r = message(body, 'run', 'run', true);
  const info = message(r, 'info', 'run.info', true);
  const data = message(r, 'data', 'run.data');
  const inputs = message(r, 'inputs', 'run.inputs');
  const outputs = message(r, 'outputs', 'run.outputs');
  const runId = str(info, 'run_id', 'run.info.run_id') || requiredStr(info, 'run_uuid', 'run.info.run_id');
  const run: Run = {
    info: {
      runId,
      runUuid: runId,
      runName: str(info, 'run_name', 'run.info.run_name') ?? '',
      experimentId: requiredStr(info, 'experiment_id', 'run.info.experiment_id'),
      userId: str(info, 'user_id', 'run.info.user_id') ?? '',
      status: requiredStr(info, 'status', 'run.info.status') as Run['info']['status'],
      artifactUri: str(info, 'artifact_uri', 'run.info.artifact_uri') ?? '',
      lifecycleStage: (str(info, 'lifecycle_stage', 'run.info.lifecycle_stage') ?? 'active') as Run['info']['lifecycleStage'],
    },
    // The latest values are derived from the points by the store; a copy here would only disagree.
    data: { metrics: [], params: keyValues(data, 'params', 'run.data.params'), tags: keyValues(data, 'tags', 'run.data.tags') },
    inputs: { datasetInputs: datasetInputsOf(inputs, 'run.inputs.dataset_inputs') },
  };
  const start = int64(info, 'start_time', 'run.info.start_time');
  const end = int64(info, 'end_time', 'run.info.end_time');
  if (start !== undefined) run.info.startTime = start;
  if (end !== undefined) run.info.endTime = end;
  const modelOutputs = items(outputs, 'model_outputs', 'run.outputs.model_outputs').map((o, i) => ({
    modelId: requiredStr(o, 'model_id', `run.outputs.model_outputs[${i}].model_id`),
    step: int64(o, 'step', `run.outputs.model_outputs[${i}].step`) ?? 0,
  }));
  if (modelOutputs.length > 0) run.outputs = { modelOutputs };
  return { run, metrics: metricsOf(body, 'metrics', 'metrics') };
}

/** `{ model }` as `logged-models/get` answers it. */
export function importedLoggedModel(body: Args): LoggedModel {
  const m = message(body, 'model', 'model', true);
  const info = message(m, 'info', 'model.info', true);
  const data = message(m, 'data', 'model.data');
  const given = info.status;
  if (absent(given)) throw missingValue('model.info.status');
  const status = parseLoggedModelStatus(given);
  if (status === undefined) throw invalidValue('model.info.status', given);
  const created = int64(info, 'creation_timestamp_ms', 'model.info.creation_timestamp_ms') ?? missing('model.info.creation_timestamp_ms');
  const model: LoggedModel = {
    info: {
      modelId: requiredStr(info, 'model_id', 'model.info.model_id'),
      experimentId: requiredStr(info, 'experiment_id', 'model.info.experiment_id'),
      name: requiredStr(info, 'name', 'model.info.name'),
      artifactUri: str(info, 'artifact_uri', 'model.info.artifact_uri') ?? '',
      creationTimestampMs: created,
      lastUpdatedTimestampMs: int64(info, 'last_updated_timestamp_ms', 'model.info.last_updated_timestamp_ms') ?? created,
      status: status as LoggedModelStatus,
      tags: keyValues(info, 'tags', 'model.info.tags'),
    },
    data: { params: keyValues(data, 'params', 'model.data.params'), metrics: metricsOf(data, 'metrics', 'model.data.metrics') },
  };
  for (const [wire, field] of [
    ['model_type', 'modelType'],
    ['source_run_id', 'sourceRunId'],
    ['status_message', 'statusMessage'],
  ] as const) {
    const v = str(info, wire, `model.info.${wire}`);
    if (v) model.info[field] = v;
  }
  return model;
}
