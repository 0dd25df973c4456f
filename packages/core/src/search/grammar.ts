import type { Comparator, IdentifierType, SearchEntity } from './ast.js';

/** Aliases of identifier types, lower-cased (mlflow-compat §6). */
export const TYPE_ALIASES: Readonly<Record<string, IdentifierType>> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'param',
  parameters: 'param',
  param: 'param',
  params: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** Which identifier types each entity's filters accept. */
export const ENTITY_TYPES: Readonly<Record<SearchEntity, readonly IdentifierType[]>> = {
  runs: ['metric', 'param', 'tag', 'attribute', 'dataset'],
  experiments: ['attribute', 'tag'],
  registered_models: ['attribute', 'tag'],
  model_versions: ['attribute', 'tag'],
  logged_models: ['metric', 'param', 'tag', 'attribute'],
};

/** Attribute names that mean another (`created` → `start_time`, `run name` → `run_name`). */
export const ATTRIBUTE_ALIASES: Readonly<Record<SearchEntity, Readonly<Record<string, string>>>> = {
  runs: {
    created: 'start_time',
    Created: 'start_time',
    'run name': 'run_name',
    'Run name': 'run_name',
    'Run Name': 'run_name',
    run_uuid: 'run_id',
  },
  experiments: {},
  registered_models: { timestamp: 'last_updated_timestamp' },
  model_versions: {},
  logged_models: { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp' },
};

/** Attributes that hold strings, per entity, as filters accept them. */
export const STRING_ATTRIBUTES: Readonly<Record<SearchEntity, readonly string[]>> = {
  runs: ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri'],
  experiments: ['name'],
  registered_models: ['name'],
  model_versions: ['name', 'run_id', 'source_path'],
  logged_models: ['name', 'model_id', 'model_type', 'status', 'source_run_id'],
};

/** Attributes that hold numbers, per entity, as filters accept them. */
export const NUMERIC_ATTRIBUTES: Readonly<Record<SearchEntity, readonly string[]>> = {
  runs: ['start_time', 'end_time'],
  experiments: ['creation_time', 'last_update_time'],
  registered_models: [],
  model_versions: ['version_number'],
  logged_models: ['creation_timestamp', 'last_updated_timestamp'],
};

/** Attributes `order_by` accepts, per entity. */
export const ORDERABLE_ATTRIBUTES: Readonly<Record<SearchEntity, readonly string[]>> = {
  runs: ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time'],
  experiments: ['name', 'experiment_id', 'creation_time', 'last_update_time'],
  registered_models: ['name', 'creation_timestamp', 'last_updated_timestamp'],
  model_versions: ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'],
  logged_models: ['name', 'model_id', 'model_type', 'status', 'source_run_id', 'creation_timestamp', 'last_updated_timestamp'],
};

/** Attributes that accept `IN` / `NOT IN` lists. */
export const LIST_ATTRIBUTES: Readonly<Record<SearchEntity, readonly string[]>> = {
  runs: ['run_id'],
  experiments: [],
  registered_models: [],
  model_versions: ['run_id'],
  logged_models: ['name', 'model_id', 'model_type', 'status', 'source_run_id'],
};

/** Dataset fields a run filter accepts. */
export const DATASET_KEYS: readonly string[] = ['name', 'digest', 'context'];

export const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
export const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
