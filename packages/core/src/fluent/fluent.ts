import { AsyncLocalStorage } from 'node:async_hooks';
import type { RunStatus } from '../entities/enums.js';
import type { Experiment, FileInfo, Run } from '../entities/tracking.js';
import { invalidParameter, LabbookError } from '../errors.js';
import type { TransferOptions } from '../interfaces/artifact-repository.js';
import { Client } from '../client/client.js';
import { type TagInput, stringifyValue, toKeyValues } from '../client/tag-input.js';
import { builtInRunContextProviders, resolveContextTags } from '../context/providers.js';
import { defaultPluginRegistry } from '../plugins/default-registry.js';
import { SystemTags } from '../runs/system-tags.js';
import { getRegistryUri, getTrackingUri } from '../uri/tracking-uri.js';
import { validateKey } from '../validation/keys.js';
import type { LogModelOptions, ModelInfo } from '../models/log-model.js';
import { ActiveRun } from './active-run.js';
import { MetricQueue } from './metric-queue.js';
import { startRunMonitor, stopRunMonitor } from '../system-metrics/run-monitors.js';

/** Arguments of {@link startRun}. */
export interface StartRunOptions {
  /** Resume this run instead of creating one (also read from `LABBOOK_RUN_ID` / `MLFLOW_RUN_ID`). */
  runId?: string;
  experimentId?: string;
  runName?: string;
  /** Required to start a run while another is active in this context. */
  nested?: boolean;
  /** Parent run id; must be the active run if one is active. */
  parentRunId?: string;
  tags?: TagInput;
  /** Stored as the `mlflow.note.content` tag. */
  description?: string;
  /**
   * Samples CPU, memory, disk, network (and GPU) metrics into the run until it ends. Undefined
   * follows `enableSystemMetricsLogging()` / `MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING`.
   */
  logSystemMetrics?: boolean;
}

/** Options of a fluent metric call. */
export interface LogMetricOptions {
  step?: number;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
  /** Log into this run instead of the active one. */
  runId?: string;
  /** MLflow 3: the point is also a metric of this logged model (`m-…`). */
  modelId?: string;
  /** MLflow 3: the dataset the metric was computed on (name and digest, as `logInput` recorded it). */
  dataset?: { name: string; digest: string };
}

interface RunContext {
  stack: ActiveRun[];
  implicit?: Promise<ActiveRun>;
}

const contexts = new AsyncLocalStorage<RunContext>();
const rootContext: RunContext = { stack: [] };
const readyIds = new WeakMap<ActiveRun, Promise<string>>();
const validKeys = new Set<string>();
let activeExperimentId: string | undefined;
let lastRun: ActiveRun | undefined;
let cachedClient: Client | undefined;
let exitHookInstalled = false;

function context(): RunContext {
  return contexts.getStore() ?? rootContext;
}

/** The client the fluent API uses: rebuilt when the tracking or registry URI changes. */
export function fluentClient(): Client {
  const trackingUri = getTrackingUri();
  const registryUri = getRegistryUri();
  if (!cachedClient || cachedClient.trackingUri !== trackingUri || cachedClient.registryUri !== registryUri) {
    cachedClient = new Client({ trackingUri, registryUri });
  }
  return cachedClient;
}

const queue = new MetricQueue((runId, metrics) => fluentClient().logBatch(runId, { metrics }));

function readyId(run: ActiveRun): Promise<string> {
  let p = readyIds.get(run);
  if (!p) {
    p = Promise.resolve(run.runId);
    readyIds.set(run, p);
  }
  return p;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // `beforeExit` allows async work: flush what is queued and end the runs still open, as MLflow's
  // atexit hook does. It may fire again after that work; the second time there is nothing left.
  process.on('beforeExit', () => {
    if (queue.size === 0 && rootContext.stack.length === 0 && !rootContext.implicit) {
      reportFailures(queue.takeFailures());
      return;
    }
    void (async () => {
      try {
        await queue.flush();
      } catch (error) {
        reportFailures([error]);
      }
      while (rootContext.stack.length > 0) {
        try {
          await endRun();
        } catch (error) {
          reportFailures([error]);
          rootContext.stack.pop();
        }
      }
    })();
  });
  // `process.exit()` skips `beforeExit`, and an `exit` listener cannot wait for a store: what is
  // still queued is lost. Say so on stderr (written synchronously here), rather than lose it silently.
  process.on('exit', () => {
    const lost = queue.unsettled;
    if (lost === 0) return;
    process.stderr.write(
      `[labbook] ${lost} metric point${lost === 1 ? ' was' : 's were'} logged but not stored: the process ended (process.exit() or an uncaught error) before they were sent. Await flush() or endRun() before exiting.\n`,
    );
  });
}

