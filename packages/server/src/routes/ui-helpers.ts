/**
 * The helper endpoints MLflow's web UI calls under `/ajax-api/2.0/mlflow/`: dataset summaries of
 * experiments, prompt-engineering runs, and the proxy to a deployments (AI gateway) server. Their
 * checks and messages follow MLflow's handlers, which read the JSON body directly (no proto).
 */
import { LabbookError, type GuardedTrackingStore, toWire } from '@labbook/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ArtifactLocations } from '../artifact-locations.js';
import { refuseDeepNesting } from '../json-depth.js';
import type { Args } from '../request-args.js';
import { invalidValue } from '../request-check.js';
import { recordLoggedModel } from './logged-model-history.js';

const MAX_EXPERIMENT_IDS = 20;
/** MLflow's SQL store returns at most this many dataset summaries. */
const MAX_DATASET_SUMMARIES = 1000;
const SEARCH_PAGE = 1000;
/** Runs read per search-datasets request, so one request's cost is bounded. */
const MAX_RUNS_SCANNED = 50_000;
const DATASET_CONTEXT_TAG = 'mlflow.data.context';
const GATEWAY_TIMEOUT_MS = 120_000;
const GATEWAY_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function invalid(message: string, field: string): LabbookError {
  return new LabbookError('INVALID_PARAMETER_VALUE', message, { field });
}

function jsonBody(request: FastifyRequest): Args {
  const type = String(request.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) {
    throw invalid(type === '' ? 'Content-Type header is missing' : `Content-Type must be application/json, got '${type}'`, 'content-type');
  }
  let body: unknown = request.body;
  if (typeof body === 'string') {
    try {
      body = body === '' ? {} : JSON.parse(body);
    } catch {
      throw new LabbookError('MALFORMED_REQUEST', 'Request body is not valid JSON');
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new LabbookError('MALFORMED_REQUEST', 'Request body must be a JSON object');
  refuseDeepNesting(body);
  return body as Args;
}

function keyValues(value: unknown, field: string): { key: string; value: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidValue(field, value);
  return value.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalidValue(`${field}[${i}]`, item);
    const { key, value: v } = item as Args;
    if (typeof key !== 'string' || key === '') throw invalidValue(`${field}[${i}].key`, key);
    // MLflow logs str(value): numbers and booleans are allowed and become text.
    if (v !== undefined && v !== null && typeof v === 'object') throw invalidValue(`${field}[${i}].value`, v);
    return { key, value: v === undefined || v === null ? '' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v) };
  });
}

