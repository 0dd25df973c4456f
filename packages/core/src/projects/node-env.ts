import { execFileSync } from 'node:child_process';
import { LabbookError } from '../errors.js';
import { satisfiesNodeRange } from './node-version.js';
import type { NodeEnvSpec } from './project-spec.js';

/** The shell step that installs a `node_env` project's dependencies, or undefined when it asks for none. */
export function nodeEnvSetupCommand(env: NodeEnvSpec | undefined): string | undefined {
  if (env?.install === 'npm') return 'npm ci';
  if (env?.install === 'pnpm') return 'pnpm install --frozen-lockfile';
  return undefined;
}

/**
 * Checks that the `node` the command will run (the first on PATH, in the project folder) satisfies
 * `node_env.node`, so a wrong Node fails before a run is created rather than halfway through.
 */
export function checkNodeVersion(env: NodeEnvSpec | undefined, cwd: string, pathEnv: NodeJS.ProcessEnv = process.env): void {
  if (!env?.node) return;
  let version: string;
  try {
    version = execFileSync('node', ['--version'], { cwd, env: pathEnv, encoding: 'utf8' }).trim();
  } catch (error) {
    throw new LabbookError(
      'INVALID_STATE',
      `node_env asks for Node ${env.node}, but no node could be run: ${(error as Error).message}. Install Node or fix PATH.`,
      {
        field: 'node_env.node',
      },
    );
  }
  const ok = satisfiesNodeRange(version, env.node);
  if (ok === undefined) {
    throw new LabbookError(
      'INVALID_PARAMETER_VALUE',
      `node_env.node '${env.node}' is not a version range labbook can read; write e.g. ">=20", "^20.11 || ^22" or "20.x".`,
      {
        field: 'node_env.node',
      },
    );
  }
  if (!ok) {
    throw new LabbookError(
      'INVALID_STATE',
      `The project needs Node ${env.node} (node_env.node) but node on PATH is ${version}. Switch Node versions (nvm, volta, fnm) and run again.`,
      {
        field: 'node_env.node',
      },
    );
  }
}
