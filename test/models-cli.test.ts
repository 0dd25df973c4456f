// `labbook models serve` and `labbook models predict` as a user runs them: the built CLI, models
// logged to a file store, registered and aliased, served by `models:/name@alias` over HTTP.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, inferSignature, PluginRegistry, tensor } from 'labbook';
import { makeOnnxApp } from './harness/onnx-app.js';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const cli = join(repo, 'packages', 'labbook', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'labbook-models-cli-'));
const store = join(dir, 'mlruns');
const env = { ...process.env, LABBOOK_MODEL_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The user's project: it lists @labbook/plugin-onnx, which is how labbook finds the onnx flavor.
makeOnnxApp(dir, 'models-app');

async function labbook(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, '--tracking-uri', store, ...args], { cwd: dir, env });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** Starts `labbook models serve` on a free port; resolves with its URL once it listens. */
async function serve(uri: string, ...extra: string[]) {
  const child = spawn(
    process.execPath,
    [cli, '--tracking-uri', store, 'models', 'serve', '-m', uri, '-h', '127.0.0.1', '-p', '0', ...extra],
    {
      cwd: dir,
      env,
    },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening at (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`labbook models serve exited with ${code}: ${stderr}`)));
  });
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { url, pid: child.pid!, stop, stderr: () => stderr };
}

