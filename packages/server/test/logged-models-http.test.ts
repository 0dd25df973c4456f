/**
 * MLflow 3's logged-model REST API with raw fetch, pinned to MLflow's JSON: the calls
 * `mlflow.pyfunc.log_model` makes in order (runs/get, logged-models create, runs/outputs, log-batch
 * with model_id, artifact upload through the proxy, finalize), then load (get, artifacts), register
 * (`models:/<model_id>` sources), search, and the refusals a client can provoke, never a 500. The
 * same cases run against a file-backed and a MySQL-backed server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileServer, mysqlBackedServer, mysqlDatabaseOrSkip } from './helpers.js';
import { raw } from './raw-http.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk MLflow response JSON of many shapes.
type Json = Record<string, any>;
const MODEL_ID = /^m-[0-9a-f]{32}$/;
const API = '/api/2.0/mlflow';
const MLMODEL = 'artifact_path: model\nflavors: {}\n';

function describeAgainst(label: string, start: () => Promise<{ url: string; close: () => Promise<void> }>): void {
  describe(`logged models over HTTP (${label})`, () => {
    let server: { url: string; close: () => Promise<void> };
    beforeAll(async () => {
      server = await start();
    });
    afterAll(() => server.close());

    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${server.url}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const text = await r.text();
      return { status: r.status, json: (text === '' ? {} : JSON.parse(text)) as Json, text };
    };
    const ok = async (method: string, path: string, body?: unknown) => {
      const r = await call(method, path, body);
      expect(r.status, r.text).toBe(200);
      return r.json;
    };
    const refused = async (method: string, path: string, body: unknown, status: number, code: string) => {
      const r = await call(method, path, body);
      expect(r.status, r.text).toBe(status);
      expect(Object.keys(r.json).sort()).toEqual(['error_code', 'message']);
      expect(r.json.error_code).toBe(code);
      return r.json.message as string;
    };
    const experiment = async (name: string) =>
      (await ok('POST', `${API}/experiments/create`, { name: `${name}-${Math.random().toString(36).slice(2)}` })).experiment_id as string;

    it("runs log_model's calls in order and answers MLflow's JSON at each step", async () => {
      const experimentId = await experiment('lm-flow');
      const run = (await ok('POST', `${API}/runs/create`, { experiment_id: experimentId, start_time: Date.now() })).run;
      const runId = run.info.run_id as string;
      await ok('POST', `${API}/runs/log-batch`, {
        run_id: runId,
        params: [{ key: 'lr', value: '0.1' }],
        metrics: [{ key: 'loss', value: 0.3, timestamp: 1000, step: 0 }],
      });
      // 1. The run's params are copied into the model.
      const params = (await ok('GET', `${API}/runs/get?run_id=${runId}`)).run.data.params;
      // 2. Create.
      const created = await ok('POST', `${API}/logged-models`, {
        experiment_id: experimentId,
        name: 'model',
        source_run_id: runId,
        params,
        tags: [{ key: 'mlflow.user', value: 'alice' }],
      });
      expect(Object.keys(created)).toEqual(['model']);
      const { info } = created.model;
      const modelId = info.model_id as string;
      expect(modelId).toMatch(MODEL_ID);
      expect(info).toMatchObject({
        experiment_id: experimentId,
        name: 'model',
        source_run_id: runId,
        status: 'LOGGED_MODEL_PENDING',
        artifact_uri: `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`,
        tags: [{ key: 'mlflow.user', value: 'alice' }],
      });
      expect(typeof info.creation_timestamp_ms).toBe('number');
      expect(typeof info.last_updated_timestamp_ms).toBe('number');
      expect(created.model.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      // More params in batches, then a get.
      expect(
        await ok('POST', `${API}/logged-models/${modelId}/params`, { model_id: modelId, params: [{ key: 'depth', value: '4' }] }),
      ).toEqual({});
      // 3. Run outputs.
      expect(await ok('POST', `${API}/runs/outputs`, { run_id: runId, models: [{ model_id: modelId, step: 0 }] })).toEqual({});
      // 4. The run's metrics at that step re-sent with model_id, and one with a dataset.
      await ok('POST', `${API}/runs/log-batch`, {
        run_id: runId,
        metrics: [
          { key: 'loss', value: 0.3, timestamp: 1000, step: 0, model_id: modelId },
          { key: 'acc', value: 0.9, timestamp: 1001, step: 0, model_id: modelId, dataset_name: 'eval', dataset_digest: 'd1' },
        ],
      });
      await ok('POST', `${API}/runs/log-metric`, { run_id: runId, key: 'f1', value: 0.5, timestamp: 1002, step: 0, model_id: modelId });
      // 6–7. The artifact location, and the files uploaded through the proxy.
      const got = (await ok('GET', `${API}/logged-models/${modelId}`)).model;
      const proxied = (got.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, '');
      for (const [file, bytes] of [
        ['MLmodel', MLMODEL],
        ['sub/python_model.pkl', 'pickle'],
      ] as const) {
        const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${proxied}/${file}`, { method: 'PUT', body: bytes });
        expect(put.status).toBe(200);
      }
      // 8. Finalize, by proto name or number.
      const ready = await ok('PATCH', `${API}/logged-models/${modelId}`, { model_id: modelId, status: 2 });
      expect(ready.model.info.status).toBe('LOGGED_MODEL_READY');
      expect(
        (await ok('PATCH', `${API}/logged-models/${modelId}`, { model_id: modelId, status: 'LOGGED_MODEL_READY' })).model.info.status,
      ).toBe('LOGGED_MODEL_READY');

      // What the model holds now: params, metrics carrying model_id and run_id.
      const model = (await ok('GET', `${API}/logged-models/${modelId}`)).model;
      expect(model.data.params).toEqual(
        expect.arrayContaining([
          { key: 'lr', value: '0.1' },
          { key: 'depth', value: '4' },
        ]),
      );
      const metrics = (model.data.metrics as Json[]).sort((a, b) => String(a.key).localeCompare(String(b.key)));
      expect(metrics.map((m) => m.key)).toEqual(['acc', 'f1', 'loss']);
      expect(metrics[0]).toMatchObject({
        key: 'acc',
        value: 0.9,
        step: 0,
        timestamp: 1001,
        model_id: modelId,
        run_id: runId,
        dataset_name: 'eval',
        dataset_digest: 'd1',
      });
      expect(metrics.every((m) => m.model_id === modelId && m.run_id === runId)).toBe(true);
      // The run links to the model in runs/get.
      expect((await ok('GET', `${API}/runs/get?run_id=${runId}`)).run.outputs).toEqual({ model_outputs: [{ model_id: modelId, step: 0 }] });

      // load_model: list and read the model's files (API and UI roots).
      for (const root of ['/api', '/ajax-api']) {
        const listed = await ok('GET', `${root}/2.0/mlflow/logged-models/${modelId}/artifacts/directories`);
        expect(listed.root_uri).toBe(got.info.artifact_uri);
        expect(listed.files).toEqual([
          { path: 'MLmodel', is_dir: false, file_size: Buffer.byteLength(MLMODEL) },
          { path: 'sub', is_dir: true },
        ]);
      }
      const sub = await ok('GET', `${API}/logged-models/${modelId}/artifacts/directories?artifact_directory_path=sub`);
      expect(sub.files).toEqual([{ path: 'sub/python_model.pkl', is_dir: false, file_size: 6 }]);
      const file = await fetch(`${server.url}/ajax-api/2.0/mlflow/logged-models/${modelId}/artifacts/files?artifact_file_path=MLmodel`);
      expect(file.status).toBe(200);
      expect(await file.text()).toBe(MLMODEL);
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');

      // register_model: the version's source is `models:/<id>`, its run the model's source run.
      await ok('POST', `${API}/registered-models/create`, { name: `reg-${modelId}` });
      const mv = (
        await ok('POST', `${API}/model-versions/create`, { name: `reg-${modelId}`, source: `models:/${modelId}`, model_id: modelId })
      ).model_version;
      expect(mv).toMatchObject({ name: `reg-${modelId}`, version: '1', source: `models:/${modelId}`, run_id: runId, model_id: modelId });
      const mvGot = (await ok('GET', `${API}/model-versions/get?name=reg-${modelId}&version=1`)).model_version;
      expect(mvGot).toMatchObject({ source: `models:/${modelId}`, model_id: modelId });
      const mvFound = await ok('GET', `${API}/model-versions/search?filter=${encodeURIComponent(`name='reg-${modelId}'`)}`);
      expect(mvFound.model_versions).toMatchObject([{ version: '1', model_id: modelId }]);
      const uri = await ok('GET', `${API}/model-versions/get-download-uri?name=reg-${modelId}&version=1`);
      expect(uri).toEqual({ artifact_uri: got.info.artifact_uri });
      const mvFile = await fetch(`${server.url}/model-versions/get-artifact?name=reg-${modelId}&version=1&path=MLmodel`);
      expect(mvFile.status).toBe(200);
      expect(await mvFile.text()).toContain('artifact_path: model');
      const tagged = await ok('PATCH', `${API}/logged-models/${modelId}/tags`, {
        tags: [{ key: 'mlflow.modelVersions', value: JSON.stringify([{ name: `reg-${modelId}`, version: '1' }]) }],
      });
      expect(tagged.model.info.tags).toContainEqual({ key: 'mlflow.modelVersions', value: `[{"name":"reg-${modelId}","version":"1"}]` });
    });

    it('searches with filter, datasets, order_by objects and page tokens', async () => {
      const experimentId = await experiment('lm-search');
      const runId = (await ok('POST', `${API}/runs/create`, { experiment_id: experimentId, start_time: 1 })).run.info.run_id;
      const ids: Record<string, string> = {};
      for (const [name, acc, type] of [
        ['alpha', 0.9, 'tree'],
        ['beta', 0.7, 'tree'],
        ['gamma', 0.8, 'linear'],
      ] as const) {
        const { model } = await ok('POST', `${API}/logged-models`, {
          experiment_id: experimentId,
          name,
          model_type: type,
          source_run_id: runId,
        });
        ids[name] = model.info.model_id;
        await ok('POST', `${API}/runs/log-batch`, {
          run_id: runId,
          metrics: [
            { key: 'acc', value: acc, timestamp: 1, step: 0, model_id: model.info.model_id, dataset_name: 'eval', dataset_digest: 'e1' },
          ],
        });
      }
      const names = async (body: Json) =>
        ((await ok('POST', `${API}/logged-models/search`, { experiment_ids: [experimentId], ...body })).models ?? []).map(
          (m: Json) => m.info.name,
        );
      expect(await names({ filter: 'metrics.acc > 0.75', order_by: [{ field_name: 'metrics.acc', ascending: false }] })).toEqual([
        'alpha',
        'gamma',
      ]);
      expect(await names({ filter: "model_type = 'tree'", order_by: [{ field_name: 'name' }] })).toEqual(['alpha', 'beta']);
      expect(
        await names({
          datasets: [{ dataset_name: 'eval', dataset_digest: 'e1' }],
          order_by: [{ field_name: 'metrics.acc', ascending: true, dataset_name: 'eval' }],
        }),
      ).toEqual(['beta', 'gamma', 'alpha']);
      expect(await names({ datasets: [{ dataset_name: 'other' }] })).toEqual([]);
      const first = await ok('POST', `${API}/logged-models/search`, {
        experiment_ids: [experimentId],
        max_results: 2,
        order_by: [{ field_name: 'name' }],
      });
      expect(first.models.map((m: Json) => m.info.name)).toEqual(['alpha', 'beta']);
      expect(typeof first.next_page_token).toBe('string');
      const second = await ok('POST', `${API}/logged-models/search`, {
        experiment_ids: [experimentId],
        max_results: 2,
        order_by: [{ field_name: 'name' }],
        page_token: first.next_page_token,
      });
      expect(second.models.map((m: Json) => m.info.name)).toEqual(['gamma']);
      expect(second.next_page_token).toBeUndefined();
      // An empty answer is `{}`, as protobuf prints an empty repeated field.
      expect(await ok('POST', `${API}/logged-models/search`, { experiment_ids: [experimentId], filter: "name = 'none'" })).toEqual({});
    });

    it('deletes tags and models: later reads are 404 RESOURCE_DOES_NOT_EXIST', async () => {
      const experimentId = await experiment('lm-delete');
      const { model } = await ok('POST', `${API}/logged-models`, { experiment_id: experimentId, tags: [{ key: 'a/b', value: '1' }] });
      const id = model.info.model_id as string;
      expect(model.info.name).not.toBe('');
      expect(await ok('DELETE', `${API}/logged-models/${id}/tags/${encodeURIComponent('a/b')}`)).toEqual({});
      expect((await ok('GET', `${API}/logged-models/${id}`)).model.info.tags).toBeUndefined();
      await refused('DELETE', `${API}/logged-models/${id}/tags/a%2Fb`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST');
      expect(await ok('DELETE', `${API}/logged-models/${id}`)).toEqual({});
      expect(await refused('GET', `${API}/logged-models/${id}`, undefined, 404, 'RESOURCE_DOES_NOT_EXIST')).toContain(id);
      await refused('PATCH', `${API}/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' }, 404, 'RESOURCE_DOES_NOT_EXIST');
      expect(await ok('POST', `${API}/logged-models/search`, { experiment_ids: [experimentId] })).toEqual({});
    });

    it('refuses bad input with MLflow errors naming the field, never a 500', async () => {
      const experimentId = await experiment('lm-bad');
      const { model } = await ok('POST', `${API}/logged-models`, { experiment_id: experimentId });
      const id = model.info.model_id as string;
      const unknown = `m-${'0'.repeat(32)}`;
      for (const [method, path, body] of [
        ['GET', `${API}/logged-models/${unknown}`, undefined],
        ['DELETE', `${API}/logged-models/${unknown}`, undefined],
        ['PATCH', `${API}/logged-models/${unknown}/tags`, { tags: [{ key: 'k', value: 'v' }] }],
        ['POST', `${API}/logged-models/${unknown}/params`, { params: [{ key: 'k', value: 'v' }] }],
        ['GET', `${API}/logged-models/${unknown}/artifacts/directories`, undefined],
        ['POST', `${API}/model-versions/create`, { name: 'x', source: `models:/${unknown}` }],
      ] as const) {
        await refused(method, path, body, 404, 'RESOURCE_DOES_NOT_EXIST');
      }
      await refused('POST', `${API}/logged-models`, { experiment_id: '999999999' }, 404, 'RESOURCE_DOES_NOT_EXIST');
      expect(
        await refused(
          'PATCH',
          `${API}/logged-models/${id}`,
          { model_id: id, status: 'LOGGED_MODEL_PENDING' },
          400,
          'INVALID_PARAMETER_VALUE',
        ),
      ).toMatch(/status/);
      expect(await refused('PATCH', `${API}/logged-models/${id}`, { model_id: id }, 400, 'INVALID_PARAMETER_VALUE')).toContain("'status'");
      expect(
        await refused('PATCH', `${API}/logged-models/${id}`, { model_id: id, status: 'DONE' }, 400, 'INVALID_PARAMETER_VALUE'),
      ).toContain("'status'");
      expect(
        await refused(
          'POST',
          `${API}/logged-models/search`,
          { experiment_ids: [experimentId], filter: 'metrics.acc >> 1' },
          400,
          'INVALID_PARAMETER_VALUE',
        ),
      ).toMatch(/\d/);
      await refused('POST', `${API}/logged-models/search`, {}, 400, 'INVALID_PARAMETER_VALUE');
      await refused(
        'POST',
        `${API}/logged-models/search`,
        { experiment_ids: [experimentId], order_by: [{ ascending: true }] },
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expect(
        await refused(
          'PATCH',
          `${API}/logged-models/${id}/tags`,
          { tags: [{ key: 'k'.repeat(251), value: 'v' }] },
          400,
          'INVALID_PARAMETER_VALUE',
        ),
      ).toMatch(/key/);
      await refused('POST', `${API}/logged-models`, { experiment_id: experimentId, name: 'a/b' }, 400, 'INVALID_PARAMETER_VALUE');
      await refused('GET', `${API}/logged-models/not-an-id`, undefined, 400, 'INVALID_PARAMETER_VALUE');
      await refused('POST', `${API}/logged-models/${id}/params`, { params: 'x' }, 400, 'INVALID_PARAMETER_VALUE');
      await ok('POST', `${API}/logged-models/${id}/params`, { params: [{ key: 'p', value: '1' }] });
      expect(
        await refused('POST', `${API}/logged-models/${id}/params`, { params: [{ key: 'p', value: '2' }] }, 400, 'INVALID_PARAMETER_VALUE'),
      ).toContain('p');
      await refused('POST', `${API}/runs/outputs`, { run_id: 'nope', models: [{ model_id: id, step: 0 }] }, 404, 'RESOURCE_DOES_NOT_EXIST');
      await refused('POST', `${API}/runs/outputs`, { models: [{ model_id: id }] }, 400, 'INVALID_PARAMETER_VALUE');
      await refused(
        'POST',
        `${API}/model-versions/create`,
        { name: 'x', source: `models:/${id}`, model_id: unknown },
        400,
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('guards artifact paths of logged models as it guards run artifacts', async () => {
      const experimentId = await experiment('lm-paths');
      const id = (await ok('POST', `${API}/logged-models`, { experiment_id: experimentId })).model.info.model_id as string;
      for (const path of ['../../../etc/passwd', '%2e%2e/%2e%2e/etc/passwd', '/etc/passwd', 'a/../../b']) {
        const q = encodeURIComponent(path);
        const file = await raw(server.url, 'GET', `/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=${q}`);
        expect(file.status, `${path}: ${file.body}`).toBe(400);
        expect(JSON.parse(file.body)).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
        const dir = await raw(server.url, 'GET', `${API}/logged-models/${id}/artifacts/directories?artifact_directory_path=${q}`);
        expect(dir.status, `${path}: ${dir.body}`).toBe(400);
      }
      const none = await raw(server.url, 'GET', `/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files`);
      expect(none.status).toBe(400);
      const missing = await raw(server.url, 'GET', `/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files?artifact_file_path=nope`);
      expect(missing.status).toBe(404);
      // An empty model lists nothing: `{root_uri}` alone.
      expect(Object.keys(await ok('GET', `${API}/logged-models/${id}/artifacts/directories`))).toEqual(['root_uri']);
    });
  });
}

describeAgainst('file store', () => fileServer());

const probe = await mysqlDatabaseOrSkip('labbook_lm_http');
await probe?.drop();
describe.runIf(probe !== undefined)('MySQL', () => {
  describeAgainst('MySQL store', async () => {
    const db = await mysqlDatabaseOrSkip('labbook_lm_http');
    const s = await mysqlBackedServer(db!);
    return { url: s.url, close: s.dispose };
  });
});
