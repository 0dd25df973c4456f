import {
  type LoggedModelOutput,
  type LoggedModelParameter,
  type LoggedModelStatus,
  type LoggedModelTag,
  parseLoggedModelStatus,
} from '../entities/logged-model.js';
import { invalidParameter } from '../errors.js';
import type { CreateLoggedModelOptions } from '../interfaces/tracking-store.js';
import { generateRunName } from '../runs/run-name.js';
import { validateParam, validateRunTag } from './entities.js';
import { LIMITS } from './limits.js';
import { validateExperimentId, validateLength, validateLoggedModelId, validateRunId } from './values.js';

// MLflow refuses these in logged model names (they would break `models:/<name>` style URIs and paths).
const NAME_FORBIDDEN = /[/:.%"']/;

/** A logged model's name, or a random one (as for runs) when absent. */
export function checkedLoggedModelName(name: unknown, field = 'name'): string {
  if (name === undefined || name === null || name === '') return generateRunName();
  validateLength(name, field, LIMITS.loggedModelNameLength, 'Logged model name');
  if (NAME_FORBIDDEN.test(name)) {
    throw invalidParameter(`Invalid model name '${name}' (field '${field}'): names may not contain '/', ':', '.', '%', '"' or "'".`, {
      field,
    });
  }
  return name;
}

/** Logged model tags are checked as run tags are (keys, 8000-character values, truncation). */
export function validateLoggedModelTags(tags: unknown, field = 'tags'): LoggedModelTag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw invalidParameter(`Invalid value for parameter '${field}': expected a list of {key, value}.`, { field });
  return tags.map((t, i) => validateRunTag(t as LoggedModelTag, `${field}[${i}]`));
}

/** Logged model params are checked as run params are. */
export function validateLoggedModelParams(params: unknown, field = 'params'): LoggedModelParameter[] {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) throw invalidParameter(`Invalid value for parameter '${field}': expected a list of {key, value}.`, { field });
  return params.map((p, i) => validateParam(p as LoggedModelParameter, `${field}[${i}]`));
}

/** Create options checked, with the name filled in. */
export function validateCreateLoggedModel(options: CreateLoggedModelOptions): CreateLoggedModelOptions & { name: string } {
  validateExperimentId(options?.experimentId);
  if (options.sourceRunId !== undefined && options.sourceRunId !== null && options.sourceRunId !== '')
    validateRunId(options.sourceRunId, 'source_run_id');
  if (options.modelType !== undefined && options.modelType !== null)
    validateLength(options.modelType, 'model_type', LIMITS.loggedModelNameLength, 'Model type');
  return {
    experimentId: options.experimentId,
    name: checkedLoggedModelName(options.name),
    ...(options.modelType ? { modelType: options.modelType } : {}),
    ...(options.sourceRunId ? { sourceRunId: options.sourceRunId } : {}),
    params: validateLoggedModelParams(options.params),
    tags: validateLoggedModelTags(options.tags),
  };
}

/** The status a model may be finalized to: READY or UPLOAD_FAILED (by name, MLflow's Python name or number). */
export function checkedFinalStatus(status: unknown): LoggedModelStatus {
  const parsed = parseLoggedModelStatus(status);
  if (parsed !== 'LOGGED_MODEL_READY' && parsed !== 'LOGGED_MODEL_UPLOAD_FAILED') {
    throw invalidParameter(
      `Invalid value ${JSON.stringify(status)} for parameter 'status': a model is finalized to LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
      { field: 'status' },
    );
  }
  return parsed;
}

/** `runs/outputs` entries: model ids and non-negative integer steps (0 when absent). */
export function validateModelOutputs(models: unknown, field = 'models'): LoggedModelOutput[] {
  if (!Array.isArray(models))
    throw invalidParameter(`Invalid value for parameter '${field}': expected a list of {model_id, step}.`, { field });
  return models.map((m, i) => {
    const o = m as Partial<LoggedModelOutput>;
    validateLoggedModelId(o?.modelId, `${field}[${i}].model_id`);
    const step = o.step ?? 0;
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
      throw invalidParameter(
        `Invalid value ${JSON.stringify(step)} for parameter '${field}[${i}].step': expected a whole number, 0 or more.`,
        {
          field: `${field}[${i}].step`,
        },
      );
    }
    return { modelId: o.modelId, step };
  });
}
