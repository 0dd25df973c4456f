/** The tables the run writes insert into, with the columns they fill (in MLflow's column order). */
import type { InsertTarget } from './dialect.js';

export const METRICS: InsertTarget = { table: 'metrics', columns: ['key', 'value', 'timestamp', 'run_uuid', 'step', 'is_nan'] };
export const LATEST_METRICS: InsertTarget = {
  table: 'latest_metrics',
  columns: ['key', 'value', 'timestamp', 'step', 'is_nan', 'run_uuid'],
};
export const PARAMS: InsertTarget = { table: 'params', columns: ['key', 'value', 'run_uuid'] };
export const TAGS: InsertTarget = { table: 'tags', columns: ['key', 'value', 'run_uuid'] };
export const EXPERIMENT_TAGS: InsertTarget = { table: 'experiment_tags', columns: ['key', 'value', 'experiment_id'] };
export const DATASETS: InsertTarget = {
  table: 'datasets',
  columns: [
    'dataset_uuid',
    'experiment_id',
    'name',
    'digest',
    'dataset_source_type',
    'dataset_source',
    'dataset_schema',
    'dataset_profile',
  ],
};
export const INPUTS: InsertTarget = {
  table: 'inputs',
  columns: ['input_uuid', 'source_type', 'source_id', 'destination_type', 'destination_id', 'step'],
};
export const INPUT_TAGS: InsertTarget = { table: 'input_tags', columns: ['input_uuid', 'name', 'value'] };
