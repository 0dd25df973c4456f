import type { TagInput } from '../client/tag-input.js';
import type { ParamInput, SearchLoggedModelsInput } from '../client/client.js';
import type { LoggedModel, LoggedModelStatus } from '../entities/logged-model.js';
import { activeRun, fluentClient, resolveFluentExperimentId } from './fluent.js';

/** Arguments of {@link initializeLoggedModel}. */
export interface InitializeLoggedModelOptions {
  /** Random when absent. */
  name?: string;
  /** Default: the active run, if any (none is started for this). */
  sourceRunId?: string;
  tags?: TagInput;
  params?: ParamInput;
  modelType?: string;
  /** Default: the fluent API's current experiment. */
  experimentId?: string;
}

/**
 * Creates a PENDING logged model (MLflow 3's `initialize_logged_model`) for files you upload
 * yourself to `info.artifactUri`; finish with {@link finalizeLoggedModel}. `logModel` does all of
 * this in one call.
 */
export async function initializeLoggedModel(options: InitializeLoggedModelOptions = {}): Promise<LoggedModel> {
  const { experimentId, sourceRunId, ...rest } = options;
  const runId = sourceRunId ?? activeRun()?.runId;
  return fluentClient().createLoggedModel(experimentId ?? (await resolveFluentExperimentId()), {
    ...rest,
    ...(runId !== undefined ? { sourceRunId: runId } : {}),
  });
}

/** Sets a logged model's final status (`READY`, or `FAILED` when its files could not be uploaded). */
export async function finalizeLoggedModel(modelId: string, status: LoggedModelStatus | 'READY' | 'FAILED'): Promise<LoggedModel> {
  return fluentClient().finalizeLoggedModel(modelId, status);
}

/** A logged model by id (`m-…`). */
export async function getLoggedModel(modelId: string): Promise<LoggedModel> {
  return fluentClient().getLoggedModel(modelId);
}

/** Sets tags of a logged model. */
export async function setLoggedModelTags(modelId: string, tags: TagInput): Promise<void> {
  return fluentClient().setLoggedModelTags(modelId, tags);
}

/** Removes a tag from a logged model. */
export async function deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
  return fluentClient().deleteLoggedModelTag(modelId, key);
}

/** Logs params of a logged model (MLflow's `log_model_params`). */
export async function logModelParams(modelId: string, params: ParamInput): Promise<void> {
  return fluentClient().logModelParams(modelId, params);
}

/** Arguments of the fluent {@link searchLoggedModels}. */
export interface FluentSearchLoggedModelsOptions extends Omit<SearchLoggedModelsInput, 'pageToken'> {
  /** Default: the fluent API's current experiment. */
  experimentIds?: string[];
}

/**
 * Every logged model matching the search (all pages, up to `maxResults`), as MLflow's fluent
 * `search_logged_models` returns them with `output_format="list"`.
 *
 * ```ts
 * const best = await searchLoggedModels({ filter: "metrics.acc > 0.9", orderBy: ['metrics.acc DESC'], maxResults: 1 });
 * ```
 */
export async function searchLoggedModels(options: FluentSearchLoggedModelsOptions = {}): Promise<LoggedModel[]> {
  const { experimentIds, maxResults, ...rest } = options;
  const ids = experimentIds ?? [await resolveFluentExperimentId()];
  const client = fluentClient();
  const out: LoggedModel[] = [];
  let pageToken: string | undefined;
  do {
    const left = maxResults === undefined ? undefined : maxResults - out.length;
    const page = await client.searchLoggedModels(ids, {
      ...rest,
      ...(left !== undefined ? { maxResults: Math.min(left, 1000) } : {}),
      ...(pageToken ? { pageToken } : {}),
    });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken && (maxResults === undefined || out.length < maxResults));
  return out;
}
