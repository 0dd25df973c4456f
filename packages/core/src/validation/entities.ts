import { invalidParameter } from '../errors.js';
import type { DatasetInput, ExperimentTag, Metric, Param, RunTag } from '../entities/tracking.js';
import type { LogBatchInput } from '../interfaces/tracking-store.js';
import { validateKey } from './keys.js';
import { LIMITS } from './limits.js';
import { requireValue, truncateOrValidate, validateLength, validateLoggedModelId, validateMetricPoint } from './values.js';

/** Checks one metric point; returns it with `step` defaulted to 0. */
export function validateMetric(metric: Metric, field = 'metric'): Metric {
  validateKey(metric?.key, 'metric', `${field}.key`);
  const step = metric.step ?? 0;
  validateMetricPoint(metric.value, metric.timestamp, step, field);
  if (metric.modelId !== undefined && metric.modelId !== null) validateLoggedModelId(metric.modelId, `${field}.model_id`);
  return metric.step === step ? metric : { ...metric, step };
}

/** Checks one param; returns it with an over-long value truncated (see `MLFLOW_TRUNCATE_LONG_VALUES`). */
export function validateParam(param: Param, field = 'param'): Param {
  validateKey(param?.key, 'param', `${field}.key`);
  if (param.value === undefined || param.value === null) {
    throw invalidParameter(`Missing value for required parameter '${field}.value'.`, { field: `${field}.value` });
  }
  const value = truncateOrValidate(param.value, `${field}.value`, LIMITS.paramValueLength, 'Param');
  return value === param.value ? param : { key: param.key, value };
}

/** Checks one run tag; returns it with an over-long value truncated. */
export function validateRunTag(tag: RunTag, field = 'tag'): RunTag {
  validateKey(tag?.key, 'tag', `${field}.key`);
  const raw = tag.value ?? '';
  const value = truncateOrValidate(raw, `${field}.value`, LIMITS.runTagValueLength, 'Tag');
  return value === tag.value ? tag : { key: tag.key, value };
}

/** Checks one experiment tag (no truncation: MLflow refuses values over 5000 characters). */
export function validateExperimentTag(tag: ExperimentTag, field = 'tag'): ExperimentTag {
  validateKey(tag?.key, 'tag', `${field}.key`);
  const value = tag.value ?? '';
  validateLength(value, `${field}.value`, LIMITS.experimentTagValueLength, 'Experiment tag value');
  return { key: tag.key, value };
}

/** Checks a registered model or model version tag (value ≤ 100000 characters, required). */
export function validateModelTag(tag: { key: string; value: string }, field = 'tag'): { key: string; value: string } {
  validateKey(tag?.key, 'tag', `${field}.key`);
  requireValue(tag.value === '' ? 'x' : tag.value, `${field}.value`);
  validateLength(tag.value, `${field}.value`, LIMITS.modelTagValueLength, 'Model tag value');
  return tag;
}

/**
 * Checks a whole batch against MLflow's limits (1000 metrics, 100 params, 100 tags, 1000 entities,
 * no duplicate param keys) and every entity in it; errors name the JSON path (`metrics[3].value`).
 * Returns the batch with defaults applied and over-long values truncated.
 */
export function validateBatch(batch: LogBatchInput): Required<LogBatchInput> {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  const limit = (n: number, max: number, what: string, field: string) => {
    if (n > max) {
      throw invalidParameter(
        `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
        { field, limit: max },
      );
    }
  };
  limit(metrics.length, LIMITS.batchMetrics, 'metrics', 'metrics');
  limit(params.length, LIMITS.batchParams, 'params', 'params');
  limit(tags.length, LIMITS.batchTags, 'tags', 'tags');
  limit(metrics.length + params.length + tags.length, LIMITS.batchTotal, 'metrics, params, and tags', 'batch');
  const seen = new Set<string>();
  for (const [i, p] of params.entries()) {
    if (p && seen.has(p.key)) {
      throw invalidParameter(
        `Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`,
        { field: `params[${i}].key` },
      );
    }
    if (p) seen.add(p.key);
  }
  return {
    metrics: metrics.map((m, i) => validateMetric(m, `metrics[${i}]`)),
    params: params.map((p, i) => validateParam(p, `params[${i}]`)),
    tags: tags.map((t, i) => validateRunTag(t, `tags[${i}]`)),
  };
}

/** Checks dataset inputs against MLflow's dataset and input tag limits. */
export function validateDatasetInputs(inputs: DatasetInput[], field = 'datasets'): void {
  for (const [i, input] of inputs.entries()) {
    const at = `${field}[${i}]`;
    const d = input?.dataset;
    if (!d) throw invalidParameter(`Missing value for required parameter '${at}.dataset'.`, { field: `${at}.dataset` });
    for (const [k, limit] of [
      ['name', LIMITS.datasetNameLength],
      ['digest', LIMITS.datasetDigestLength],
      ['sourceType', Number.MAX_SAFE_INTEGER],
      ['source', LIMITS.datasetSourceLength],
    ] as const) {
      requireValue(d[k], `${at}.dataset.${k}`);
      validateLength(d[k], `${at}.dataset.${k}`, limit, `Dataset ${k}`);
    }
    if (d.schema !== undefined) validateLength(d.schema, `${at}.dataset.schema`, LIMITS.datasetSchemaLength, 'Dataset schema');
    if (d.profile !== undefined) {
      validateLength(d.profile, `${at}.dataset.profile`, LIMITS.datasetProfileLength, 'Dataset profile');
    }
    for (const [j, tag] of (input.tags ?? []).entries()) {
      requireValue(tag?.key, `${at}.tags[${j}].key`);
      validateLength(tag.key, `${at}.tags[${j}].key`, LIMITS.inputTagKeyLength, 'Input tag key');
      requireValue(tag.value, `${at}.tags[${j}].value`);
      validateLength(tag.value, `${at}.tags[${j}].value`, LIMITS.inputTagValueLength, 'Input tag value');
    }
  }
}

const ALIAS = /^[\w-]*$/;

/** Alias names: non-empty, ≤ 255, `^[\w\-]*$`, not `latest`, not `v<digits>`. */
export function validateAlias(alias: unknown, field = 'alias'): asserts alias is string {
  requireValue(alias, field);
  validateLength(alias, field, LIMITS.aliasLength, 'Alias');
  if (!ALIAS.test(alias)) {
    throw invalidParameter(`Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores and dashes.`, {
      field,
    });
  }
  if (alias.toLowerCase() === 'latest' || /^[vV]\d+$/.test(alias)) {
    throw invalidParameter(`'${alias}' is a reserved alias name and cannot be used (field '${field}').`, { field });
  }
}

/** Registered model names: non-empty, ≤ 256 characters, no path separators or control characters. */
export function validateModelName(name: unknown, field = 'name'): asserts name is string {
  requireValue(name, field);
  validateLength(name, field, LIMITS.registeredModelNameLength, 'Registered model name');
  if (/[/\\\u0000-\u001f\u007f]/.test(name) || name === '.' || name === '..') {
    throw invalidParameter(`Invalid registered model name '${name}': it may not contain '/', '\\' or control characters.`, {
      field,
    });
  }
}

/** Model version numbers: a positive integer as a string. */
export function validateModelVersion(version: unknown, field = 'version'): asserts version is string {
  requireValue(version, field);
  if (typeof version !== 'string' || !/^[1-9]\d{0,9}$/.test(version)) {
    throw invalidParameter(`Invalid model version number '${String(version)}'. Expects a positive integer string.`, {
      field,
    });
  }
}