function reportFailures(failures: unknown[]): void {
  for (const f of failures) {
    const message = `[labbook] logging failed and the data was not stored: ${(f as Error)?.message ?? String(f)}`;
    process.emitWarning(message, { code: 'LABBOOK_LOGGING_FAILED' });
    process.exitCode ||= 1;
  }
}

async function resolveExperimentId(client: Client): Promise<string> {
  if (activeExperimentId) return activeExperimentId;
  const name = process.env.LABBOOK_EXPERIMENT_NAME ?? process.env.MLFLOW_EXPERIMENT_NAME;
  if (name) return (await getOrCreateExperiment(client, name)).experimentId;
  return process.env.LABBOOK_EXPERIMENT_ID ?? process.env.MLFLOW_EXPERIMENT_ID ?? '0';
}

async function getOrCreateExperiment(client: Client, name: string): Promise<Experiment> {
  const existing = await client.getExperimentByName(name);
  if (existing) return existing;
  try {
    return await client.getExperiment(await client.createExperiment(name));
  } catch (error) {
    // Another process created it first: use theirs.
    if (LabbookError.is(error) && error.code === 'RESOURCE_ALREADY_EXISTS') {
      const created = await client.getExperimentByName(name);
      if (created) return created;
    }
    throw error;
  }
}

/**
 * Sets the experiment new runs go into, by name (created when missing) or by id. A deleted
 * experiment is refused.
 */
export async function setExperiment(nameOrOptions: string | { experimentName?: string; experimentId?: string }): Promise<Experiment> {
  const opts = typeof nameOrOptions === 'string' ? { experimentName: nameOrOptions } : nameOrOptions;
  if ((opts.experimentName === undefined) === (opts.experimentId === undefined)) {
    throw invalidParameter('Must specify exactly one of: `experimentId` or `experimentName`.', { field: 'experiment_name' });
  }
  const client = fluentClient();
  const experiment = opts.experimentId
    ? await client.getExperiment(opts.experimentId)
    : await getOrCreateExperiment(client, opts.experimentName!);
  if (experiment.lifecycleStage === 'deleted') {
    throw invalidParameter(
      `Cannot set a deleted experiment '${experiment.name}' as the active experiment. You can restore the experiment, or permanently delete the experiment to create a new one.`,
      { field: opts.experimentId ? 'experiment_id' : 'experiment_name' },
    );
  }
  activeExperimentId = experiment.experimentId;
  return experiment;
}

/**
 * Starts (or resumes) a run and makes it the active run of the current async context. A run already
 * active here is an error unless `nested` is set. Context tags (user, source, git, host, CI,
 * `LABBOOK_RUN_CONTEXT`) are added to new runs; `tags` override them.
 */
export async function startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
  const ctx = context();
  const active = ctx.stack[ctx.stack.length - 1];
  if (active && !options.nested && !options.parentRunId) {
    throw invalidParameter(
      `Run with UUID ${active.runId} is already active. To start a new run, first end the current run with endRun(). To start a nested run, call startRun with nested: true.`,
      { field: 'nested' },
    );
  }
  if (active && options.parentRunId && options.parentRunId !== active.runId) {
    throw invalidParameter(
      `Current run with UUID ${active.runId} does not match the specified parent_run_id ${options.parentRunId}. To start a new nested run under the parent run with UUID ${active.runId}, first end the current run with endRun().`,
      { field: 'parent_run_id' },
    );
  }
  const client = fluentClient();
  const envRunId = process.env.LABBOOK_RUN_ID ?? process.env.MLFLOW_RUN_ID;
  const resumeId = options.runId ?? envRunId;
  let run: Run;
  if (resumeId) {
    // The environment variable is consumed, as MLflow does, so a later run starts fresh.
    if (!options.runId) {
      delete process.env.LABBOOK_RUN_ID;
      delete process.env.MLFLOW_RUN_ID;
    }
    const existing = await client.getRun(resumeId);
    if (existing.info.lifecycleStage === 'deleted') {
      throw invalidParameter(`Cannot start run with ID ${resumeId} because it is in the deleted state.`, { field: 'run_id' });
    }
    await client.updateRun(resumeId, { status: 'RUNNING', ...(options.runName ? { name: options.runName } : {}) });
    const tags = toKeyValues(options.tags);
    if (tags.length > 0) await client.logBatch(resumeId, { tags });
    run = await client.getRun(resumeId);
  } else {
    const userTags = toKeyValues(options.tags);
    if (options.description !== undefined && userTags.some((t) => t.key === SystemTags.NOTE)) {
      throw invalidParameter(
        `Description is already set via the tag ${SystemTags.NOTE} in tags. Remove the key from tags or omit description.`,
        {
          field: 'description',
        },
      );
    }
    const providers = [...builtInRunContextProviders, ...(await defaultPluginRegistry.runContextProviders())];
    const tags: Record<string, string> = await resolveContextTags(providers);
    for (const t of userTags) tags[t.key] = t.value;
    const parentId = options.parentRunId ?? (options.nested ? active?.runId : undefined);
    if (parentId) tags[SystemTags.PARENT_RUN_ID] = parentId;
    if (options.description !== undefined) tags[SystemTags.NOTE] = options.description;
    const experimentId = options.experimentId ?? (await resolveExperimentId(client));
    run = await client.createRun(experimentId, { tags, ...(options.runName !== undefined ? { runName: options.runName } : {}) });
  }
  const activeRun = new ActiveRun(run);
  startRunMonitor(run, options.logSystemMetrics, (runId, metrics) => fluentClient().logBatch(runId, { metrics }));
  ctx.stack.push(activeRun);
  lastRun = activeRun;
  installExitHook();
  return activeRun;
}

