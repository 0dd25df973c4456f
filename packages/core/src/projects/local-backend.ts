import type { ProjectBackend, ProjectPlan } from './project-backend.js';
import { checkNodeVersion } from './node-env.js';
import { spawnProcessGroup } from './process-group.js';

/** Options of the `local` backend, from `-c/--backend-config`. */
export interface LocalBackendConfig {
  /** How long cancelling waits after SIGTERM before SIGKILL (`kill_timeout_ms`); default 5000. */
  kill_timeout_ms?: number;
}

/**
 * The built-in `local` backend: runs the command with `bash -c` in the project folder, in the current
 * environment, as MLflow's local backend does with `--env-manager local`. The command leads its own
 * process group, so cancelling stops everything it started.
 */
export function localProjectBackend(config: Readonly<Record<string, unknown>> = {}): ProjectBackend {
  const killTimeoutMs = typeof config.kill_timeout_ms === 'number' ? config.kill_timeout_ms : undefined;
  return {
    name: 'local',
    projectEnv: (plan: ProjectPlan) => (plan.project.nodeEnv ? 'node' : undefined),
    async prepare(plan) {
      checkNodeVersion(plan.project.nodeEnv, plan.project.dir);
    },
    async run(launch) {
      if (launch.project.dockerEnv) {
        launch.stderr.write(
          `[labbook] the project declares docker_env (${launch.project.dockerEnv.image}) but runs with -b local, on this machine; use -b docker to run it in the image\n`,
        );
      }
      return spawnProcessGroup('bash', ['-c', launch.command], {
        cwd: launch.project.dir,
        env: { ...process.env, ...launch.env },
        stdout: launch.stdout,
        stderr: launch.stderr,
        ...(killTimeoutMs !== undefined ? { killTimeoutMs } : {}),
      });
    },
  };
}
