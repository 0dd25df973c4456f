import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabbookError } from '../errors.js';
import { localPathIfLocal } from '../uri/local-path.js';
import { docker, dockerUnavailableReason } from './docker-cli.js';
import { spawnProcessGroup } from './process-group.js';
import type { ProjectBackend, ProjectLaunch, ProjectPlan } from './project-backend.js';

/** Where the project is inside the container, as MLflow puts it. */
export const CONTAINER_PROJECT_DIR = '/mlflow/projects/code';

/** `-c/--backend-config` keys of the `docker` backend. */
export interface DockerBackendConfig {
  /** Build an image FROM docker_env.image with the project copied in, instead of mounting it (`--build-image`). */
  build_image?: boolean;
  /** Extra `docker run` flags, MLflow's `-A name[=value]`: `{ "gpus": "all", "privileged": true }`. */
  docker_args?: Record<string, string | boolean>;
  kill_timeout_ms?: number;
}

// A server on the host's loopback is reached from a container through the host gateway.
function containerTrackingUri(uri: string): { uri: string; hostGateway: boolean } {
  const m = /^(https?:\/\/)(localhost|127\.0\.0\.1|\[::1\])([:/]|$)/.exec(uri);
  return m ? { uri: uri.replace(m[2]!, 'host.docker.internal'), hostGateway: true } : { uri, hostGateway: false };
}

/**
 * The built-in `docker` backend: runs the entry point in the project's `docker_env` image (pulled if
 * missing, or built FROM it with `build_image`), the project at `/mlflow/projects/code`, with the
 * tracking store and artifact root reachable (local folders mounted at the same path, a server on
 * localhost through `host.docker.internal`). Needs a Docker daemon; without one it fails before a
 * run is created.
 */
export function dockerProjectBackend(config: Readonly<Record<string, unknown>> = {}): ProjectBackend {
  const cfg = config as DockerBackendConfig;
  let image: string | undefined;
  let imageId: string | undefined;
  return {
    name: 'docker',
    projectEnv: () => 'docker',
    async prepare(plan: ProjectPlan) {
      const env = plan.project.dockerEnv;
      if (!env) {
        throw new LabbookError(
          'INVALID_PARAMETER_VALUE',
          `The docker backend needs a docker_env section in the MLproject file of ${plan.project.dir} (docker_env: {image: node:20}); add one or run with -b local.`,
          {
            field: 'docker_env',
          },
        );
      }
      for (const e of env.environment) {
        if (typeof e === 'string' && process.env[e] === undefined) {
          throw new LabbookError(
            'INVALID_PARAMETER_VALUE',
            `docker_env.environment copies ${e} from this environment, but it is not set; export ${e} and run again.`,
            {
              field: 'docker_env.environment',
            },
          );
        }
      }
      const unavailable = await dockerUnavailableReason();
      if (unavailable) {
        throw new LabbookError(
          'INVALID_STATE',
          `The docker backend cannot reach a Docker daemon (${unavailable}). Start Docker or set DOCKER_HOST, or run with -b local.`,
          {
            field: 'backend',
          },
        );
      }
      image = env.image;
      if (cfg.build_image) {
        const context = await mkdtemp(join(tmpdir(), 'labbook-docker-'));
        try {
          await writeFile(
            join(context, 'Dockerfile'),
            `FROM ${env.image}\nCOPY . ${CONTAINER_PROJECT_DIR}/\nWORKDIR ${CONTAINER_PROJECT_DIR}\n`,
          );
          image = `${(plan.project.name ?? 'docker-project').toLowerCase().replace(/[^a-z0-9._-]/g, '-')}:latest`;
          const built = await docker(['build', '-t', image, '-f', join(context, 'Dockerfile'), plan.project.dir]);
          if (!built.ok)
            throw new LabbookError('INTERNAL_ERROR', `docker build of ${image} failed: ${built.stderr}`, { field: 'docker_env.image' });
        } finally {
          await rm(context, { recursive: true, force: true });
        }
      } else if (!(await docker(['image', 'inspect', image])).ok) {
        const pulled = await docker(['pull', image]);
        if (!pulled.ok)
          throw new LabbookError('RESOURCE_DOES_NOT_EXIST', `docker pull ${image} failed: ${pulled.stderr}. Check docker_env.image.`, {
            field: 'docker_env.image',
          });
      }
      imageId = (await docker(['image', 'inspect', '--format', '{{.Id}}', image])).stdout || undefined;
    },
    async run(launch: ProjectLaunch) {
      if (!image) throw new LabbookError('INVALID_STATE', 'The docker backend was run without prepare(); call it through runProject().');
      await launch.setTags({ 'mlflow.docker.image.uri': image, ...(imageId ? { 'mlflow.docker.image.id': imageId } : {}) });
      const name = `labbook-${launch.runId}`;
      const args = ['run', '--rm', '--init', '--name', name, '-w', CONTAINER_PROJECT_DIR];
      if (!cfg.build_image) args.push('-v', `${launch.project.dir}:${CONTAINER_PROJECT_DIR}`);
      const tracking = containerTrackingUri(launch.trackingUri);
      if (tracking.hostGateway) args.push('--add-host=host.docker.internal:host-gateway');
      // Local stores are mounted at the same path, so the artifact locations they record stay valid inside.
      for (const local of new Set([launch.trackingUri, launch.artifactUri].map((uri) => (uri ? localPathIfLocal(uri) : undefined))))
        if (local) args.push('-v', `${local}:${local}`);
      const env = launch.project.dockerEnv!;
      for (const v of env.volumes) args.push('-v', v);
      for (const e of env.environment) args.push('-e', typeof e === 'string' ? `${e}=${process.env[e] ?? ''}` : `${e[0]}=${e[1]}`);
      for (const [k, v] of Object.entries({ ...launch.env, MLFLOW_TRACKING_URI: tracking.uri, LABBOOK_TRACKING_URI: tracking.uri }))
        args.push('-e', `${k}=${v}`);
      for (const [k, v] of Object.entries(cfg.docker_args ?? {})) args.push(v === true ? `--${k}` : `--${k}=${v}`);
      const command = [launch.setupCommand, launch.invocation.renderFor(CONTAINER_PROJECT_DIR)].filter(Boolean).join(' && ');
      args.push(image, 'sh', '-c', command);
      return spawnProcessGroup('docker', args, {
        cwd: launch.project.dir,
        env: process.env,
        stdout: launch.stdout,
        stderr: launch.stderr,
        ...(typeof cfg.kill_timeout_ms === 'number' ? { killTimeoutMs: cfg.kill_timeout_ms } : {}),
        // The container is the daemon's child, not ours: stop it there, then the docker CLI.
        beforeKill: async () => {
          await docker(['kill', name]);
        },
      });
    },
  };
}
