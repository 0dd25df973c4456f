import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { Client } from '../client/client.js';
import { userContext } from '../context/providers.js';
import { invalidParameter } from '../errors.js';
import { activeRun } from '../fluent/fluent.js';
import { defaultPluginRegistry } from '../plugins/default-registry.js';
import { findPackageRoot } from '../plugins/discovery.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { SystemTags } from '../runs/system-tags.js';
import { parseBackendConfig } from './backend-config.js';
import { builtInProjectBackendsPlugin } from './built-in-backends.js';
import { resolveEntryPoint } from './entry-point.js';
import { loadProjectSpec } from './mlproject-file.js';
import { nodeEnvSetupCommand } from './node-env.js';
import { resolveInvocation } from './parameters.js';
import type { ProjectBackend, ProjectExecution, ProjectLaunch, ProjectPlan } from './project-backend.js';
import { fetchProject, type ProjectSource } from './project-source.js';
import { ProjectTags } from './project-tags.js';
import { ProjectRunFailedError, type SubmittedProjectRun, trackExecution } from './submitted-run.js';

/** Options of {@link runProject}, as `mlflow.projects.run` takes them. */
export interface RunProjectOptions {
  /** Entry point name or script path (default `main`). */
  entryPoint?: string;
  /** `-P key=value`: values are stringified. */
  parameters?: Readonly<Record<string, string | number | boolean>>;
  /** Git commit, branch or tag (`--version`). */
  version?: string;
  /** Experiment to log into, created if missing (default: `MLFLOW_EXPERIMENT_NAME`). Not with `experimentId`. */
  experimentName?: string;
  /** Experiment id (default: `LABBOOK_EXPERIMENT_ID`, `MLFLOW_EXPERIMENT_ID`, then `0`). */
  experimentId?: string;
  runName?: string;
  /** Log into this existing run instead of creating one. */
  runId?: string;
  /** Backend name (`local`, `docker`, or one a plugin provides) or a backend object. Default: `docker` for docker_env projects, else `local`. */
  backend?: string | ProjectBackend;
  /** `-c`: an object, inline JSON, or the path of a `.json` file. */
  backendConfig?: string | Readonly<Record<string, unknown>>;
  /** Only `local` (run in the current environment) is supported. */
  envManager?: string;
  /** Wait for the end (default true); a run that does not finish then throws {@link ProjectRunFailedError}. */
  synchronous?: boolean;
  /** Tracking URI when no `client` is given. */
  trackingUri?: string;
  client?: Client;
  /** Registry to find backends in (default: the process-wide one). */
  plugins?: PluginRegistry;
  /** Folder for temporary clones (default: `MLFLOW_TMP_DIR`, then the OS temp folder). */
  storageDir?: string;
  /** Where the command's output goes (default: this process's stdout/stderr). */
  stdout?: Writable;
  stderr?: Writable;
}

const ENV_MANAGERS_NOT_SUPPORTED = ['virtualenv', 'uv', 'conda'];

function absoluteTrackingUri(uri: string): string {
  // The command runs in the project folder: a relative file store path would point elsewhere there.
  return /^[A-Za-z][A-Za-z0-9+.-]+:/.test(uri) || isAbsolute(uri) ? uri : resolve(uri);
}

/**
 * The folder whose dependencies the child should search for plugins. A cloned project has no
 * package.json of its own, and its labbook would then not find the store plugin (`file`) the parent
 * uses; the parent's application root (the `labbook` CLI's package, else the cwd's) is passed on.
 */
function appRootForChild(): string | undefined {
  if (process.env.LABBOOK_APP_ROOT) return process.env.LABBOOK_APP_ROOT;
  const script = process.argv[1] ? findPackageRoot(dirname(resolve(process.argv[1]))) : undefined;
  if (script) {
    try {
      if ((JSON.parse(readFileSync(join(script, 'package.json'), 'utf8')) as { name?: string }).name === 'labbook') return script;
    } catch {
      // Unreadable package.json: fall through to the cwd.
    }
  }
  return findPackageRoot(process.cwd()) ?? script;
}