/** POSTs on a connection of its own and answers the status. */
function invokeOnNewConnection(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${url}/invocations`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Live child processes of `pid` (from /proc: the workers node:cluster forked). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((e) => {
      try {
        // The fields after the command name (which may hold spaces) start with the state, then the parent.
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(ppid) === pid && state !== 'Z' ? [Number(e)] : [];
      } catch {
        return [];
      }
    });
}

async function until<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const invoke = async (url: string, body: string, contentType = 'application/json') => {
  const r = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  const client = new Client({ trackingUri: store, plugins: new PluginRegistry({ roots: [dir] }) });
  const exp = await client.createExperiment('models-cli');
  const r = await client.createRun(exp);
  const module = join(dir, 'double.mjs');
  writeFileSync(module, 'export function predict(input) { return input.data.x.map((x) => x * 2); }\n');
  const js = await client.logModel(r.info.runId, module, {
    flavor: 'js_function',
    artifactPath: 'js',
    signature: { inputs: [{ kind: 'column', name: 'x', type: 'double', required: true }] },
    inputExample: [{ x: 1.5 }],
    registeredModelName: 'doubler',
  });
  await client.setRegisteredModelAlias('doubler', 'champion', js.registeredModelVersion!.version);
  const input = tensor(new Float32Array(8), [2, 4]);
  const onnx = await client.logModel(r.info.runId, join(repo, 'plugins', 'onnx', 'test', 'fixtures', 'linear.onnx'), {
    flavor: 'onnx',
    artifactPath: 'onnx',
    signature: inferSignature({ input }, { output: tensor(new Float32Array(6), [2, 3]) }),
    registeredModelName: 'linear',
  });
  await client.setRegisteredModelAlias('linear', 'prod', onnx.registeredModelVersion!.version);
  await client.setTerminated(r.info.runId);
  await client.close();
});

describe('labbook models serve', () => {
  it('serves a js_function model by alias, answers MLflow errors, and exits 0 on SIGTERM', async () => {
    const server = await serve('models:/doubler@champion');
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
    expect(await invoke(server.url, JSON.stringify({ dataframe_split: { columns: ['x'], data: [[1], [2.5]] } }))).toEqual({
      status: 200,
      json: { predictions: [2, 5] },
    });
    expect(await invoke(server.url, 'x\n3\n', 'text/csv')).toEqual({ status: 200, json: { predictions: [6] } });
    const bad = await invoke(server.url, JSON.stringify({ dataframe_records: [{ y: 1 }] }));
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await invoke(server.url, '{oops')).json.error_code).toBe('BAD_REQUEST');
    expect(
      (await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status,
    ).toBe(415);
    expect(await server.stop()).toBe(0);
  });

  it('serves an onnx model by alias over HTTP, then exits 0 on SIGTERM', async () => {
    const server = await serve('models:/linear@prod');
    const out = await invoke(
      server.url,
      JSON.stringify({
        inputs: [
          [1, 2, 3, 4],
          [0, 0, 0, 1],
        ],
      }),
    );
    expect(out).toEqual({
      status: 200,
      json: {
        predictions: {
          output: [
            [5.5, 5.5, 7],
            [1.5, 0.5, 1],
          ],
        },
      },
    });
    const split = await invoke(server.url, JSON.stringify({ inputs: { input: [[0, 0, 0, 0]] } }));
    expect(split.json).toEqual({ predictions: { output: [[0.5, -0.5, 0]] } });
    const wrong = await invoke(server.url, JSON.stringify({ inputs: [[1, 2, 3]] }));
    expect(wrong.status).toBe(400);
    expect(wrong.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(await server.stop()).toBe(0);
  });

  it('serves from --workers 2 processes on one port, replaces a worker that dies, and stops them all on SIGTERM', async () => {
    const server = await serve('models:/linear@prod', '--workers', '2');
    const workers = await until('two workers', () => {
      const pids = childrenOf(server.pid);
      return pids.length === 2 ? pids : undefined;
    });
    const body = JSON.stringify({ inputs: [[1, 2, 3, 4]] });
    const answers = await Promise.all(Array.from({ length: 32 }, () => invoke(server.url, body)));
    for (const a of answers) expect(a).toEqual({ status: 200, json: { predictions: { output: [[5.5, 5.5, 7]] } } });
    process.kill(workers[0]!, 'SIGKILL');
    const replaced = await until('a replacement worker', () => {
      const pids = childrenOf(server.pid);
      return pids.length === 2 && !pids.includes(workers[0]!) ? pids : undefined;
    });
    expect(replaced).toContain(workers[1]);
    // New connections: the pool's idle ones to the killed worker died with it (as with any server process).
    for (let i = 0; i < 8; i++) expect(await invokeOnNewConnection(server.url, body)).toBe(200);
    expect(server.stderr()).toMatch(/scoring worker \d+ exited \(SIGKILL\); starting another/);
    expect(await server.stop()).toBe(0);
    expect(childrenOf(server.pid)).toEqual([]);
    for (const pid of replaced) expect(() => process.kill(pid, 0)).toThrow();
  });

  it("fails the start with the worker's error when the workers cannot load the model", async () => {
    const empty = mkdtempSync(join(dir, 'not-a-model-'));
    const r = await labbook('models', 'serve', '-m', empty, '-p', '0', '--workers', '2');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/A scoring worker could not start: .*MLmodel/);
    const bad = await labbook('models', 'serve', '-m', empty, '-p', '0', '--workers', '0');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--workers must be a whole number');
  });

  it('fails with a non-zero exit and the MLflow code for an unknown alias', async () => {
    const r = await labbook('models', 'serve', '-m', 'models:/doubler@nope', '-p', '0');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/RESOURCE_DOES_NOT_EXIST|INVALID_PARAMETER_VALUE/);
  });
});

describe('labbook models predict', () => {
  it('scores JSON and CSV files into {"predictions": …}, to stdout or a file', async () => {
    writeFileSync(join(dir, 'input.json'), JSON.stringify({ dataframe_records: [{ x: 1 }, { x: 4 }] }));
    writeFileSync(join(dir, 'input.csv'), 'x\n1\n4\n');
    const json = await labbook('models', 'predict', '-m', 'models:/doubler@champion', '-i', join(dir, 'input.json'));
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ predictions: [2, 8] });
    const csv = await labbook(
      'models',
      'predict',
      '-m',
      'models:/doubler@champion',
      '-i',
      join(dir, 'input.csv'),
      '--content-type',
      'csv',
      '-o',
      join(dir, 'out.json'),
    );
    expect(csv.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual({ predictions: [2, 8] });
    writeFileSync(join(dir, 'onnx.json'), JSON.stringify({ inputs: [[1, 2, 3, 4]] }));
    const onnx = await labbook('models', 'predict', '-m', 'models:/linear@prod', '-i', join(dir, 'onnx.json'));
    expect(JSON.parse(onnx.stdout)).toEqual({ predictions: { output: [[5.5, 5.5, 7]] } });
  });

  it('reports bad input with the MLflow code and exit 1', async () => {
    writeFileSync(join(dir, 'bad.json'), '[1, 2]');
    const bad = await labbook('models', 'predict', '-m', 'models:/doubler@champion', '-i', join(dir, 'bad.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BAD_REQUEST');
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ inputs: [[1, 2, 3]] }));
    const wrong = await labbook('models', 'predict', '-m', 'models:/linear@prod', '-i', join(dir, 'wrong.json'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('INVALID_PARAMETER_VALUE');
    const type = await labbook('models', 'predict', '-m', 'models:/doubler@champion', '-i', join(dir, 'bad.json'), '-t', 'xml');
    expect(type.code).toBe(1);
  });
});