/** `experiments/search-datasets`: the distinct datasets the runs of up to 20 experiments read. */
async function searchDatasets(store: GuardedTrackingStore, body: Args) {
  const ids = body.experiment_ids;
  if (ids !== undefined && ids !== null && (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' && typeof id !== 'number'))) {
    throw invalidValue('experiment_ids', ids);
  }
  const experimentIds = ((ids as unknown[] | undefined) ?? []).map(String);
  if (experimentIds.length === 0) throw invalid('SearchDatasets request must specify at least one experiment_id.', 'experiment_ids');
  if (experimentIds.length > MAX_EXPERIMENT_IDS) {
    throw new LabbookError(
      'INVALID_PARAMETER_VALUE',
      `SearchDatasets request cannot specify more than ${MAX_EXPERIMENT_IDS} experiment_ids. Received ${experimentIds.length} experiment_ids.`,
      { field: 'experiment_ids', limit: MAX_EXPERIMENT_IDS },
    );
  }
  const seen = new Map<string, { experiment_id: string; name: string; digest: string; context?: string }>();
  let pageToken: string | undefined;
  let scanned = 0;
  do {
    const page = await store.searchRuns({
      experimentIds,
      viewType: 'ALL',
      maxResults: SEARCH_PAGE,
      ...(pageToken !== undefined ? { pageToken } : {}),
    });
    for (const run of page.items) {
      for (const input of run.inputs.datasetInputs) {
        const context = input.tags.find((t) => t.key === DATASET_CONTEXT_TAG)?.value;
        const key = JSON.stringify([run.info.experimentId, input.dataset.name, input.dataset.digest, context ?? null]);
        if (!seen.has(key) && seen.size < MAX_DATASET_SUMMARIES) {
          seen.set(key, {
            experiment_id: run.info.experimentId,
            name: input.dataset.name,
            digest: input.dataset.digest,
            ...(context === undefined ? {} : { context }),
          });
        }
      }
    }
    scanned += page.items.length;
    pageToken = page.nextPageToken;
  } while (pageToken && scanned < MAX_RUNS_SCANNED && seen.size < MAX_DATASET_SUMMARIES);
  return seen.size > 0 ? { dataset_summaries: [...seen.values()] } : {};
}

/** The table of a prompt-engineering run, as MLflow's `create_eval_results_json` writes it. */
function evalResults(
  prompt: { key: string; value: string }[],
  input: string,
  outputParams: { key: string; value: string }[],
  output: string,
) {
  return JSON.stringify({
    columns: [...prompt.map((p) => p.key), 'prompt', 'output', ...outputParams.map((p) => p.key)],
    data: [[...prompt.map((p) => p.value), input, output, ...outputParams.map((p) => p.value)]],
  });
}

/** `runs/create-promptlab-run`: a finished run holding one prompt, its parameters and the model's answer. */
async function createPromptlabRun(store: GuardedTrackingStore, locations: ArtifactLocations, body: Args) {
  const need = (name: string) => {
    const v = body[name];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) {
      throw invalid(`CreatePromptlabRun request must specify ${name}.`, name);
    }
    return v;
  };
  const text = (name: string, v: unknown) => {
    if (typeof v !== 'string') throw invalidValue(name, v);
    return v;
  };
  const experimentId = String(need('experiment_id'));
  const promptTemplate = text('prompt_template', need('prompt_template'));
  const promptParameters = keyValues(need('prompt_parameters'), 'prompt_parameters');
  const modelRoute = text('model_route', need('model_route'));
  const modelParameters = keyValues(body.model_parameters, 'model_parameters');
  const modelInput = text('model_input', need('model_input'));
  const modelOutput = body.model_output === undefined || body.model_output === null ? '' : text('model_output', body.model_output);
  const outputParameters = keyValues(body.model_output_parameters, 'model_output_parameters');
  text('mlflow_version', need('mlflow_version'));
  const runName = body.run_name === undefined || body.run_name === null ? undefined : text('run_name', body.run_name);
  const userId = body.user_id === undefined || body.user_id === null ? 'unknown' : text('user_id', body.user_id);
  const startTime = body.start_time === undefined || body.start_time === null ? Date.now() : Number(body.start_time);
  if (!Number.isSafeInteger(startTime)) throw invalidValue('start_time', body.start_time);

  const run = await store.createRun({
    experimentId,
    userId,
    startTime,
    tags: keyValues(body.tags, 'tags'),
    ...(runName !== undefined ? { runName } : {}),
  });
  const runId = run.info.runId;
  let status: 'FINISHED' | 'FAILED' = 'FINISHED';
  try {
    await store.logBatch(runId, {
      params: [...modelParameters, { key: 'model_route', value: modelRoute }, { key: 'prompt_template', value: promptTemplate }],
      tags: [
        { key: 'mlflow.loggedArtifacts', value: JSON.stringify([{ path: 'eval_results_table.json', type: 'table' }]) },
        { key: 'mlflow.runSourceType', value: 'PROMPT_ENGINEERING' },
      ],
    });
    const created = new Date().toISOString().replace('T', ' ').replace('Z', '000');
    await recordLoggedModel(
      store,
      runId,
      JSON.stringify({ artifact_path: 'model', run_id: runId, utc_time_created: created, flavors: {} }),
    );
    const repo = await locations.repositoryFor(run.info.artifactUri);
    await repo.put('eval_results_table.json', evalResults(promptParameters, modelInput, outputParameters, modelOutput));
  } catch {
    // As MLflow: a failure after the run exists ends it FAILED rather than leaving it RUNNING.
    status = 'FAILED';
  }
  await store.updateRunInfo(runId, { status, endTime: Date.now(), ...(runName === undefined ? {} : { runName }) });
  return { run: toWire(await store.getRun(runId)) };
}

