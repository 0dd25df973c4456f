import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadLocalDir } from '../artifacts/local-transfer.js';
import type { Client } from '../client/client.js';
import { toKeyValues } from '../client/tag-input.js';
import type { LoggedModel } from '../entities/logged-model.js';
import type { Metric, Run } from '../entities/tracking.js';
import { LabbookError } from '../errors.js';
import { SystemTags } from '../runs/system-tags.js';
import type { LogModelOptions, ModelInfo } from './log-model.js';
import { modelInfoOf, modelPathOption } from './model-logging.js';
import { loggedModelUri } from './model-uri.js';
import { saveModel } from './save-model.js';

// The run tags MLflow 3 copies onto a LoggedModel as its context (who and what code produced it).
const CONTEXT_TAGS: readonly string[] = [
  SystemTags.USER,
  SystemTags.SOURCE_NAME,
  SystemTags.SOURCE_TYPE,
  SystemTags.GIT_COMMIT,
  SystemTags.GIT_BRANCH,
  SystemTags.GIT_REPO_URL,
];

function modelTags(run: Run, options: LogModelOptions): { key: string; value: string }[] {
  const tags = new Map<string, string>();
  for (const t of run.data.tags) if (CONTEXT_TAGS.includes(t.key)) tags.set(t.key, t.value);
  for (const t of toKeyValues(options.tags)) tags.set(t.key, t.value);
  return [...tags].map(([key, value]) => ({ key, value }));
}

/**
 * Re-sends the run's metric points at `step` that name no model, now with `modelId`, so the model
 * carries the metrics it was logged with (MLflow 3's `log_model` step 4). A key's latest point has
 * its highest step, so only keys whose latest step reaches `step` need their history read.
 */
async function linkRunMetrics(client: Client, run: Run, modelId: string, step: number): Promise<void> {
  const relinked: Metric[] = [];
  for (const latest of run.data.metrics) {
    if (latest.step < step) continue;
    for (const point of await client.getMetricHistory(run.info.runId, latest.key)) {
      if (point.step === step && !point.modelId)
        relinked.push({ key: point.key, value: point.value, timestamp: point.timestamp, step, modelId });
    }
  }
  if (relinked.length > 0) await client.logBatch(run.info.runId, { metrics: relinked });
}

async function markFailed(client: Client, modelId: string, error: unknown): Promise<never> {
  try {
    await client.finalizeLoggedModel(modelId, 'LOGGED_MODEL_UPLOAD_FAILED');
  } catch (finalizeError) {
    const message = error instanceof Error ? error.message : String(error);
    throw new LabbookError(
      LabbookError.is(error) ? error.code : 'INTERNAL_ERROR',
      `Logging model ${modelId} failed (${message}), and marking it LOGGED_MODEL_UPLOAD_FAILED failed too: ${(finalizeError as Error).message}. Delete it with client.deleteLoggedModel('${modelId}').`,
      { cause: error },
    );
  }
  throw error;
}

/**
 * MLflow 3's `log_model` inside a run: creates a LoggedModel in the run's experiment with the
 * run's params and context tags, links it to the run at `step` (and the run's metrics at that step
 * to it), saves the model with `model_id` in MLmodel, uploads the folder to the model's artifact
 * location and finalizes it READY. Anything failing after the create finalizes it UPLOAD_FAILED
 * before the error propagates, so no PENDING model is left behind.
 */
export async function logLoggedModel<TModel>(
  client: Client,
  runId: string,
  model: TModel,
  options: LogModelOptions<TModel>,
): Promise<ModelInfo> {
  const name = modelPathOption(options);
  const step = options.step ?? 0;
  const run = await client.getRun(runId);
  const created = await client.createLoggedModel(run.info.experimentId, {
    name,
    sourceRunId: runId,
    params: run.data.params,
    tags: modelTags(run, options),
    ...(options.modelType !== undefined ? { modelType: options.modelType } : {}),
  });
  const { modelId, artifactUri } = created.info;
  const temp = await mkdtemp(join(tmpdir(), 'labbook-model-'));
  let ready: LoggedModel;
  let mlmodel: Awaited<ReturnType<typeof saveModel>>;
  try {
    await client.logOutputs(runId, [{ modelId, step }]);
    await linkRunMetrics(client, run, modelId, step);
    const { registeredModelName: _r, name: _n, artifactPath: _a, tags: _t, modelType: _m, step: _s, ...saveOptions } = options;
    const dir = join(temp, 'model');
    mlmodel = await saveModel(dir, {
      ...saveOptions,
      model,
      runId,
      artifactPath: artifactUri,
      modelId,
      plugins: options.plugins ?? client.pluginRegistry,
    });
    await uploadLocalDir(await client.artifactRepositoryFor(artifactUri), dir);
    ready = await client.finalizeLoggedModel(modelId, 'LOGGED_MODEL_READY');
  } catch (error) {
    // Awaited here, not returned: a promise returned from inside try/finally is adopted only after
    // the finally block has run, so its rejection would first be reported as unhandled.
    return await markFailed(client, modelId, error);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const modelUri = loggedModelUri(modelId);
  return modelInfoOf(client, mlmodel, { modelUri, runId, artifactPath: name, modelId, loggedModel: ready }, options.registeredModelName);
}
