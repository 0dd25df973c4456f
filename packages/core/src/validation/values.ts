import { invalidParameter } from '../errors.js';
import { LOGGED_MODEL_ID_PATTERN } from '../entities/logged-model.js';
import { LIMITS } from './limits.js';

/** Fails with MLflow's "Missing value" message when `value` is absent or empty. */
export function requireValue(value: unknown, field: string): void {
  if (value === undefined || value === null || value === '') {
    throw invalidParameter(
      `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
      { field },
    );
  }
}

/** Fails unless `value` is a string of at most `limit` characters. */
export function validateLength(value: unknown, field: string, limit: number, what = field): asserts value is string {
  if (typeof value !== 'string') {
    throw invalidParameter(`Invalid value for parameter '${field}': expected a string.`, { field });
  }
  if (value.length > limit) {
    throw invalidParameter(
      `${what} '${value.slice(0, 40)}...' had length ${value.length}, which exceeded length limit of ${limit} (field '${field}').`,
      { field, limit },
    );
  }
}

function truncationEnabled(): boolean {
  const env = process.env.MLFLOW_TRUNCATE_LONG_VALUES ?? process.env.LABBOOK_TRUNCATE_LONG_VALUES;
  return env === undefined || !/^(false|0|no)$/i.test(env.trim());
}

/**
 * Param and run tag values longer than the limit are truncated with a warning, as MLflow does while
 * `MLFLOW_TRUNCATE_LONG_VALUES` is true (the default); otherwise they are an error.
 */
export function truncateOrValidate(value: unknown, field: string, limit: number, what: string): string {
  if (typeof value !== 'string') {
    throw invalidParameter(`Invalid value for parameter '${field}': the ${what} value must be a string.`, { field });
  }
  if (value.length <= limit) return value;
  if (!truncationEnabled()) validateLength(value, field, limit, `${what} value`);
  process.emitWarning(`[labbook] ${what} value at '${field}' truncated to ${limit} characters (was ${value.length}).`, {
    code: 'LABBOOK_TRUNCATED_VALUE',
  });
  return value.slice(0, limit);
}

const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;

/** Run ids: `^[a-zA-Z0-9][\w\-]{0,255}$` (generated ids are 32 lowercase hex). */
export function validateRunId(runId: unknown, field = 'run_id'): asserts runId is string {
  requireValue(runId, field);
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw invalidParameter(`Invalid run ID: '${String(runId)}' (field '${field}').`, { field, limit: 256 });
  }
}

/** Experiment ids: `^[a-zA-Z0-9][\w\-]{0,63}$`. */
export function validateExperimentId(experimentId: unknown, field = 'experiment_id'): asserts experimentId is string {
  requireValue(experimentId, field);
  if (typeof experimentId !== 'string' || !EXPERIMENT_ID.test(experimentId)) {
    throw invalidParameter(`Invalid experiment ID: '${String(experimentId)}' (field '${field}').`, { field, limit: 64 });
  }
}

/** Experiment names: a non-empty string of at most 500 characters. */
export function validateExperimentName(name: unknown, field = 'name'): asserts name is string {
  requireValue(name, field);
  if (typeof name !== 'string') {
    throw invalidParameter(`Invalid experiment name: ${JSON.stringify(name)}. Expects a string (field '${field}').`, {
      field,
    });
  }
  validateLength(name, field, LIMITS.experimentNameLength, 'Experiment name');
}

/** Fails unless `n` is an integer in `1..max`. */
export function validateMaxResults(n: unknown, field: string, max: number): void {
  if (n === undefined || n === null) return;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw invalidParameter(
      `Invalid value ${JSON.stringify(n)} for parameter '${field}' supplied. It must be an integer between 1 and ${max}.`,
      { field, limit: max },
    );
  }
}

/** Metric points: value a number (NaN and ±Infinity allowed), timestamp ≥ 0, step an integer. */
export function validateMetricPoint(value: unknown, timestamp: unknown, step: unknown, field: string): void {
  if (value === undefined || value === null) {
    throw invalidParameter(`Missing value for required parameter '${field}.value'.`, { field: `${field}.value` });
  }
  if (typeof value !== 'number') {
    throw invalidParameter(
      `Got invalid value ${JSON.stringify(value)} for metric '${field}' (timestamp=${String(timestamp)}). Please specify value as a valid double (64-bit floating point).`,
      { field: `${field}.value` },
    );
  }
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp) || timestamp < 0 || !Number.isInteger(timestamp)) {
    throw invalidParameter(
      `Got invalid timestamp ${JSON.stringify(timestamp)} for metric '${field}' (value=${value}). Timestamp must be a nonnegative integer (milliseconds since the epoch).`,
      { field: `${field}.timestamp` },
    );
  }
  if (typeof step !== 'number' || !Number.isInteger(step)) {
    throw invalidParameter(
      `Got invalid step ${JSON.stringify(step)} for metric '${field}' (value=${value}). Step must be a valid 64-bit integer value.`,
      { field: `${field}.step` },
    );
  }
}

/** Logged model ids: `m-` and 32 lower-case hex characters, as MLflow makes them. */
export function validateLoggedModelId(modelId: unknown, field = 'model_id'): asserts modelId is string {
  requireValue(modelId, field);
  if (typeof modelId !== 'string' || !LOGGED_MODEL_ID_PATTERN.test(modelId)) {
    throw invalidParameter(
      `Invalid model ID: '${String(modelId)}' (field '${field}'): expected 'm-' followed by 32 hex characters, as create returns it.`,
      {
        field,
      },
    );
  }
}
