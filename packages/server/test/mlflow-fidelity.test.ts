/**
 * Answers a client written for MLflow compares to the letter: MLflow's fixed messages on its UI
 * routes and path checks, URL handling, and inputs MLflow accepts that a stricter server would
 * refuse (a relative experiment location, a model source with repeated slashes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileServer } from './helpers.js';
import { getJson, postJson, raw } from './raw-http.js';

let server: Awaited<ReturnType<typeof fileServer>>;
let runId: string;
let experimentId: string;

beforeAll(async () => {
  server = await fileServer();
  const exp = await postJson(server.url, '/api/2.0/mlflow/experiments/create', { name: 'fidelity' });
  experimentId = exp.json.experiment_id as string;
  const run = await postJson(server.url, '/api/2.0/mlflow/runs/create', { experiment_id: experimentId });
  runId = (run.json.run as { info: { run_id: string } }).info.run_id;
  await raw(server.url, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=model/MLmodel`, { body: 'flavors: {}\n' });
});
afterAll(() => server.close());

function expectError(r: { status: number; body: string }, message: string): void {
  expect(r.status, r.body).toBe(400);
  expect(JSON.parse(r.body)).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message });
}

describe("MLflow's fixed messages", () => {
  it.each([
    ['artifacts/list', () => `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=../x`],
    ['get-artifact', () => `/get-artifact?run_id=${runId}&path=%2e%2e/x`],
    ['model-versions/get-artifact', () => '/model-versions/get-artifact?name=m&version=1&path=/etc/passwd'],
    ['the artifact proxy', () => '/api/2.0/mlflow-artifacts/artifacts?path=..%2fx'],
  ])('an unsafe path on %s is "Invalid path"', async (_route, path) => {
    expectError(await raw(server.url, 'GET', path()), 'Invalid path');
  });

  it('upload-artifact names what is missing as MLflow does', async () => {
    const up = (query: string, body?: string) =>
      raw(server.url, 'POST', `/ajax-api/2.0/mlflow/upload-artifact${query}`, body === undefined ? {} : { body });
    expectError(await up('?path=a.txt', 'x'), 'Request must specify run_uuid.');
    expectError(await up(`?run_uuid=${runId}`, 'x'), 'Request must specify path.');
    expectError(await up(`?run_uuid=${runId}&path=a.txt`), 'Request must specify data.');
    expectError(await up(`?run_uuid=${runId}&path=../a.txt`, 'x'), 'Invalid path');
    const big = await raw(server.url, 'POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=big.bin`, {
      headers: { 'content-length': String(11 * 1024 * 1024) },
      body: 'x',
    }).catch(() => undefined);
    if (big) expectError(big, 'Artifact size is too large. Max size is 10MB.');
  });

  it('get-history-bulk names what is missing as MLflow does', async () => {
    const bulk = (query: string) => raw(server.url, 'GET', `/ajax-api/2.0/mlflow/metrics/get-history-bulk${query}`);
    expectError(await bulk('?metric_key=m'), 'GetMetricHistoryBulk request must specify at least one run_id.');
    expectError(await bulk(`?run_id=${runId}`), 'GetMetricHistoryBulk request must specify a metric_key.');
    const many = Array.from({ length: 101 }, (_, i) => `run_id=r${i}`).join('&');
    expectError(
      await bulk(`?${many}&metric_key=m`),
      'GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received 101 run_ids.',
    );
  });

  it('get-history-bulk-interval refuses reversed steps with MLflow’s text', async () => {
    const r = await raw(
      server.url,
      'GET',
      `/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${runId}&metric_key=m&start_step=5&end_step=1`,
    );
    expectError(r, 'end_step must be greater than start_step. Found start_step=5 and end_step=1.');
  });
});

describe('URLs and inputs as MLflow takes them', () => {
  it('repeated slashes reach the same route', async () => {
    const r = await raw(server.url, 'GET', `//api/2.0/mlflow//runs/get?run_id=${runId}`);
    expect(r.status, r.body).toBe(200);
    const a = await raw(server.url, 'GET', `//model-versions/get-artifact?name=missing&version=1&path=MLmodel`);
    expect(a.status, a.body).toBe(404);
    expect(JSON.parse(a.body).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('a relative artifact_location is placed under the server’s artifact root', async () => {
    const created = await postJson(server.url, '/api/2.0/mlflow/experiments/create', {
      name: 'relative',
      artifact_location: 'my_location',
    });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    const got = await getJson(server.url, `/api/2.0/mlflow/experiments/get?experiment_id=${created.json.experiment_id}`);
    expect((got.json.experiment as { artifact_location: string }).artifact_location).toBe('mlflow-artifacts:/my_location');
    for (const bad of ['../up', 'a/../../b', '%2e%2e/x', '.']) {
      const r = await postJson(server.url, '/api/2.0/mlflow/experiments/create', { name: `bad-${bad}`, artifact_location: bad });
      expect(r.status, bad).toBe(400);
    }
  });

  it('a model source with repeated slashes is accepted; relative references are not', async () => {
    await postJson(server.url, '/api/2.0/mlflow/registered-models/create', { name: 'slashes' });
    const ok = await postJson(server.url, '/api/2.0/mlflow/model-versions/create', {
      name: 'slashes',
      source: 'mlflow-artifacts:/models/foo///bar',
    });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    // file://host/... is a 500 on MLflow's server; here a 400 like the traversal forms.
    for (const source of [
      'mlflow-artifacts:/models/../../x',
      's3://b/a/./c',
      'mlflow-artifacts:/a/%2e%2e/b',
      'file://otherhost/srv/model',
    ]) {
      const r = await postJson(server.url, '/api/2.0/mlflow/model-versions/create', { name: 'slashes', source });
      expect(r.status, source).toBe(400);
    }
  });
});
