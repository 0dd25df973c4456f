/** The parameter types of an MLproject entry point. Only `path` and `uri` change how a value is treated. */
export type ProjectParameterType = 'string' | 'float' | 'int' | 'path' | 'uri';

/** One declared parameter of an entry point. */
export interface ProjectParameterSpec {
  name: string;
  type: ProjectParameterType;
  /** The default as text (as Python's `str()` of the YAML value would print it); absent: required. */
  default?: string;
}

/** One entry point: its parameters (in declaration order) and its command template. */
export interface EntryPointSpec {
  name: string;
  parameters: ProjectParameterSpec[];
  /** The command with `{name}` placeholders (Python `str.format` syntax: `{{`/`}}` are literal braces). */
  command: string;
}

/** `docker_env` of an MLproject file. */
export interface DockerEnvSpec {
  image: string;
  /** `host:container` mounts. */
  volumes: string[];
  /** A name copied from the host environment, or a `[name, value]` pair. */
  environment: Array<string | [string, string]>;
}

/**
 * `node_env`: labbook's extension of the MLproject schema for JavaScript projects (MLflow ignores keys
 * it does not know, so the file stays valid for `mlflow run`).
 */
export interface NodeEnvSpec {
  /** A semver range the `node` on PATH must satisfy (`>=20`, `^20.11 || ^22`). */
  node?: string;
  /** Install dependencies before the command: `npm` (`npm ci`), `pnpm` (`pnpm install --frozen-lockfile`), or none. */
  install?: 'npm' | 'pnpm';
}

/** A project as labbook reads it: from its MLproject file, or implied by a folder without one. */
export interface ProjectSpec {
  /** The project's `name`, if the file gives one. */
  name?: string;
  /** Absolute path of the project folder (the `#subdirectory` when one was given). */
  dir: string;
  /** Absolute path of the MLproject file; absent when the folder has none. */
  file?: string;
  entryPoints: Record<string, EntryPointSpec>;
  dockerEnv?: DockerEnvSpec;
  /** Path of the `python_env` YAML file (relative to the project). */
  pythonEnv?: string;
  /** Path of the `conda_env` YAML file (relative to the project). */
  condaEnv?: string;
  nodeEnv?: NodeEnvSpec;
}