/**
 * Ends the active run of this context: waits for its queued metrics, then sets its status (default
 * FINISHED) and end time. Without an active run it does nothing. Rethrows logging failures.
 */
export async function endRun(status: RunStatus = 'FINISHED'): Promise<void> {
  const ctx = context();
  if (ctx.implicit && ctx.stack.length === 0) await ctx.implicit.catch(() => undefined);
  const run = ctx.stack[ctx.stack.length - 1];
  if (!run) return;
  let failure: unknown;
  // Stopped first, so no system metric lands on the run after its end time.
  await stopRunMonitor(run.runId);
  try {
    await queue.flush(run);
    if (ctx.implicit) await queue.flush(ctx.implicit);
  } catch (error) {
    failure = error;
  }
  ctx.stack.pop();
  if (ctx.stack.length === 0) delete ctx.implicit;
  await fluentClient().setTerminated(run.runId, failure ? 'FAILED' : status);
  if (failure) throw failure;
}

/** The active run of the current async context, or `null`. */
export function activeRun(): ActiveRun | null {
  const ctx = context();
  return ctx.stack[ctx.stack.length - 1] ?? null;
}

/** The run most recently started in this process, or `null`. */
export function lastActiveRun(): ActiveRun | null {
  return lastRun ?? null;
}

/**
 * Runs `fn` inside its own run, in its own async context: concurrent `withRun` calls never log into
 * each other's runs. The run ends FINISHED when `fn` returns, FAILED when it throws (and the error is
 * rethrown). Inside another run it starts a nested run.
 */
export function withRun<T>(fn: (run: ActiveRun) => T | Promise<T>, options: StartRunOptions = {}): Promise<T> {
  const parent = context();
  const own: RunContext = { stack: [...parent.stack] };
  return contexts.run(own, async () => {
    const run = await startRun({ ...(own.stack.length > 0 ? { nested: true } : {}), ...options });
    let result: T;
    try {
      result = await fn(run);
    } catch (error) {
      await endRun('FAILED').catch(() => undefined);
      throw error;
    }
    await endRun('FINISHED');
    return result;
  });
}

interface RunTarget {
  key: unknown;
  id: Promise<string>;
}

// The run a fluent call logs into: explicit, active, or one started implicitly (as MLflow does).
function target(runId: string | undefined): RunTarget {
  if (runId) return { key: runId, id: Promise.resolve(runId) };
  const ctx = context();
  const active = ctx.stack[ctx.stack.length - 1];
  if (active) return { key: active, id: readyId(active) };
  ctx.implicit ??= startRun();
  const implicit = ctx.implicit;
  implicit.catch(() => undefined);
  return { key: implicit, id: implicit.then((r) => r.runId) };
}

async function targetRunId(runId?: string): Promise<string> {
  return target(runId).id;
}

/**
 * The run id a fluent call without an explicit run logs into (starting a run implicitly when none is
 * active, as the built-in calls do). For fluent functions defined outside this file.
 * @internal
 */
export function resolveFluentRunId(runId?: string): Promise<string> {
  return targetRunId(runId);
}

/**
 * The experiment the fluent API works in: the one set by `setExperiment`, else the environment's,
 * else the default experiment `0`.
 * @internal
 */
export function resolveFluentExperimentId(): Promise<string> {
  return resolveExperimentId(fluentClient());
}

function checkMetricKey(key: string): void {
  if (validKeys.has(key)) return;
  validateKey(key, 'metric', 'key');
  if (validKeys.size < 10000) validKeys.add(key);
}

/**
 * Logs a metric point without waiting for the store: the point is queued and sent in a batch.
 * `flush()` or `endRun()` wait for it; failures surface there (or as a warning at exit).
 */