async function resolveExperimentId(client: Client, options: RunProjectOptions): Promise<string> {
  const env = process.env;
  const name =
    options.experimentName ??
    (options.experimentId === undefined ? (env.LABBOOK_EXPERIMENT_NAME ?? env.MLFLOW_EXPERIMENT_NAME) : undefined);
  if (name !== undefined) {
    const found = await client.getExperimentByName(name);
    if (found && found.lifecycleStage === 'deleted') {
      throw invalidParameter(`Experiment '${name}' is deleted; restore it or pick another name.`, { field: 'experiment_name' });
    }
    return found ? found.experimentId : client.createExperiment(name);
  }
  const id = options.experimentId ?? env.LABBOOK_EXPERIMENT_ID ?? env.MLFLOW_EXPERIMENT_ID ?? '0';
  await client.getExperiment(id);
  return id;
}

function stringParams(params: RunProjectOptions['parameters']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = String(v);
  return out;
}

/**
 * Runs an MLflow project (`mlflow.projects.run`): a local folder or git repository with an MLproject
 * file, or a script entry point. Everything that can be wrong (URI, entry point, parameters, backend,
 * its configuration) is checked before a run exists. Then the run is created with MLflow's project
 * tags and parameters, and the backend starts the command with `MLFLOW_RUN_ID`,
 * `MLFLOW_TRACKING_URI` and `MLFLOW_EXPERIMENT_ID` set so that labbook and MLflow clients inside it
 * log into that run. The run ends FINISHED, FAILED (exit code in `labbook.project.exitCode`) or,
 * after `cancel()`, KILLED.
 *
 * @param uri - folder path, `file://` URL or git URL, optionally `#subdirectory`
 * @returns the submitted run; with `synchronous` (the default) once it has ended
 */
export async function runProject(uri: string, options: RunProjectOptions = {}): Promise<SubmittedProjectRun> {
  if (options.experimentId !== undefined && options.experimentName !== undefined) {
    throw invalidParameter('Specify only one of experimentName (--experiment-name) and experimentId (--experiment-id).', {
      field: 'experiment_id',
    });
  }
  const envManager = options.envManager ?? 'local';
  if (envManager !== 'local') {
    const why = ENV_MANAGERS_NOT_SUPPORTED.includes(envManager)
      ? `labbook does not create ${envManager} environments; it runs commands in the current environment`
      : `unknown environment manager '${envManager}'`;
    throw invalidParameter(`--env-manager ${envManager}: ${why}. Use --env-manager local, or a docker_env project with -b docker.`, {
      field: 'env_manager',
    });
  }
  const backendConfig = parseBackendConfig(options.backendConfig);
  const registry = options.plugins ?? defaultPluginRegistry;
  const source = await fetchProject(uri, {
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.storageDir ? { storageDir: options.storageDir } : {}),
  });
  const ownClient = options.client === undefined;
  const client = options.client ?? new Client(options.trackingUri !== undefined ? { trackingUri: options.trackingUri } : {});
  let started = false;
  try {
    const project = loadProjectSpec(source.dir);
    const entryPoint = resolveEntryPoint(project, options.entryPoint ?? 'main');
    const invocation = resolveInvocation(entryPoint, stringParams(options.parameters), project.dir);
    const setupCommand = nodeEnvSetupCommand(project.nodeEnv);
    const backend: ProjectBackend =
      typeof options.backend === 'object'
        ? options.backend
        : await findBackend(registry, options.backend ?? (project.dockerEnv ? 'docker' : 'local'), backendConfig);
    const plan: ProjectPlan = {
      project,
      invocation,
      command: [setupCommand, invocation.command].filter(Boolean).join(' && '),
      ...(setupCommand ? { setupCommand } : {}),
      backendConfig,
      envManager,
    };
    await backend.prepare?.(plan);
    const experimentId = options.runId
      ? (await client.getRun(options.runId)).info.experimentId
      : await resolveExperimentId(client, options);
    const runId = await createProjectRun(client, source, plan, backend, experimentId, options);
    const run = await client.getRun(runId);
    const trackingUri = absoluteTrackingUri(client.trackingUri);
    const env = {
      MLFLOW_RUN_ID: runId,
      MLFLOW_TRACKING_URI: trackingUri,
      MLFLOW_EXPERIMENT_ID: experimentId,
      LABBOOK_RUN_ID: runId,
      LABBOOK_TRACKING_URI: trackingUri,
      LABBOOK_EXPERIMENT_ID: experimentId,
    };
    const appRoot = appRootForChild();
    if (appRoot) Object.assign(env, { LABBOOK_APP_ROOT: appRoot });
    const launch: ProjectLaunch = {
      ...plan,
      runId,
      experimentId,
      trackingUri,
      ...(run.info.artifactUri ? { artifactUri: run.info.artifactUri } : {}),
      env,
      stdout: options.stdout ?? process.stdout,
      stderr: options.stderr ?? process.stderr,
      setTags: (tags) => client.logBatch(runId, { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) }),
    };
    let execution: ProjectExecution;
    try {
      execution = await backend.run(launch);
    } catch (error) {
      // The run exists now: it must not stay RUNNING for a command that never started.
      await client.setTag(runId, 'labbook.project.error', (error as Error).message.slice(0, 5000)).catch(() => {});
      await client.setTerminated(runId, 'FAILED').catch(() => {});
      throw error;
    }
    started = true;
    const submitted = trackExecution({
      runId,
      experimentId,
      execution,
      async finalize(exit, wanted) {
        const tags: { key: string; value: string }[] = [{ key: ProjectTags.EXIT_CODE, value: String(exit.exitCode ?? '') }];
        if (exit.signal) tags.push({ key: ProjectTags.EXIT_SIGNAL, value: exit.signal });
        await client.logBatch(runId, { tags });
        const current = (await client.getRun(runId)).info.status;
        // As MLflow: a command that ended its run itself keeps that status; a cancel always wins.
        if (current !== 'RUNNING' && current !== 'SCHEDULED' && !exit.cancelled) return current;
        await client.setTerminated(runId, wanted);
        return wanted;
      },
      async cleanup() {
        await source.cleanup();
        if (ownClient) await client.close();
      },
    });
    if (options.synchronous === false) return submitted;
    if (!(await submitted.wait())) throw new ProjectRunFailedError(runId, submitted.getStatus(), submitted.exit);
    return submitted;
  } finally {
    if (!started) {
      await source.cleanup();
      if (ownClient) await client.close();
    }
  }
}

