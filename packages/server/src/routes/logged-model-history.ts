import { LabbookError, type GuardedTrackingStore } from '@labbook/core';

/** The run tag MLflow appends each logged model's JSON to. */
export const LOGGED_MODEL_HISTORY_TAG = 'mlflow.log-model.history';
const REQUIRED_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'] as const;

/**
 * `runs/log-model`: checks the model JSON as MLflow does and appends it to the run's
 * `mlflow.log-model.history` tag (a JSON list).
 */
export async function recordLoggedModel(store: GuardedTrackingStore, runId: string, modelJson: string): Promise<void> {
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {
    model = undefined;
  }
  // MLflow's texts; it also refuses a JSON value that is not an object as not valid.
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    throw new LabbookError('INVALID_PARAMETER_VALUE', `Malformed model info. \n ${modelJson.slice(0, 1000)} \n is not a valid JSON.`, {
      field: 'model_json',
    });
  }
  const absent = REQUIRED_FIELDS.filter((f) => !(f in model));
  if (absent.length > 0) {
    // Python prints the missing names as a set: {'flavors', 'run_id'}.
    const names = absent.map((f) => `'${f}'`).join(', ');
    throw new LabbookError('INVALID_PARAMETER_VALUE', `Model json is missing mandatory fields: {${names}}`, { field: 'model_json' });
  }
  const run = await store.getRun(runId);
  const current = run.data.tags.find((t) => t.key === LOGGED_MODEL_HISTORY_TAG)?.value;
  let history: unknown[] = [];
  if (current) {
    try {
      const parsed = JSON.parse(current);
      if (Array.isArray(parsed)) history = parsed;
    } catch {
      // A tag someone else wrote badly is replaced rather than blocking the log.
    }
  }
  history.push(model);
  await store.logBatch(runId, { tags: [{ key: LOGGED_MODEL_HISTORY_TAG, value: JSON.stringify(history) }] });
}
