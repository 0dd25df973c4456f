/**
 * The UI's only way to the server: MLflow's REST API by relative URLs, so the UI works under any
 * static prefix. Failures become {@link ApiError}s carrying MLflow's error code and message.
 */
import type { DownsampledHistory, Experiment, FileInfo, LoggedModel, LoggedModelOrder, ModelVersion, RegisteredModel, Run } from './types';

/** A failed API call: MLflow's `{error_code, message}` and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const API = 'ajax-api/2.0/mlflow';

type Query = Record<string, string | number | boolean | string[] | undefined>;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function call<T>(method: string, path: string, body?: unknown, query: Query = {}): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let response: Response;
  try {
    response = await fetch(`${path}${queryString(query)}`, init);
  } catch (error) {
    throw new ApiError(0, 'NETWORK_ERROR', `The server could not be reached (${(error as Error).message})`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const e = (json ?? {}) as { error_code?: string; message?: string };
    throw new ApiError(
      response.status,
      e.error_code ?? `HTTP_${response.status}`,
      e.message ?? (text.slice(0, 300) || response.statusText),
    );
  }
  return (json ?? {}) as T;
}

async function fetchBlob(url: string): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ApiError(0, 'NETWORK_ERROR', `The server could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    throw new ApiError(response.status, 'ARTIFACT_ERROR', message);
  }
  return response.blob();
}

/** A page of results and the token of the next one. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** A page whose `nextPageToken` is present only when there is a next page token. */
function pageOf<T>(items: T[], nextPageToken: string | undefined): Page<T> {
  return nextPageToken !== undefined ? { items, nextPageToken } : { items };
}