function checkGatewayPath(method: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw invalid('Deployments proxy request must specify a gateway_path.', 'gateway_path');
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  const ok =
    method === 'GET'
      ? trimmed === 'api/2.0/endpoints'
      : // A name of `.` or `..`, or an escape, would let the path leave `gateway/<name>/invocations`.
        /^gateway\/[^/]+\/invocations$/.test(trimmed) && !/^gateway\/\.{1,2}\//.test(trimmed) && !/[%?#\\]/.test(trimmed);
  if (!ok) throw invalid(`Invalid gateway_path: ${path} for method: ${method}`, 'gateway_path');
  return trimmed;
}

/** `gateway-proxy`: forwards to `MLFLOW_DEPLOYMENTS_TARGET`, or answers an empty gateway when none is set. */
async function gatewayProxy(target: string | undefined, method: 'GET' | 'POST', args: Args) {
  if (!target) return { endpoints: [] };
  const path = checkGatewayPath(method, args.gateway_path);
  const json = args.json_data;
  const response = await fetch(`${target.replace(/\/+$/, '')}/${path}`, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    ...(method === 'POST' ? { body: JSON.stringify(json ?? null) } : {}),
    signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS),
  }).catch((error: unknown) => {
    throw new LabbookError(
      'TEMPORARILY_UNAVAILABLE',
      `Deployments proxy request to ${target} failed: ${(error as Error).message}. Check that MLFLOW_DEPLOYMENTS_TARGET names a running server.`,
      {
        cause: error,
      },
    );
  });
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > GATEWAY_MAX_RESPONSE_BYTES) {
    throw new LabbookError(
      'RESOURCE_EXHAUSTED',
      `Deployments proxy response of ${declared} bytes exceeds ${GATEWAY_MAX_RESPONSE_BYTES} bytes`,
    );
  }
  const text = await response.text();
  if (response.status !== 200) {
    // MLflow passes the gateway's status on as its error code; a client error stays one, anything
    // else means the gateway failed.
    const code = response.status >= 400 && response.status < 500 ? 'BAD_REQUEST' : 'TEMPORARILY_UNAVAILABLE';
    throw new LabbookError(
      code,
      `Deployments proxy request failed with error code ${response.status}. Error message: ${text.slice(0, 2000)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LabbookError('TEMPORARILY_UNAVAILABLE', 'Deployments proxy response was not JSON');
  }
}

/** Registers the helper routes under `<prefix>/ajax-api/2.0/mlflow/`. */
export function mountUiHelperRoutes(
  app: FastifyInstance,
  prefix: string,
  store: GuardedTrackingStore,
  locations: ArtifactLocations,
  deploymentsTarget: string | undefined,
): void {
  const root = `${prefix}/ajax-api/2.0/mlflow`;
  app.post(`${root}/experiments/search-datasets`, async (request) => searchDatasets(store, jsonBody(request)));
  app.post(`${root}/runs/create-promptlab-run`, async (request) => createPromptlabRun(store, locations, jsonBody(request)));
  app.get(`${root}/gateway-proxy`, async (request) => gatewayProxy(deploymentsTarget, 'GET', (request.query ?? {}) as Args));
  app.post(`${root}/gateway-proxy`, async (request) => gatewayProxy(deploymentsTarget, 'POST', jsonBody(request)));
}
