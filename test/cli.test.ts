// The `labbook` command, run as a user runs it: the built CLI against a file store in a temp folder.
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from 'labbook';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', 'packages', 'labbook', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'labbook-cli-'));
const store = join(dir, 'mlruns');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function labbook(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, '--tracking-uri', store, ...args], { cwd: dir });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('labbook command', () => {
  it('creates, lists, deletes and restores experiments', async () => {
    const created = await labbook('experiments', 'create', 'cli-exp', '--json');
    expect(created.code).toBe(0);
    const { experiment_id: id } = JSON.parse(created.stdout) as { experiment_id: string };
    const table = await labbook('experiments', 'list');
    expect(table.stdout).toContain('cli-exp');
    expect(table.stdout).toContain('Default');
    const json = JSON.parse((await labbook('experiments', 'list', '--json')).stdout) as { name: string }[];
    expect(json.map((e) => e.name)).toContain('cli-exp');
    expect((await labbook('experiments', 'delete', id)).code).toBe(0);
    const deleted = JSON.parse((await labbook('experiments', 'list', '--view', 'deleted', '--json')).stdout) as { experimentId: string }[];
    expect(deleted.map((e) => e.experimentId)).toEqual([id]);
    expect((await labbook('experiments', 'restore', id)).code).toBe(0);
    expect((await labbook('experiments', 'list')).stdout).toContain('cli-exp');
  });

  it('lists, shows and deletes runs, with filters', async () => {
    const client = new Client({ trackingUri: store });
    const exp = await client.createExperiment('cli-runs');
    for (const alpha of [0.1, 0.5, 0.9]) {
      const r = await client.createRun(exp, { runName: `alpha-${alpha}` });
      await client.logBatch(r.info.runId, {
        params: [{ key: 'alpha', value: String(alpha) }],
        metrics: [{ key: 'rmse', value: alpha * 2, timestamp: 1, step: 0 }],
      });
      await client.setTerminated(r.info.runId);
    }
    const listed = JSON.parse(
      (await labbook('runs', 'list', '-e', exp, '--filter', 'metrics.rmse < 1.5', '--order-by', 'metrics.rmse DESC', '--json')).stdout,
    ) as {
      runs: { info: { runName: string; runId: string } }[];
    };
    expect(listed.runs.map((r) => r.info.runName)).toEqual(['alpha-0.5', 'alpha-0.1']);
    const table = (await labbook('runs', 'list', '-e', exp)).stdout;
    expect(table).toContain('alpha-0.9');
    expect(table).toContain('rmse=');
    const id = listed.runs[0]!.info.runId;
    const shown = (await labbook('runs', 'get', id)).stdout;
    expect(shown).toContain('param alpha');
    expect(shown).toContain('FINISHED');
    expect(JSON.parse((await labbook('runs', 'get', id, '--json')).stdout).info.runId).toBe(id);
    expect((await labbook('runs', 'delete', id)).code).toBe(0);
    const after = JSON.parse((await labbook('runs', 'list', '-e', exp, '--json')).stdout) as { runs: unknown[] };
    expect(after.runs).toHaveLength(2);
  });

  it('reports errors with the MLflow code and a non-zero exit', async () => {
    const bad = await labbook('runs', 'list', '-e', '0', '--filter', 'metrics.rmse <');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('INVALID_PARAMETER_VALUE');
    const missing = await labbook('runs', 'get', 'ffffffffffffffffffffffffffffffff');
    expect(missing.stderr).toContain('RESOURCE_DOES_NOT_EXIST');
  });

  it('logs, lists and downloads artifacts, with a whole-transfer progress line on stderr', async () => {
    const client = new Client({ trackingUri: store });
    const runId = (await client.createRun('0', { runName: 'with-artifacts' })).info.runId;
    const src = join(dir, 'to-upload');
    mkdirSync(join(src, 'sub'), { recursive: true });
    const big = Buffer.alloc(3 * 1024 * 1024 + 1, 9);
    writeFileSync(join(src, 'big.bin'), big);
    for (let i = 0; i < 20; i++) writeFileSync(join(src, 'sub', `f${i}.txt`), `file ${i}\n`);

    const up = await labbook('artifacts', 'log-artifacts', '-l', src, '-r', runId, '-a', 'data', '--progress', 'always');
    expect(up.code).toBe(0);
    expect(up.stdout).toBe(`Logged 21 artifacts from local folder ${src} to data\n`);
    expect(up.stderr).toMatch(/uploading \[#+\] 100% \| 3\.15 MB \/ 3\.15 MB \| 21\/21 files/);
    const one = await labbook('artifacts', 'log-artifact', '-l', join(src, 'big.bin'), '-r', runId);
    expect(one.stdout).toBe('Logged artifact from local file big.bin to big.bin\n');
    // Not a terminal and no --progress: nothing but the result.
    expect(one.stderr).toBe('');

    const listed = JSON.parse((await labbook('artifacts', 'list', '-r', runId, '--json')).stdout) as {
      path: string;
      is_dir: boolean;
      file_size?: number;
    }[];
    expect(listed).toEqual([
      { path: 'big.bin', is_dir: false, file_size: big.length },
      { path: 'data', is_dir: true },
    ]);
    expect((await labbook('artifacts', 'list', '-r', runId, '-a', 'data')).stdout).toMatch(/data\/big\.bin\s+│ 3\.15 MB[\s\S]*data\/sub\//);

    // Every file arrives whole: reporting progress once lost the first bytes of small files.
    const dst = join(dir, 'downloaded');
    const down = await labbook('artifacts', 'download', '-r', runId, '-a', 'data', '-d', dst, '--progress', 'always');
    expect(down.code).toBe(0);
    expect(down.stdout).toBe(`${join(dst, 'data')}\n`);
    expect(down.stderr).toContain(`100% | 3.15 MB / 3.15 MB | 21/21 files`);
    expect(readFileSync(join(dst, 'data', 'big.bin')).equals(big)).toBe(true);
    for (let i = 0; i < 20; i++) expect(readFileSync(join(dst, 'data', 'sub', `f${i}.txt`), 'utf8')).toBe(`file ${i}\n`);
    const byUri = await labbook('artifacts', 'download', '-u', `runs:/${runId}/big.bin`, '-d', join(dir, 'by-uri'));
    expect(readFileSync(byUri.stdout.trim()).equals(big)).toBe(true);

    const both = await labbook('artifacts', 'download', '-r', runId, '-u', `runs:/${runId}/big.bin`);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('INVALID_PARAMETER_VALUE: Give either --run-id');
    const badConcurrency = await labbook('artifacts', 'download', '-r', runId, '-j', '0');
    expect(badConcurrency.stderr).toContain('--concurrency must be a whole number from 1 to 64; got 0');
    const missing = await labbook('artifacts', 'download', '-r', runId, '-a', 'nothing/here', '-d', dst);
    expect(missing.stderr).toContain('RESOURCE_DOES_NOT_EXIST');
    const outside = await labbook('artifacts', 'download', '-r', runId, '-a', '../../etc', '-d', dst);
    expect(outside.stderr).toContain('INVALID_PARAMETER_VALUE');
  });

  it('lists the discovered plugins with their package and schemes', async () => {
    const out = JSON.parse((await labbook('plugins', '--json')).stdout) as { name: string; tracking: string[]; source: string }[];
    const file = out.find((p) => p.name === '@labbook/plugin-file');
    expect(file?.source).toBe('installed');
    expect(file?.tracking).toContain('file');
    expect((await labbook('plugins')).stdout).toContain('@labbook/plugin-file');
  });

  it.each([
    '',
    'experiments',
    'experiments list',
    'experiments create',
    'experiments delete',
    'experiments restore',
    'runs',
    'runs list',
    'runs get',
    'runs delete',
    'artifacts',
    'artifacts list',
    'artifacts download',
    'artifacts log-artifact',
    'artifacts log-artifacts',
    'plugins',
    'server',
    'ui',
  ])("prints help for 'labbook %s --help'", async (command) => {
    const out = await labbook(...command.split(' ').filter(Boolean), '--help');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Usage: labbook/);
  });

  // Without --tracking-uri, as a user first types it.
  async function bare(args: string[], env: Record<string, string> = {}) {
    try {
      const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: dir, env: { ...process.env, ...env } });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  }

  it("prints the package's version for --version and -v", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'packages', 'labbook', 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const out = await bare([flag]);
      expect(out).toEqual({ stdout: `${version}\n`, stderr: '', code: 0 });
    }
  });

  it('prints the help on stdout and exits 0 when run with no arguments', async () => {
    const out = await bare([]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Usage: labbook/);
    expect(out.stdout).toContain('experiments');
    expect(out.stderr).toBe('');
  });

  it('says which server it could not reach, and what to do, when the tracking server is down', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const out = await bare(['--tracking-uri', `http://127.0.0.1:${port}`, 'experiments', 'list'], {
      LABBOOK_HTTP_REQUEST_MAX_RETRIES: '1',
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('TEMPORARILY_UNAVAILABLE');
    expect(out.stderr).toContain(`host 127.0.0.1, port ${port}`);
    expect(out.stderr).toContain('ECONNREFUSED');
    expect(out.stderr).toContain('after 2 attempts');
    expect(out.stderr).toContain('Check that the tracking server is running');
  });

  // Starts `labbook <args>` and resolves with its child and the address it prints (log lines are JSON).
  async function startCli(args: string[], announce: RegExp) {
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start')), 20000);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = announce.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    return { child, url };
  }

  it('runs the tracking server that MLflow clients talk to, and stops it cleanly on SIGTERM', async () => {
    const { child, url } = await startCli(
      ['server', '--port', '0', '--backend-store-uri', store, '--artifacts-destination', join(dir, 'mlartifacts')],
      /^labbook server listening at (\S+)$/,
    );
    try {
      expect(await (await fetch(`${url}/health`)).text()).toBe('OK');
      const body = (await (await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=0`)).json()) as {
        experiment: { name: string };
      };
      expect(body.experiment.name).toBe('Default');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await new Promise((resolve) => child.once('exit', (code) => resolve(code)))).toBe(0);
  });

  it('refuses a --body-limit that is not a number of bytes, naming the option and the default', async () => {
    const out = await bare(['server', '--port', '0', '--backend-store-uri', store, '--body-limit', '10MB']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('--body-limit must be a whole number of bytes');
    expect(out.stderr).toContain('52428800');
  });

  it('serves imports up to --body-limit and refuses larger bodies with RESOURCE_EXHAUSTED', async () => {
    const { child, url } = await startCli(
      ['server', '--port', '0', '--backend-store-uri', store, '--body-limit', '2048', '--allowed-artifact-roots', dir],
      /^labbook server listening at (\S+)$/,
    );
    try {
      const big = await fetch(`${url}/api/2.0/labbook/runs/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ run: {}, metrics: Array.from({ length: 200 }, () => ({ key: 'm', value: 1, timestamp: 1, step: 0 })) }),
      });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error_code: string }).error_code).toBe('RESOURCE_EXHAUSTED');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('labbook ui serves the web UI over the file store', async () => {
    const { child, url } = await startCli(['ui', '--port', '0', '--backend-store-uri', store], /^labbook UI at (\S+)$/);
    try {
      const page = await fetch(url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await page.text()).toContain('<div id="app">');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