export const api = {
  searchExperiments(options: { filter?: string; viewType?: string; pageToken?: string; maxResults?: number } = {}) {
    return call<{ experiments?: Experiment[]; next_page_token?: string }>('POST', `${API}/experiments/search`, {
      filter: options.filter || undefined,
      view_type: options.viewType ?? 'ACTIVE_ONLY',
      max_results: options.maxResults ?? 100,
      page_token: options.pageToken,
      order_by: ['name ASC'],
    }).then((r): Page<Experiment> => pageOf(r.experiments ?? [], r.next_page_token));
  },
  getExperiment: (id: string) =>
    call<{ experiment: Experiment }>('GET', `${API}/experiments/get`, undefined, { experiment_id: id }).then((r) => r.experiment),
  createExperiment: (name: string) =>
    call<{ experiment_id: string }>('POST', `${API}/experiments/create`, { name }).then((r) => r.experiment_id),
  renameExperiment: (id: string, newName: string) => call('POST', `${API}/experiments/update`, { experiment_id: id, new_name: newName }),
  deleteExperiment: (id: string) => call('POST', `${API}/experiments/delete`, { experiment_id: id }),
  restoreExperiment: (id: string) => call('POST', `${API}/experiments/restore`, { experiment_id: id }),

  searchRuns(options: {
    experimentIds: string[];
    filter?: string;
    orderBy?: string[];
    viewType?: string;
    pageToken?: string;
    maxResults?: number;
  }) {
    return call<{ runs?: Run[]; next_page_token?: string }>('POST', `${API}/runs/search`, {
      experiment_ids: options.experimentIds,
      filter: options.filter || undefined,
      order_by: options.orderBy,
      run_view_type: options.viewType ?? 'ACTIVE_ONLY',
      max_results: options.maxResults ?? 500,
      page_token: options.pageToken,
    }).then((r): Page<Run> => pageOf(r.runs ?? [], r.next_page_token));
  },
  getRun: (id: string) => call<{ run: Run }>('GET', `${API}/runs/get`, undefined, { run_id: id }).then((r) => r.run),
  deleteRun: (id: string) => call('POST', `${API}/runs/delete`, { run_id: id }),
  restoreRun: (id: string) => call('POST', `${API}/runs/restore`, { run_id: id }),
  setTag: (runId: string, key: string, value: string) => call('POST', `${API}/runs/set-tag`, { run_id: runId, key, value }),
  deleteTag: (runId: string, key: string) => call('POST', `${API}/runs/delete-tag`, { run_id: runId, key }),

  downsampled(runId: string, key: string, axis: 'step' | 'timestamp', buckets: number) {
    return call<DownsampledHistory>('GET', 'ajax-api/2.0/labbook/metrics/downsampled', undefined, {
      run_id: runId,
      metric_key: key,
      x_axis: axis,
      buckets,
    });
  },

  listArtifacts: (runId: string, path: string) =>
    call<{ root_uri?: string; files?: FileInfo[] }>('GET', `${API}/artifacts/list`, undefined, {
      run_id: runId,
      path: path || undefined,
    }).then((r) => r.files ?? []),
  /** URL of one run artifact (a download when opened as a link). */
  artifactUrl: (runId: string, path: string) => `get-artifact${queryString({ run_id: runId, path })}`,

  fetchArtifact: (runId: string, path: string): Promise<Blob> => fetchBlob(api.artifactUrl(runId, path)),

  searchLoggedModels(options: {
    experimentIds: string[];
    filter?: string;
    orderBy?: LoggedModelOrder[];
    pageToken?: string;
    maxResults?: number;
  }) {
    return call<{ models?: LoggedModel[]; next_page_token?: string }>('POST', `${API}/logged-models/search`, {
      experiment_ids: options.experimentIds,
      filter: options.filter || undefined,
      order_by: options.orderBy,
      max_results: options.maxResults ?? 50,
      page_token: options.pageToken,
    }).then((r): Page<LoggedModel> => pageOf(r.models ?? [], r.next_page_token || undefined));
  },
  getLoggedModel: (modelId: string) =>
    call<{ model: LoggedModel }>('GET', `${API}/logged-models/${encodeURIComponent(modelId)}`).then((r) => r.model),
  setLoggedModelTag: (modelId: string, key: string, value: string) =>
    call('PATCH', `${API}/logged-models/${encodeURIComponent(modelId)}/tags`, { tags: [{ key, value }] }),
  deleteLoggedModelTag: (modelId: string, key: string) =>
    call('DELETE', `${API}/logged-models/${encodeURIComponent(modelId)}/tags/${encodeURIComponent(key)}`),
  async listLoggedModelArtifacts(modelId: string, path: string): Promise<FileInfo[]> {
    // The endpoint pages its listing; a folder is shown whole, so every page is read.
    const files: FileInfo[] = [];
    let token: string | undefined;
    do {
      const r = await call<{ files?: FileInfo[]; next_page_token?: string }>(
        'GET',
        `${API}/logged-models/${encodeURIComponent(modelId)}/artifacts/directories`,
        undefined,
        { artifact_directory_path: path || undefined, page_token: token },
      );
      files.push(...(r.files ?? []));
      token = r.next_page_token || undefined;
    } while (token);
    return files;
  },
  /** URL of one logged model artifact (a download when opened as a link). */
  loggedModelArtifactUrl: (modelId: string, path: string) =>
    `${API}/logged-models/${encodeURIComponent(modelId)}/artifacts/files${queryString({ artifact_file_path: path })}`,
  fetchLoggedModelArtifact: (modelId: string, path: string): Promise<Blob> => fetchBlob(api.loggedModelArtifactUrl(modelId, path)),
  /** The registered versions made from a run's artifacts or from its logged models. */
  searchVersionsOfRun: (runId: string) =>
    call<{ model_versions?: ModelVersion[] }>('GET', `${API}/model-versions/search`, undefined, {
      filter: `run_id = '${runId.replace(/'/g, "\\'")}'`,
      max_results: 1000,
    }).then((r) => r.model_versions ?? []),

  searchModels: (options: { filter?: string; pageToken?: string; maxResults?: number } = {}) =>
    call<{ registered_models?: RegisteredModel[]; next_page_token?: string }>('GET', `${API}/registered-models/search`, undefined, {
      filter: options.filter || undefined,
      max_results: options.maxResults ?? 100,
      order_by: ['name ASC'],
      page_token: options.pageToken,
    }).then((r): Page<RegisteredModel> => pageOf(r.registered_models ?? [], r.next_page_token)),
  getModel: (name: string) =>
    call<{ registered_model: RegisteredModel }>('GET', `${API}/registered-models/get`, undefined, { name }).then((r) => r.registered_model),
  searchVersions: (name: string) =>
    call<{ model_versions?: ModelVersion[] }>('GET', `${API}/model-versions/search`, undefined, {
      filter: `name = '${name.replace(/'/g, "\\'")}'`,
      max_results: 1000,
    }).then((r) => (r.model_versions ?? []).sort((a, b) => Number(b.version) - Number(a.version))),
  updateModel: (name: string, description: string) => call('PATCH', `${API}/registered-models/update`, { name, description }),
  transitionStage: (name: string, version: string, stage: string) =>
    call('POST', `${API}/model-versions/transition-stage`, { name, version, stage, archive_existing_versions: false }),
  updateVersion: (name: string, version: string, description: string) =>
    call('PATCH', `${API}/model-versions/update`, { name, version, description }),
  setModelTag: (name: string, key: string, value: string) => call('POST', `${API}/registered-models/set-tag`, { name, key, value }),
  deleteModelTag: (name: string, key: string) => call('DELETE', `${API}/registered-models/delete-tag`, { name, key }),
  setAlias: (name: string, alias: string, version: string) => call('POST', `${API}/registered-models/alias`, { name, alias, version }),
  deleteAlias: (name: string, alias: string) => call('DELETE', `${API}/registered-models/alias`, { name, alias }),
};
