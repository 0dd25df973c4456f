import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeArtifactPath } from '../artifacts/artifact-path.js';
import { uploadLocalDir } from '../artifacts/local-transfer.js';
import type { Client } from '../client/client.js';
import type { TagInput } from '../client/tag-input.js';
import type { LoggedModel } from '../entities/logged-model.js';
import type { ModelVersion } from '../entities/registry.js';
import { invalidParameter } from '../errors.js';
import { SystemTags } from '../runs/system-tags.js';
import { LIMITS } from '../validation/limits.js';
import type { FlavorConfig, MLmodel } from './mlmodel.js';
import { type SaveModelOptions, saveModel } from './save-model.js';
import { modelInfoOf, modelPathOption } from './model-logging.js';
import type { ModelSignature } from './signature.js';

/** Options of `logModel`: those of `saveModel` plus where the model goes. */
export interface LogModelOptions<TModel = unknown> extends Omit<SaveModelOptions<TModel>, 'model' | 'runId' | 'artifactPath' | 'modelId'> {
  /** MLflow 2.x's name: the run-relative folder, default `model`. With logged models, the model's name. */
  artifactPath?: string;
  /** MLflow 3.x's name for the same thing: the LoggedModel's name (no `/ : . % " '`), default `model`. */
  name?: string;
  /** Registers the logged model as a new version of this registered model (created when missing). */
  registeredModelName?: string;
  /** MLflow 3: tags of the LoggedModel (the run's `mlflow.user` and `mlflow.source.*` tags are added). */
  tags?: TagInput;
  /** MLflow 3: the LoggedModel's free-form type, e.g. `classifier`. */
  modelType?: string;
  /** MLflow 3: the step at which the run produced the model (default 0); the run's metrics at it are linked to the model. */
  step?: number;
}

/** What `logModel` returns, shaped as MLflow's `ModelInfo`. */
export interface ModelInfo {
  /** MLflow 3: `models:/<model_id>`; MLflow 2.x stores: `runs:/<run_id>/<artifact_path>`. */
  modelUri: string;
  runId: string;
  /** The name (3.x) or run-relative folder (2.x) the model was logged under. */
  artifactPath: string;
  /** MLflow 3's LoggedModel id; undefined when the store has no logged models (2.x style). */
  modelId?: string;
  /** MLflow 3: the LoggedModel as finalized (READY). */
  loggedModel?: LoggedModel;
  modelUuid: string;
  flavors: Record<string, FlavorConfig>;
  utcTimeCreated: string;
  signature?: ModelSignature;
  metadata?: Record<string, unknown>;
  /** The whole MLmodel written. */
  mlmodel: MLmodel;
  /** The version registered when `registeredModelName` was given. */
  registeredModelVersion?: ModelVersion;
}

/** Appends the model to the run's `mlflow.log-model.history` tag, as MLflow 2.x's `record_logged_model` does; failures only warn. */
async function recordLoggedModel(client: Client, runId: string, mlmodel: MLmodel): Promise<void> {
  try {
    const run = await client.getRun(runId);
    const current = run.data.tags.find((t) => t.key === SystemTags.LOGGED_MODEL_HISTORY)?.value;
    let history: unknown[] = [];
    if (current) {
      const parsed = JSON.parse(current) as unknown;
      if (Array.isArray(parsed)) history = parsed;
    }
    history.push(mlmodel);
    const value = JSON.stringify(history);
    if (value.length > LIMITS.runTagValueLength) {
      process.emitWarning(
        `[labbook] ${SystemTags.LOGGED_MODEL_HISTORY} of run ${runId} would exceed ${LIMITS.runTagValueLength} characters; the model was logged but not added to the history tag.`,
      );
      return;
    }
    await client.setTag(runId, SystemTags.LOGGED_MODEL_HISTORY, value);
  } catch (error) {
    process.emitWarning(
      `[labbook] Logging model metadata to run ${runId} failed: ${(error as Error).message}. The model itself was logged.`,
    );
  }
}

/**
 * Saves a model into a temporary folder, uploads it as the run artifact `artifactPath`, records it
 * in the run's `mlflow.log-model.history` tag, and registers it when `registeredModelName` is given
 * (as MLflow 2.x's `Model.log`).
 */
export async function logModelToRun<TModel>(
  client: Client,
  runId: string,
  model: TModel,
  options: LogModelOptions<TModel>,
): Promise<ModelInfo> {
  const artifactPath = normalizeArtifactPath(modelPathOption(options), 'artifact_path');
  if (artifactPath === '')
    throw invalidParameter("artifactPath must name a folder inside the run's artifacts, e.g. 'model'.", { field: 'artifact_path' });
  const temp = await mkdtemp(join(tmpdir(), 'labbook-model-'));
  try {
    const { registeredModelName: _r, name: _n, artifactPath: _a, tags: _t, modelType: _m, step: _s, ...saveOptions } = options;
    const dir = join(temp, 'model');
    const mlmodel = await saveModel(dir, { ...saveOptions, model, runId, artifactPath, plugins: options.plugins ?? client.pluginRegistry });
    await uploadLocalDir(await client.runArtifactRepository(runId), dir, artifactPath);
    await recordLoggedModel(client, runId, mlmodel);
    return await modelInfoOf(
      client,
      mlmodel,
      { modelUri: `runs:/${runId}/${artifactPath}`, runId, artifactPath },
      options.registeredModelName,
    );
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
