import type { Writable } from 'node:stream';
import type { ProjectInvocation } from './parameters.js';
import type { ProjectSpec } from './project-spec.js';

/**
 * A project ready to start, before any run exists: what a backend checks in
 * {@link ProjectBackend.prepare} (its configuration, the image, the Node version) so that a
 * problem surfaces before a run is created.
 */
export interface ProjectPlan {
  project: ProjectSpec;
  /** The entry point with its checked parameters and rendered command. */
  invocation: ProjectInvocation;
  /**
   * The whole shell command to run in the project folder: the `node_env` install step (if any)
   * then the entry point's command. Backends run this, not `invocation.command`.
   */
  command: string;
  /** Install step of `node_env`, already part of {@link command}; a backend that copies the project elsewhere may need it. */
  setupCommand?: string;
  /** `-c/--backend-config`, as parsed JSON. */
  backendConfig: Readonly<Record<string, unknown>>;
  /** `--env-manager` (`local` unless the caller asked otherwise). */
  envManager: string;
}

/** A run to start: the plan, the run it logs into, and where its output goes. */
export interface ProjectLaunch extends ProjectPlan {
  runId: string;
  experimentId: string;
  /** The tracking URI, absolute (a relative file store path would break in the project folder). */
  trackingUri: string;
  /** The run's artifact URI, so a backend can make a local artifact root reachable. */
  artifactUri?: string;
  /**
   * The variables the command must see on top of the parent's environment: `MLFLOW_RUN_ID`,
   * `MLFLOW_TRACKING_URI`, `MLFLOW_EXPERIMENT_ID` and their `LABBOOK_` twins, so labbook and MLflow's
   * own clients inside the command log into this run.
   */
  env: Readonly<Record<string, string>>;
  /** Where the command's output is streamed. */
  stdout: Writable;
  stderr: Writable;
  /** Sets tags on the run (`mlflow.docker.image.uri`, …). */
  setTags(tags: Record<string, string>): Promise<void>;
}

/** How a started command ended. */
export interface ProjectExitResult {
  /** The exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when {@link ProjectExecution.cancel} ended it. */
  cancelled: boolean;
}

/** A started command, as a backend reports it. Core turns it into run status. */
export interface ProjectExecution {
  /** The process id on this machine, when there is one (the local backend's process group leader). */
  readonly pid?: number;
  /** Resolves once the command has ended (never rejects for a non-zero exit). */
  wait(): Promise<ProjectExitResult>;
  /**
   * Stops the command and everything it started; resolves once nothing of it is left running. A
   * no-op once it has ended.
   */
  cancel(): Promise<void>;
}

/**
 * The fifth plugin interface, MLflow's `AbstractBackend`: where and how a project's command runs.
 * Core does everything around it: fetching the project, validating parameters, creating the run,
 * tags, params and the final status. `local` is built in; plugins add more with
 * `definePlugin({ projectBackends: { name: factory } })`, announced as
 * `"labbook": { "projectBackends": ["name"] }` in their package.json.
 */
export interface ProjectBackend {
  /** The `--backend` name (`local`, `docker`), written to `mlflow.project.backend`. */
  readonly name: string;
  /**
   * The `mlflow.project.env` value for this plan (`docker`, `node`), or undefined to set none, as
   * MLflow's local backend does for a bare environment.
   */
  projectEnv?(plan: ProjectPlan): string | undefined;
  /** Checks what can fail before a run exists; throw a LabbookError that says what to fix. */
  prepare?(plan: ProjectPlan): Promise<void>;
  /** Starts the command and returns at once; the returned execution reports its end. */
  run(launch: ProjectLaunch): Promise<ProjectExecution>;
}

/** Builds a backend; the argument is `-c/--backend-config`. */
export type ProjectBackendFactory = (config: Readonly<Record<string, unknown>>) => ProjectBackend | Promise<ProjectBackend>;