// A registry made for one app (`new PluginRegistry({ roots })`) has no built-ins registered: core's
// own backends are still there for it, after anything it provides.
async function findBackend(registry: PluginRegistry, name: string, config: Readonly<Record<string, unknown>>): Promise<ProjectBackend> {
  try {
    return await registry.projectBackend(name, config);
  } catch (error) {
    const builtIn = builtInProjectBackendsPlugin.projectBackends?.[name.toLowerCase()];
    if (builtIn) return builtIn(config);
    throw error;
  }
}

async function createProjectRun(
  client: Client,
  source: ProjectSource,
  plan: ProjectPlan,
  backend: ProjectBackend,
  experimentId: string,
  options: RunProjectOptions,
): Promise<string> {
  const tags: Record<string, string> = {
    ...(await userContext.tags()),
    [SystemTags.SOURCE_NAME]: source.sourceName,
    [SystemTags.SOURCE_TYPE]: ProjectTags.SOURCE_TYPE_PROJECT,
    [ProjectTags.ENTRY_POINT]: plan.invocation.entryPoint.name,
  };
  if (source.gitCommit) tags[SystemTags.GIT_COMMIT] = source.gitCommit;
  if (source.gitRepoUrl) {
    tags[SystemTags.GIT_REPO_URL] = source.gitRepoUrl;
    tags[ProjectTags.LEGACY_GIT_REPO_URL] = source.gitRepoUrl;
  }
  if (source.gitBranch) {
    tags[SystemTags.GIT_BRANCH] = source.gitBranch;
    tags[ProjectTags.LEGACY_GIT_BRANCH] = source.gitBranch;
  }
  const parent = activeRun();
  if (parent) tags[SystemTags.PARENT_RUN_ID] = parent.runId;
  let runId: string;
  if (options.runId) {
    runId = options.runId;
    await client.logBatch(runId, { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
  } else {
    const run = await client.createRun(experimentId, { tags, ...(options.runName !== undefined ? { runName: options.runName } : {}) });
    runId = run.info.runId;
  }
  const later: { key: string; value: string }[] = [{ key: ProjectTags.BACKEND, value: backend.name }];
  const env = backend.projectEnv?.(plan);
  if (env) later.push({ key: ProjectTags.ENV, value: env });
  try {
    await client.logBatch(runId, { params: plan.invocation.loggedParams, tags: later });
  } catch (error) {
    await client.setTerminated(runId, 'FAILED').catch(() => {});
    throw error;
  }
  return runId;
}
