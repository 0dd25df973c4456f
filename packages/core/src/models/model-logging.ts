import type { Client } from '../client/client.js';
import type { ModelVersion } from '../entities/registry.js';
import type { ModelInfo } from './log-model.js';
import { type MLmodel, mlmodelSignature } from './mlmodel.js';
import { invalidParameter, LabbookError } from '../errors.js';

/** Registers a just-logged model; a failure says the model itself is safe and how to register it again. */
export async function registerLogged(client: Client, modelUri: string, name: string): Promise<ModelVersion> {
  try {
    return await client.registerModel(modelUri, name);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new LabbookError(
      LabbookError.is(error) ? error.code : 'INTERNAL_ERROR',
      `The model was logged to ${modelUri} but registering it as '${name}' failed: ${message}. Register it with client.registerModel('${modelUri}', '${name}').`,
      { cause: error },
    );
  }
}

/** The name a model is logged under: `artifactPath` or `name` (the same thing), default `model`. */
export function modelPathOption(options: { artifactPath?: string; name?: string }): string {
  if (options.artifactPath !== undefined && options.name !== undefined && options.artifactPath !== options.name) {
    throw invalidParameter('Give artifactPath or name, not both: they name the same folder.', { field: 'artifact_path' });
  }
  return options.artifactPath ?? options.name ?? 'model';
}

/**
 * The ModelInfo of a logged model folder (MLflow's `ModelInfo`), registered as `registeredModelName`
 * when given; `ids` says where it was logged (a run path, or also a logged model).
 */
export async function modelInfoOf(
  client: Client,
  mlmodel: MLmodel,
  ids: Pick<ModelInfo, 'modelUri' | 'runId' | 'artifactPath'> & Partial<Pick<ModelInfo, 'modelId' | 'loggedModel'>>,
  registeredModelName: string | undefined,
): Promise<ModelInfo> {
  const signature = mlmodelSignature(mlmodel);
  const info: ModelInfo = {
    ...ids,
    modelUuid: mlmodel.model_uuid,
    flavors: mlmodel.flavors,
    utcTimeCreated: mlmodel.utc_time_created,
    mlmodel,
    ...(signature ? { signature } : {}),
    ...(mlmodel.metadata ? { metadata: mlmodel.metadata } : {}),
  };
  if (registeredModelName) info.registeredModelVersion = await registerLogged(client, ids.modelUri, registeredModelName);
  return info;
}
