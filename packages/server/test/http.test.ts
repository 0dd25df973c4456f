import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileServer } from './helpers.js';

let server: Awaited<ReturnType<typeof fileServer>>;
beforeAll(async () => {
  server = await fileServer();
});
afterAll(() => server.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('raw HTTP', () => {
  it("registry errors keep MLflow's shape and status", async () => {
    expect((await post('/api/2.0/mlflow/registered-models/create', { name: 'dup' })).status).toBe(200);
    const again = await post('/api/2.0/mlflow/registered-models/create', { name: 'dup' });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.stringContaining('dup') });
    const missingModel = await fetch(`${server.url}/api/2.0/mlflow/registered-models/get?name=nope`);
    expect(missingModel.status).toBe(404);
    expect(Object.keys((await missingModel.json()) as object).sort()).toEqual(['error_code', 'message']);
  });

  it('health and version', async () => {
    expect(await (await fetch(`${server.url}/health`)).text()).toBe('OK');
    expect((await fetch(`${server.url}/version`)).status).toBe(200);
  });

  it('experiment create/get in snake_case with string ids, and MLflow error shapes', async () => {
    const r = await post('/api/2.0/mlflow/experiments/create', { name: 'e1', unknown_field: 1 });
    expect(r.status).toBe(200);
    const { experiment_id } = (await r.json()) as { experiment_id: string };
    expect(typeof experiment_id).toBe('string');
    const g = await fetch(`${server.url}/ajax-api/2.0/mlflow/experiments/get?experiment_id=${experiment_id}`);
    const body = (await g.json()) as { experiment: Record<string, unknown> };
    expect(body.experiment.name).toBe('e1');
    expect(body.experiment.lifecycle_stage).toBe('active');
    const dup = await post('/api/2.0/mlflow/experiments/create', { name: 'e1' });
    expect(dup.status).toBe(400);
    expect(((await dup.json()) as { error_code: string }).error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const miss = await post('/api/2.0/mlflow/experiments/create', {});
    expect(miss.status).toBe(400);
    expect(await miss.json()).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining("Missing value for required parameter 'name'"),
    });
    const nf = await fetch(`${server.url}/api/2.0/mlflow/nope`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error_code: string }).error_code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('runs: create, log-batch with NaN/Infinity strings, get', async () => {
    const exp = (await (await post('/api/2.0/mlflow/experiments/create', { name: 'e2' })).json()) as { experiment_id: string };
    const run = (await (await post('/api/2.0/mlflow/runs/create', { experiment_id: exp.experiment_id, start_time: 1 })).json()) as {
      run: { info: { run_id: string; status: string } };
    };
    expect(run.run.info.status).toBe('RUNNING');
    const id = run.run.info.run_id;
    const lb = await post('/api/2.0/mlflow/runs/log-batch', {
      run_id: id,
      metrics: [
        { key: 'a', value: 'NaN', timestamp: 1, step: 0 },
        { key: 'b', value: 'Infinity', timestamp: 1, step: 0 },
      ],
      params: [{ key: 'p', value: 'v' }],
    });
    expect(lb.status).toBe(200);
    const got = (await (await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${id}`)).json()) as {
      run: { data: { metrics: { key: string; value: unknown }[] } };
    };
    const values = Object.fromEntries(got.run.data.metrics.map((m) => [m.key, m.value]));
    expect(values).toEqual({ a: 'NaN', b: 'Infinity' });
  });

  it('refuses bad Host, cross-origin POSTs and non-JSON bodies', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${server.url}/api/2.0/mlflow/experiments/search`);
      const r = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'GET', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
      r.end();
    });
    expect(status).toBe(403);
    const xo = await post('/api/2.0/mlflow/experiments/create', { name: 'x' }, { origin: 'http://evil.example' });
    expect(xo.status).toBe(403);
    const ct = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      body: '{"name":"y"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(ct.status).toBe(400);
  });

  it('artifact proxy: refuses traversal, serves downloads as attachments', async () => {
    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts`;
    const put = await fetch(`${base}/a/b.txt`, { method: 'PUT', body: 'hello' });
    expect(put.status).toBe(200);
    const get = await fetch(`${base}/a/b.txt`);
    expect(await get.text()).toBe('hello');
    expect(get.headers.get('x-content-type-options')).toBe('nosniff');
    expect(get.headers.get('content-disposition')).toMatch(/^attachment/);
    for (const bad of ['a/%2e%2e/%2e%2e/etc/passwd', 'a/..%5c..%5cx', 'a/%00x', 'a/%252e%252e/x']) {
      const r = await fetch(`${base}/${bad}`);
      expect(r.status, bad).toBeGreaterThanOrEqual(400);
      expect(r.status, bad).toBeLessThan(500);
    }
    const list = (await (await fetch(`${base}?path=a`)).json()) as { files: { path: string }[] };
    expect(list.files.map((f) => f.path)).toEqual(['b.txt']);
  });
});
