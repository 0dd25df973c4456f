import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeArtifactPath } from '../artifacts/artifact-path.js';
import { uploadLocalDir } from '../artifacts/local-transfer.js';
import type { Client } from '../client/client.js';
import type { ModelVersion } from '../entities/registry.js';
import { invalidParameter, LabbookError } from '../errors.js';
import { SystemTags } from '../runs/system-tags.js';
import { LIMITS } from '../validation/limits.js';
import type { FlavorConfig, MLmodel } from './mlmodel.js';
import { type SaveModelOptions, saveModel } from './save-model.js';
import { mlmodelSignature } from './mlmodel.js';
import type { ModelSignature } from './signature.js';

/** Options of `logModel`: those of `saveModel` plus where the model goes. */
export interface LogModelOptions<TModel = unknown> extends Omit<SaveModelOptions<TModel>, 'model' | 'runId' | 'artifactPath'> {
  /** The run-relative folder (MLflow 2.x's `artifact_path`), default `model`. */
  artifactPath?: string;
  /** MLflow 3.x's name for the same thing; used as the artifact path until LoggedModels land. */
  name?: string;
  /** Registers the logged model as a new version of this registered model (created when missing). */
  registeredModelName?: string;
}

/**
 * What `logModel` returns, shaped as MLflow's `ModelInfo` so MLflow 3's LoggedModel fields can be
 * filled in later without changing callers.
 */
export interface ModelInfo {
  /** `runs:/<run_id>/<artifact_path>`; a `models:/<model_id>` URI once LoggedModels are stored. */
  modelUri: string;
  runId: string;
  artifactPath: string;
  /** MLflow 3's LoggedModel id; undefined while labbook logs models as run artifacts (2.x style). */
  modelId?: string;
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
  if (options.artifactPath !== undefined && options.name !== undefined && options.artifactPath !== options.name) {
    throw invalidParameter('Give artifactPath or name, not both: they name the same folder.', { field: 'artifact_path' });
  }
  const artifactPath = normalizeArtifactPath(options.artifactPath ?? options.name ?? 'model', 'artifact_path');
  if (artifactPath === '')
    throw invalidParameter("artifactPath must name a folder inside the run's artifacts, e.g. 'model'.", { field: 'artifact_path' });
  const temp = await mkdtemp(join(tmpdir(), 'labbook-model-'));
  try {
    const { registeredModelName: _r, name: _n, artifactPath: _a, ...saveOptions } = options;
    const dir = join(temp, 'model');
    const mlmodel = await saveModel(dir, { ...saveOptions, model, runId, artifactPath, plugins: options.plugins ?? client.pluginRegistry });
    await uploadLocalDir(await client.runArtifactRepository(runId), dir, artifactPath);
    await recordLoggedModel(client, runId, mlmodel);
    const modelUri = `runs:/${runId}/${artifactPath}`;
    const signature = mlmodelSignature(mlmodel);
    const info: ModelInfo = {
      modelUri,
      runId,
      artifactPath,
      modelUuid: mlmodel.model_uuid,
      flavors: mlmodel.flavors,
      utcTimeCreated: mlmodel.utc_time_created,
      mlmodel,
      ...(signature ? { signature } : {}),
      ...(mlmodel.metadata ? { metadata: mlmodel.metadata } : {}),
    };
    if (options.registeredModelName) {
      try {
        info.registeredModelVersion = await client.registerModel(modelUri, options.registeredModelName);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new LabbookError(
          LabbookError.is(error) ? error.code : 'INTERNAL_ERROR',
          `The model was logged to ${modelUri} but registering it as '${options.registeredModelName}' failed: ${message}. Register it with client.registerModel('${modelUri}', '${options.registeredModelName}').`,
          { cause: error },
        );
      }
    }
    return info;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
