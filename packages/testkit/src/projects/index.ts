import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  loadProjectSpec,
  nodeEnvSetupCommand,
  type ProjectBackend,
  type ProjectExecution,
  type ProjectLaunch,
  resolveEntryPoint,
  resolveInvocation,
} from '@labbook/core';
import { afterAll, describe, expect, it } from 'vitest';

/** Options of {@link describeProjectBackend}. */
export interface ProjectBackendSuiteOptions {
  /** Suite name, usually the package name. */
  name: string;
  /** Builds the backend under test from a backend config (`-c`). */
  create: (config: Record<string, unknown>) => ProjectBackend | Promise<ProjectBackend>;
  /** An image for a `docker_env` section in the test projects, for backends that run in containers. */
  dockerImage?: string;
  /**
   * Whether the command's processes are processes of this machine whose pids the command can
   * report (true for `local`; false for containers and remote runners). Default true.
   */
  hostProcesses?: boolean;
  /** Per-test timeout; default 60 s. */
  timeoutMs?: number;
}

/** Output captured from a launch. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Whether `pid` is a live process here (a zombie nobody reaped does not count). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The conformance suite every project backend must pass (call it from a vitest file): it runs the
 * command in the project folder with the run's environment variables, substitutes parameters,
 * streams output, reports exit codes, and `cancel()` stops the command and everything it started.
 */
export function describeProjectBackend(options: ProjectBackendSuiteOptions): void {
  const timeout = options.timeoutMs ?? 60000;
  const hostProcesses = options.hostProcesses ?? true;
  const dirs: string[] = [];

  async function project(command: string, parameters = ''): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'labbook-testkit-project-'));
    dirs.push(dir);
    const docker = options.dockerImage ? `docker_env:\n  image: ${options.dockerImage}\n` : '';
    await writeFile(
      join(dir, 'MLproject'),
      `name: testkit\n${docker}entry_points:\n  main:\n${parameters ? `    parameters:\n${parameters}` : ''}    command: ${JSON.stringify(command)}\n`,
    );
    await writeFile(join(dir, 'marker.txt'), 'in the project\n');
    return dir;
  }

  async function start(dir: string, params: Record<string, string> = {}, config: Record<string, unknown> = {}) {
    const backend = await options.create(config);
    const spec = loadProjectSpec(dir);
    const invocation = resolveInvocation(resolveEntryPoint(spec, 'main'), params, dir);
    const setupCommand = nodeEnvSetupCommand(spec.nodeEnv);
    const plan = {
      project: spec,
      invocation,
      command: invocation.command,
      backendConfig: config,
      envManager: 'local',
      ...(setupCommand ? { setupCommand } : {}),
    };
    await backend.prepare?.(plan);
    const runId = randomUUID().replace(/-/g, '');
    const stdout = new Capture();
    const stderr = new Capture();
    const tags: Record<string, string> = {};
    const trackingUri = join(dir, 'mlruns');
    const launch: ProjectLaunch = {
      ...plan,
      runId,
      experimentId: '7',
      trackingUri,
      env: {
        MLFLOW_RUN_ID: runId,
        MLFLOW_TRACKING_URI: trackingUri,
        MLFLOW_EXPERIMENT_ID: '7',
        LABBOOK_RUN_ID: runId,
        LABBOOK_TRACKING_URI: trackingUri,
        LABBOOK_EXPERIMENT_ID: '7',
      },
      stdout,
      stderr,
      setTags: async (t) => {
        Object.assign(tags, t);
      },
    };
    const execution: ProjectExecution = await backend.run(launch);
    return { backend, execution, stdout, stderr, runId, tags };
  }

  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  describe(`${options.name}: project backend conformance`, () => {
    it('has a name for --backend and mlflow.project.backend', async () => {
      const backend = await options.create({});
      expect(typeof backend.name).toBe('string');
      expect(backend.name).toMatch(/^[a-z][\w.-]*$/);
    });

    it('runs the command in the project folder and reports exit code 0', { timeout }, async () => {
      const dir = await project('cat marker.txt > copy.txt');
      const { execution } = await start(dir);
      expect(await execution.wait()).toEqual({ exitCode: 0, signal: null, cancelled: false });
      expect(await readFile(join(dir, 'copy.txt'), 'utf8')).toBe('in the project\n');
    });

    it('gives the command the run id, experiment id and tracking URI (MLFLOW_ and LABBOOK_ names)', { timeout }, async () => {
      const dir = await project(
        'echo "$MLFLOW_RUN_ID $LABBOOK_RUN_ID $MLFLOW_EXPERIMENT_ID $LABBOOK_EXPERIMENT_ID" > env.txt; test -n "$MLFLOW_TRACKING_URI" && test -n "$LABBOOK_TRACKING_URI"',
      );
      const { execution, runId } = await start(dir);
      expect((await execution.wait()).exitCode).toBe(0);
      expect((await readFile(join(dir, 'env.txt'), 'utf8')).trim()).toBe(`${runId} ${runId} 7 7`);
    });

    it('runs the command with its parameters substituted and shell-quoted', { timeout }, async () => {
      const dir = await project('printf "%s|" {greeting} > params.txt', '      greeting: {type: string, default: hi}\n');
      const { execution } = await start(dir, { greeting: "it's a 'quoted' $HOME; value", extra: 'x y' });
      expect((await execution.wait()).exitCode).toBe(0);
      // The undeclared parameter is appended as `--extra 'x y'`: printf prints each word.
      expect(await readFile(join(dir, 'params.txt'), 'utf8')).toBe("it's a 'quoted' $HOME; value|--extra|x y|");
    });

    it('streams stdout and stderr', { timeout }, async () => {
      const dir = await project('echo out-line; echo err-line >&2');
      const { execution, stdout, stderr } = await start(dir);
      await execution.wait();
      expect(stdout.text).toContain('out-line');
      expect(stderr.text).toContain('err-line');
    });

    it('reports a non-zero exit code', { timeout }, async () => {
      const dir = await project('echo failing >&2; exit 3');
      const { execution } = await start(dir);
      expect(await execution.wait()).toMatchObject({ exitCode: 3, cancelled: false });
    });

    it('cancel() stops the command and every process it started', { timeout }, async () => {
      const dir = await project('sleep 300 & echo $! > child.pid; echo $$ > shell.pid; wait');
      const { execution } = await start(dir, {}, { kill_timeout_ms: 2000 });
      await until(() => existsSync(join(dir, 'child.pid')) && existsSync(join(dir, 'shell.pid')), timeout / 2, 'the command to start');
      await execution.cancel();
      const result = await execution.wait();
      expect(result.cancelled).toBe(true);
      if (hostProcesses) {
        for (const f of ['child.pid', 'shell.pid']) {
          const pid = Number((await readFile(join(dir, f), 'utf8')).trim());
          expect(isProcessRunning(pid), `${f} (pid ${pid}) is still running after cancel()`).toBe(false);
        }
        if (execution.pid !== undefined) expect(isProcessRunning(execution.pid)).toBe(false);
      }
    });

    it('cancel() after the end, and twice at once, is harmless', { timeout }, async () => {
      const dir = await project('exit 0');
      const { execution } = await start(dir);
      expect((await execution.wait()).exitCode).toBe(0);
      await Promise.all([execution.cancel(), execution.cancel()]);
      expect((await execution.wait()).cancelled).toBe(false);
    });
  });
}
