// `labbook run` and runProject() end to end, against the built packages: example projects run from a
// folder and from a local git repository at a commit, children log through labbook and through the
// REST API (as MLflow's Python client would), failures, cancellation, and bad input.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type RunningServer, startServer } from '@labbook/server';
import { Client, LabbookError, ProjectRunFailedError, type Run, runProject } from 'labbook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const fixtures = join(import.meta.dirname, 'fixtures', 'projects');
const cli = join(root, 'packages', 'labbook', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'labbook-projects-'));
// The fixtures import labbook; a temporary clone has no node_modules, so point them at the build.
process.env.LABBOOK_IMPORT = pathToFileURL(join(root, 'packages', 'labbook', 'dist', 'index.js')).href;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

const quiet = () => ({ stdout: new Sink(), stderr: new Sink() });
const tags = (run: Run) => Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
const params = (run: Run) => Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));

function freshStore(name: string): { store: string; client: Client } {
  const store = join(dir, `${name}-mlruns`);
  return { store, client: new Client({ trackingUri: store }) };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

/** The pids the sleeper fixture writes, once the file is there and complete. */
async function readPids(file: string): Promise<Record<string, number>> {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function gitRepo(name: string, fixture: string, subdirectory?: string): { repo: string; commit: () => string } {
  const repo = join(dir, name);
  const target = subdirectory ? join(repo, subdirectory) : repo;
  mkdirSync(target, { recursive: true });
  cpSync(join(fixtures, fixture), target, { recursive: true });
  const g = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  g('init', '--quiet', '--initial-branch=main');
  g('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
  g('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'first');
  return { repo, commit: () => g('rev-parse', 'HEAD') };
}

describe('runProject from a folder', () => {
  it('runs an MLproject with typed parameters; the child logs into the run, which ends FINISHED', async () => {
    const { store, client } = freshStore('typed');
    const submitted = await runProject(join(fixtures, 'typed'), { parameters: { lr: 0.1, epochs: 3 }, trackingUri: store, ...quiet() });
    expect(submitted.getStatus()).toBe('FINISHED');
    const run = await client.getRun(submitted.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(tags(run)).toMatchObject({
      'mlflow.source.type': 'PROJECT',
      'mlflow.project.entryPoint': 'main',
      'mlflow.project.backend': 'local',
      'labbook.project.exitCode': '0',
      'seen.data': 'exists',
      'seen.label': 'first try',
    });
    expect(tags(run)['mlflow.source.name']).toMatch(/^file:\/\/.*#test\/fixtures\/projects\/typed$/);
    expect(tags(run)['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/);
    // Logged as MLflow logs them: the shell-quoted strings of the command, declared ones first.
    expect(params(run)).toEqual({
      lr: '0.1',
      epochs: '3',
      data: join(fixtures, 'typed', 'data', 'train.csv'),
      source: 's3://bucket/raw',
      label: "'first try'",
    });
    expect((await client.getMetricHistory(submitted.runId, 'acc')).map((m) => m.step)).toEqual([0, 1, 2]);
  });

  it('a command that fails leaves a FAILED run with its exit code; synchronous runs throw', async () => {
    const { store, client } = freshStore('fail');
    const err = await runProject(join(fixtures, 'typed'), { entryPoint: 'fail', trackingUri: store, ...quiet() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProjectRunFailedError);
    const failed = err as ProjectRunFailedError;
    expect(failed.exitCode).toBe(3);
    const run = await client.getRun(failed.runId);
    expect(run.info.status).toBe('FAILED');
    expect(tags(run)['labbook.project.exitCode']).toBe('3');
  });

  it('a child using only MLFLOW_RUN_ID and MLFLOW_TRACKING_URI logs through the REST API of a labbook server', async () => {
    let server: RunningServer | undefined;
    try {
      server = await startServer({ backendStoreUri: join(dir, 'server-mlruns'), host: '127.0.0.1', port: 0 });
      const client = new Client({ trackingUri: server.url });
      const submitted = await runProject(join(fixtures, 'rest-child'), { parameters: { value: 2.5 }, client, ...quiet() });
      const run = await client.getRun(submitted.runId);
      expect(run.info.status).toBe('FINISHED');
      expect(run.data.metrics.find((m) => m.key === 'python_metric')?.value).toBe(2.5);
      expect(tags(run).child).toBe('rest');
    } finally {
      await server?.close();
    }
  });
});

describe('runProject from a git repository', () => {
  it('runs a JS project with node_env at a given commit of a local repository, in a subdirectory', async () => {
    const { repo, commit } = gitRepo('js-repo', 'js-node-env', 'proj');
    const first = commit();
    // A later commit changes the default: running `first` must still see the old one.
    const mlproject = join(repo, 'proj', 'MLproject');
    writeFileSync(mlproject, readFileSync(mlproject, 'utf8').replace('default: 3', 'default: 5'));
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-am', 'second'], { cwd: repo });
    const { store, client } = freshStore('git');
    const out = quiet();
    const submitted = await runProject(`file://${repo}#proj`, { version: first, trackingUri: store, ...out });
    const run = await client.getRun(submitted.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(out.stdout.text).toContain('for 3 steps');
    expect(tags(run)).toMatchObject({
      'mlflow.source.git.commit': first,
      'mlflow.source.name': `file://${repo}#proj`,
      'mlflow.source.git.repoURL': `file://${repo}`,
      'mlflow.project.env': 'node',
    });
    expect(await client.getMetricHistory(submitted.runId, 'loss')).toHaveLength(3);
    // A branch as --version is recorded as the branch.
    const onBranch = await runProject(`${repo}#proj`, { version: 'main', trackingUri: store, ...quiet() });
    expect(tags(await client.getRun(onBranch.runId))).toMatchObject({
      'mlflow.source.git.branch': 'main',
      'mlflow.source.git.commit': commit(),
    });
    expect(await client.getMetricHistory(onBranch.runId, 'loss')).toHaveLength(5);
  });
});

describe('labbook run (CLI)', () => {
  const labbook = (store: string, args: string[]) =>
    promisify(execFile)(process.execPath, [cli, '--tracking-uri', store, 'run', ...args], { cwd: dir }).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stdout: string; stderr: string; code: number }) => e,
    );

  it('runs a shell entry point without an MLproject file, parameters appended as --key value', async () => {
    const { store, client } = freshStore('cli-shell');
    const r = await labbook(store, [
      join(fixtures, 'shell'),
      '-e',
      'run.sh',
      '-P',
      'greeting=hello world',
      '--experiment-name',
      'shell-exp',
      '--run-name',
      'sh1',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('shell project got: --greeting hello world');
    const exp = await client.getExperimentByName('shell-exp');
    const [run] = (await client.searchRuns([exp!.experimentId])).items;
    expect(run!.info.runName).toBe('sh1');
    expect(run!.info.status).toBe('FINISHED');
    expect(run!.data.metrics.find((m) => m.key === 'shell_metric')?.value).toBe(42);
    expect(tags(run!)['mlflow.project.entryPoint']).toBe('run.sh');
  });

  it('--version checks out a commit; a failing entry point exits 1 and leaves a FAILED run', async () => {
    const { repo, commit } = gitRepo('cli-repo', 'typed');
    const { store, client } = freshStore('cli-git');
    const ok = await labbook(store, [repo, '--version', commit(), '-P', 'lr=0.2']);
    expect(ok.code).toBe(0);
    const bad = await labbook(store, [repo, '-e', 'fail']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('FAILED (exit code 3)');
    const runs = (await client.searchRuns(['0'])).items;
    expect(runs.map((r) => r.info.status).sort()).toEqual(['FAILED', 'FINISHED']);
    expect(tags(runs.find((r) => r.info.status === 'FINISHED')!)['mlflow.source.git.commit']).toBe(commit());
  });

  it('Ctrl-C stops the command and its children and ends the run KILLED', async () => {
    const { store, client } = freshStore('cli-sigint');
    const pidsFile = join(dir, 'cli-pids.json');
    const child = spawn(process.execPath, [cli, '--tracking-uri', store, 'run', join(fixtures, 'typed'), '-e', 'sleep'], {
      cwd: dir,
      env: { ...process.env, PIDS_FILE: pidsFile },
      stdio: 'ignore',
    });
    const pids = await readPids(pidsFile);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(130);
    for (const pid of Object.values(pids)) expect(isRunning(pid)).toBe(false);
    const [run] = (await client.searchRuns(['0'])).items;
    expect(run!.info.status).toBe('KILLED');
  });
});

describe('cancel()', () => {
  it('ends the run KILLED and leaves no process running', async () => {
    const { store, client } = freshStore(`cancel-${Date.now()}`);
    const pidsFile = join(dir, `pids-${Date.now()}.json`);
    process.env.PIDS_FILE = pidsFile;
    try {
      const submitted = await runProject(join(fixtures, 'typed'), {
        entryPoint: 'sleep',
        synchronous: false,
        trackingUri: store,
        ...quiet(),
      });
      expect(submitted.getStatus()).toBe('RUNNING');
      const pids = await readPids(pidsFile);
      await submitted.cancel();
      expect(submitted.getStatus()).toBe('KILLED');
      expect(await submitted.wait()).toBe(false);
      for (const pid of Object.values(pids)) expect(isRunning(pid), `pid ${pid}`).toBe(false);
      expect((await client.getRun(submitted.runId)).info.status).toBe('KILLED');
    } finally {
      delete process.env.PIDS_FILE;
    }
  });
});

describe('bad input fails before a run exists', () => {
  const { store, client } = freshStore('bad');
  let yamlProject: string;
  beforeAll(() => {
    yamlProject = join(dir, 'bad-yaml');
    mkdirSync(yamlProject);
    writeFileSync(join(yamlProject, 'MLproject'), 'name: bad\nentry_points:\n  main:\n    command: "x\n   parameters: [\n');
  });

  const cases: [string, () => Promise<unknown>, string, string][] = [
    [
      'an unknown entry point',
      () => runProject(join(fixtures, 'typed'), { entryPoint: 'nope', trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'entry_point',
    ],
    [
      'a missing required parameter',
      () => runProject(join(fixtures, 'typed'), { trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'parameters.lr',
    ],
    [
      'lr=abc for a float',
      () => runProject(join(fixtures, 'typed'), { parameters: { lr: 'abc' }, trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'parameters.lr',
    ],
    [
      'epochs=1.5 for an int',
      () => runProject(join(fixtures, 'typed'), { parameters: { lr: 1, epochs: '1.5' }, trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'parameters.epochs',
    ],
    [
      'a path outside the project',
      () => runProject(join(fixtures, 'typed'), { parameters: { lr: 1, data: '../shell/run.sh' }, trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'parameters.data',
    ],
    [
      'a uri without a scheme',
      () => runProject(join(fixtures, 'typed'), { parameters: { lr: 1, source: 'raw' }, trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'parameters.source',
    ],
    [
      'an MLproject with a YAML error',
      () => runProject(yamlProject, { trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'MLproject',
    ],
    [
      'a git URI that does not exist',
      () => runProject(`file://${join(dir, 'no-such-repo.git')}`, { version: 'main', trackingUri: store, ...quiet() }),
      'RESOURCE_DOES_NOT_EXIST',
      'uri',
    ],
    [
      'a git remote that does not exist',
      () => runProject('https://127.0.0.1:1/none/repo.git', { trackingUri: store, ...quiet() }),
      'RESOURCE_DOES_NOT_EXIST',
      'uri',
    ],
    [
      'an unknown backend',
      () => runProject(join(fixtures, 'typed'), { parameters: { lr: 1 }, backend: 'nope', trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'backend',
    ],
    [
      '--env-manager conda',
      () => runProject(join(fixtures, 'typed'), { parameters: { lr: 1 }, envManager: 'conda', trackingUri: store, ...quiet() }),
      'INVALID_PARAMETER_VALUE',
      'env_manager',
    ],
  ];

  it.each(cases)('%s', async (_what, attempt, code, field) => {
    const error = await attempt().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(LabbookError.is(error), String(error)).toBe(true);
    expect({ code: (error as LabbookError).code, field: (error as LabbookError).field }).toEqual({ code, field });
    expect((error as Error).message.length).toBeGreaterThan(30);
  });

  afterAll(async () => {
    // Nothing half-created: not one run in any experiment.
    const experiments = (await client.searchExperiments({ viewType: 'ALL' })).items;
    const runs = experiments.length === 0 ? [] : (await client.searchRuns(experiments.map((e) => e.experimentId))).items;
    expect(runs).toEqual([]);
  });
});