export function logMetric(key: string, value: number, options: LogMetricOptions = {}): void {
  checkMetricKey(key);
  if (typeof value !== 'number') {
    throw invalidParameter(`Got invalid value ${JSON.stringify(value)} for metric '${key}'. Please specify value as a number.`, {
      field: 'value',
    });
  }
  const t = target(options.runId);
  queue.push(t.key, t.id, {
    key,
    value,
    timestamp: options.timestamp ?? Date.now(),
    step: options.step ?? 0,
    ...(options.modelId !== undefined ? { modelId: options.modelId } : {}),
    ...(options.dataset ? { datasetName: options.dataset.name, datasetDigest: options.dataset.digest } : {}),
  });
}

/** Logs several metrics sharing one timestamp (and step). */
export function logMetrics(metrics: Record<string, number>, options: LogMetricOptions = {}): void {
  const timestamp = options.timestamp ?? Date.now();
  for (const [key, value] of Object.entries(metrics)) logMetric(key, value, { ...options, timestamp });
}

/** Waits until every queued metric has been stored; rethrows failures since the last flush. */
export function flush(): Promise<void> {
  return queue.flush();
}

/** Logs a param (stringified) into the active run. Params are immutable. */
export async function logParam(key: string, value: unknown, options: { runId?: string } = {}): Promise<string> {
  return fluentClient().logParam(await targetRunId(options.runId), key, value);
}

/** Logs several params in batches within MLflow's limits. */
export async function logParams(params: Record<string, unknown>, options: { runId?: string } = {}): Promise<void> {
  await fluentClient().logBatch(await targetRunId(options.runId), {
    params: Object.entries(params).map(([key, value]) => ({ key, value: stringifyValue(value) })),
  });
}

/** Sets a tag on the active run. */
export async function setTag(key: string, value: unknown, options: { runId?: string } = {}): Promise<void> {
  return fluentClient().setTag(await targetRunId(options.runId), key, value);
}

/** Sets several tags on the active run. */
export async function setTags(tags: Record<string, unknown>, options: { runId?: string } = {}): Promise<void> {
  await fluentClient().logBatch(await targetRunId(options.runId), { tags: toKeyValues(tags) });
}

/** Removes a tag from the active run. */
export async function deleteTag(key: string, options: { runId?: string } = {}): Promise<void> {
  return fluentClient().deleteTag(await targetRunId(options.runId), key);
}

/** Uploads a local file into the active run's artifacts. */
export async function logArtifact(
  localPath: string,
  artifactPath?: string,
  options?: TransferOptions & { runId?: string },
): Promise<string> {
  return fluentClient().logArtifact(await targetRunId(options?.runId), localPath, artifactPath, options);
}

/** Uploads a local folder into the active run's artifacts. */
export async function logArtifacts(
  localDir: string,
  artifactPath?: string,
  options?: { runId?: string; concurrency?: number },
): Promise<string[]> {
  return fluentClient().logArtifacts(await targetRunId(options?.runId), localDir, artifactPath, options);
}

/** Writes text as an artifact of the active run. */
export async function logText(text: string, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
  return fluentClient().logText(await targetRunId(options.runId), text, artifactFile);
}

/** Writes an object as a JSON (or YAML, by extension) artifact of the active run. */
export async function logDict(dictionary: unknown, artifactFile: string, options: { runId?: string } = {}): Promise<void> {
  return fluentClient().logDict(await targetRunId(options.runId), dictionary, artifactFile);
}

/** Lists the active run's artifacts. */
export async function listArtifacts(path?: string, options: { runId?: string } = {}): Promise<FileInfo[]> {
  return fluentClient().listArtifacts(await targetRunId(options.runId), path);
}

/** The artifact URI of the active run (or of a path inside it). */
export async function getArtifactUri(artifactPath?: string, options: { runId?: string } = {}): Promise<string> {
  return fluentClient().getArtifactUri(await targetRunId(options.runId), artifactPath);
}

/** Forgets the active experiment and the runs of the root context (for tests and long-lived hosts). */
export function resetFluentState(): void {
  activeExperimentId = undefined;
  rootContext.stack.length = 0;
  delete rootContext.implicit;
  lastRun = undefined;
  cachedClient = undefined;
}

/**
 * Logs a model into the active run (started implicitly if none is), as MLflow's
 * `mlflow.<flavor>.log_model`: see `Client.logModel`. Queued metrics are sent first, so a logged
 * model (MLflow 3) is linked to the metrics logged before it at its step.
 *
 * ```ts
 * const info = await logModel('./predict.mjs', { flavor: 'js_function', name: 'scorer', inputExample: [{ x: 1 }] });
 * const model = await loadModel(info.modelUri);
 * ```
 */
export async function logModel<TModel>(model: TModel, options: LogModelOptions<TModel> & { runId?: string }): Promise<ModelInfo> {
  const { runId, ...rest } = options;
  const id = await targetRunId(runId);
  await queue.flush();
  return fluentClient().logModel(id, model, rest);
}
