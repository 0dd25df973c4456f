/**
 * `models:/<model_id>` URIs (MLflow 3): the source MLflow 3's `log_model` registers model versions
 * with. The registry keeps the URI as the version's source; its files are the logged model's
 * artifact location, which MLflow stores as the version's `storage_location` and answers from
 * `get-download-uri`.
 */
import {
  appendToUri,
  type GuardedTrackingStore,
  invalidParameter,
  type LoggedModel,
  normalizeArtifactPath,
  parseLoggedModelUri,
} from '@labbook/core';

/** What a new model version made from a logged model takes from it. */
export interface LoggedModelVersionSource {
  model: LoggedModel;
  /** The run to record: the one given, else the model's source run (as MLflow's registry does). */
  runId?: string;
}

/**
 * The logged model behind a new model version, when `model_id` is given or the source is
 * `models:/<model_id>`; undefined for a version made from run artifacts or a path. An unknown model
 * is RESOURCE_DOES_NOT_EXIST; a `model_id` that disagrees with the source is refused, since the
 * version would then name one model and hold another's files.
 */
export async function loggedModelVersionSource(
  tracking: GuardedTrackingStore | undefined,
  source: string,
  modelId: string | undefined,
  runId: string | undefined,
): Promise<LoggedModelVersionSource | undefined> {
  const fromSource = parseLoggedModelUri(source)?.modelId;
  if (fromSource !== undefined && modelId !== undefined && fromSource !== modelId) {
    throw invalidParameter(
      `model_id '${modelId}' does not match the source '${source}': send the id of the model the source names, or leave model_id out`,
      { field: 'model_id' },
    );
  }
  const id = modelId ?? fromSource;
  if (id === undefined || tracking === undefined) return undefined;
  const model = await tracking.getLoggedModel(id);
  const run = runId ?? model.info.sourceRunId;
  return { model, ...(run !== undefined ? { runId: run } : {}) };
}

/**
 * Where a model version's files are: a `models:/<model_id>[/path]` source resolves to the logged
 * model's artifact location (plus the path); any other URI is returned as it is.
 */
export async function resolveLoggedModelUri(tracking: GuardedTrackingStore | undefined, uri: string): Promise<string> {
  const parsed = parseLoggedModelUri(uri);
  if (parsed === undefined || tracking === undefined) return uri;
  const model = await tracking.getLoggedModel(parsed.modelId);
  const path = normalizeArtifactPath(parsed.path, 'source');
  return path === '' ? model.info.artifactUri : appendToUri(model.info.artifactUri, path);
}
