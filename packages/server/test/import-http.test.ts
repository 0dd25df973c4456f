/**
 * labbook's import routes (`POST /api/2.0/labbook/{experiments,runs,logged-models}/import`) end to
 * end: a file store migrated into a labbook server keeps every id and every metric point; a rerun
 * writes nothing; a different entity under a taken id is refused with 400 RESOURCE_ALREADY_EXISTS and
 * the target left as it was; a server over a store without import answers FEATURE_DISABLED and
 * migrate falls back to new ids; an MLflow server (no such route) is FEATURE_DISABLED in the REST
 * store; malformed bodies are 400 INVALID_PARAMETER_VALUE naming the field, never a 500.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import {
  type GuardedTrackingStore,
  LabbookError,
  type Metric,
  RestTrackingStore,
  migrate,
  toWire,
  validatedTrackingStore,
} from '@labbook/core';
import { FileTrackingStore } from '@labbook/plugin-file';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileStores, fillSource, localArtifacts, removeTempDirs, tempDir, withoutImport } from '../../../test/harness/migrate-suite.js';
import { fileServer } from './helpers.js';
import { postJson } from './raw-http.js';

const IMPORT = '/api/2.0/labbook';
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of open.splice(0).reverse()) await s.close();
  removeTempDirs();
});

/** A file-backed labbook server that allows the temp folder the sources keep their artifacts in. */
async function server(extra: Record<string, unknown> = {}) {
  const s = await fileServer({ allowedArtifactRoots: [tmpdir()], uiDir: '', ...extra });
  open.push(s);
  return s;
}

function rest(url: string, options: Record<string, unknown> = {}): GuardedTrackingStore {
  const store = validatedTrackingStore(new RestTrackingStore(url, { maxRetries: 0, ...options }));
  open.push(store);
  return store;
}

/** A filled file store, with a metric point logged against its logged model. */
async function source() {
  const stores = fileStores();
  open.push(stores.tracking, stores.registry);
  const { runIds } = await fillSource(stores);
  const train = (await stores.tracking.getExperimentByName('train'))!.experimentId;
  const [model] = (await stores.tracking.searchLoggedModels({ experimentIds: [train] })).items;
  await stores.tracking.logBatch(runIds[0]!, {
    metrics: [{ key: 'val_loss', value: 0.25, timestamp: 7, step: 1, modelId: model!.info.modelId }],
  });
  return { tracking: stores.tracking, runIds, modelId: model!.info.modelId, experimentId: train };
}

function points(history: Metric[]): Omit<Metric, 'runId'>[] {
  return history
    .map(({ runId: _run, ...m }) => m)
    .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || String(a.value).localeCompare(String(b.value)));
}

async function histories(store: GuardedTrackingStore, runId: string): Promise<Record<string, Omit<Metric, 'runId'>[]>> {
  const run = await store.getRun(runId);
  const out: Record<string, Omit<Metric, 'runId'>[]> = {};
  for (const { key } of run.data.metrics) out[key] = points((await store.getMetricHistory(runId, key)).items);
  return out;
}

describe('import over HTTP', () => {
  it('keeps the ids of experiments, runs and logged models, with equal histories, and a rerun writes nothing', async () => {
    const src = await source();
    const s = await server();
    const target = rest(s.url);
    expect(target.supportsImport).toBe(true);
    const report = await migrate({ source: src.tracking, target, resolveArtifacts: localArtifacts });
    expect(report.idsKept).toBe(true);
    expect(report.notes.join('\n')).not.toMatch(/refused|new ids/);
    expect(report.source).toEqual(report.target);
    for (const [from, to] of report.experimentIds) expect(to).toBe(from);
    for (const [from, to] of report.runIds) expect(to).toBe(from);
    expect([...report.runIds.keys()].sort()).toEqual([...src.runIds].sort());
    for (const runId of src.runIds) {
      const [a, b] = [await src.tracking.getRun(runId), await target.getRun(runId)];
      expect(b.info).toEqual(a.info);
      expect(b.data.params).toEqual(a.data.params);
      expect(b.data.tags).toEqual(a.data.tags);
      expect(b.inputs).toEqual(a.inputs);
      expect(await histories(target, runId)).toEqual(await histories(src.tracking, runId));
    }
    // "0" (Default) is each store's own and was found there, not copied.
    for (const id of [...report.experimentIds.keys()].filter((e) => e !== '0')) {
      const [a, b] = [await src.tracking.getExperiment(id), await target.getExperiment(id)];
      expect({ ...b, lastUpdateTime: 0 }).toEqual({ ...a, lastUpdateTime: 0 });
    }
    const [a, b] = [await src.tracking.getLoggedModel(src.modelId), await target.getLoggedModel(src.modelId)];
    expect(b.info).toEqual(a.info);
    expect(b.data.params).toEqual(a.data.params);
    expect(points(b.data.metrics)).toEqual(points(a.data.metrics));
    expect(b.data.metrics.length).toBe(1);

    const again = await migrate({ source: src.tracking, target, resolveArtifacts: localArtifacts });
    expect(Object.values(again.written).every((n) => n === 0)).toBe(true);
    expect(again.target).toEqual(report.target);
  });

  it('refuses a different entity under a taken id with 400 RESOURCE_ALREADY_EXISTS and leaves the target as it was', async () => {
    const src = await source();
    const s = await server();
    const target = rest(s.url);
    await migrate({ source: src.tracking, target, resolveArtifacts: localArtifacts });
    const runId = src.runIds[0]!;
    const run = await src.tracking.getRun(runId);
    const before = await target.getRun(runId);
    const taken = await postJson(s.url, `${IMPORT}/runs/import`, {
      run: toWire({ ...run, info: { ...run.info, startTime: 99 }, data: { ...run.data, metrics: [] } }),
      metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }],
    });
    expect(taken.status).toBe(400);
    expect(taken.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(taken.json.message).toContain(runId);
    expect(await target.getRun(runId)).toEqual(before);
    expect(points((await target.getMetricHistory(runId, 'loss')).items)).toHaveLength(4);

    const experiment = await src.tracking.getExperiment(src.experimentId);
    const renamed = await postJson(s.url, `${IMPORT}/experiments/import`, { experiment: toWire({ ...experiment, name: 'another' }) });
    expect(renamed.status).toBe(400);
    expect(renamed.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await target.getExperiment(src.experimentId)).name).toBe(experiment.name);
    await expect(target.getExperimentByName('another')).resolves.toBeNull();
  });

  it('answers FEATURE_DISABLED from a store without import, and migrate falls back to new ids', async () => {
    const src = await source();
    const plain = withoutImport(validatedTrackingStore(new FileTrackingStore({ root: `${tempDir()}/mlruns`, fsync: false })));
    const s = await server({ trackingStore: plain });
    for (const entity of ['experiments', 'runs', 'logged-models']) {
      const r = await postJson(s.url, `${IMPORT}/${entity}/import`, {});
      expect(r.status).toBe(400);
      expect(Object.keys(r.json).sort()).toEqual(['error_code', 'message']);
      expect(r.json.error_code).toBe('FEATURE_DISABLED');
    }
    const target = rest(s.url);
    const report = await migrate({ source: src.tracking, target, resolveArtifacts: localArtifacts, targetName: 'SERVER' });
    expect(report.idsKept).toBe(false);
    expect(report.notes.some((n) => n.startsWith('SERVER refused to import with ids'))).toBe(true);
    expect(report.source).toEqual(report.target);
    for (const [from, to] of report.runIds) expect(to).not.toBe(from);
    const copied = await target.getRun(report.runIds.get(src.runIds[0]!)!);
    expect(copied.data.tags.find((t) => t.key === 'labbook.migrate.sourceRunId')?.value).toBe(src.runIds[0]);
    const again = await migrate({ source: src.tracking, target, resolveArtifacts: localArtifacts });
    expect(again.written.runs).toBe(0);
  });

  it('turns a server without the routes (MLflow) into FEATURE_DISABLED in the REST store', async () => {
    // Flask's answer to an unknown route: 404 with an HTML page.
    const mlflow: Server = createHttpServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
    });
    await new Promise<void>((resolve) => mlflow.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => mlflow.close(() => resolve())) });
    const store = new RestTrackingStore(`http://127.0.0.1:${(mlflow.address() as AddressInfo).port}`, { maxRetries: 0 });
    const error = await store
      .importExperiment({ experimentId: '1', name: 'e', artifactLocation: '', lifecycleStage: 'active', tags: [] })
      .catch((e: unknown) => e);
    expect(LabbookError.is(error) && error.code).toBe('FEATURE_DISABLED');
    expect((error as Error).message).toMatch(/does not offer import/);
  });

  it('keeps the request guard: auth, cross-origin writes and artifacts-only mode', async () => {
    const s = await server({ auth: { tokens: ['tok'] } });
    const body = { experiment: { experiment_id: '5', name: 'guarded' } };
    expect((await postJson(s.url, `${IMPORT}/experiments/import`, body)).status).toBe(401);
    const auth = { authorization: 'Bearer tok' };
    const evil = await postJson(s.url, `${IMPORT}/experiments/import`, body, { ...auth, origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.json.error_code).toBe('PERMISSION_DENIED');
    const ok = await postJson(s.url, `${IMPORT}/experiments/import`, body, auth);
    expect(ok).toEqual({ status: 200, json: { outcome: 'created' } });
    expect(await postJson(s.url, `${IMPORT}/experiments/import`, body, auth)).toEqual({ status: 200, json: { outcome: 'exists' } });

    const artifactsOnly = await server({ artifactsOnly: true });
    const r = await fetch(`${artifactsOnly.url}${IMPORT}/runs/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r.status).toBe(503);
  });

  it('refuses a body over the server limit with 413 naming the limit', async () => {
    const s = await server({ bodyLimit: 4096 });
    const metrics = Array.from({ length: 200 }, (_, i) => ({ key: 'loss', value: i, timestamp: i, step: i }));
    const r = await postJson(s.url, `${IMPORT}/runs/import`, { run: { info: { run_id: 'a'.repeat(32) } }, metrics });
    expect(r.status).toBe(413);
    expect(r.json.error_code).toBe('RESOURCE_EXHAUSTED');
    expect(r.json.message).toContain('4096 bytes');
  });

  describe('malformed bodies', () => {
    let s: Awaited<ReturnType<typeof fileServer>>;
    beforeAll(async () => {
      s = await fileServer({ allowedArtifactRoots: [tmpdir()], uiDir: '' });
    });
    afterAll(() => s.close());
    const run = (info: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) => ({
      run: { info: { run_id: 'a'.repeat(32), experiment_id: '0', status: 'FINISHED', lifecycle_stage: 'active', start_time: 1, ...info } },
      ...rest,
    });
    const model = (info: Record<string, unknown> = {}) => ({
      model: {
        info: {
          model_id: `m-${'b'.repeat(32)}`,
          experiment_id: '0',
          name: 'net',
          status: 'LOGGED_MODEL_READY',
          creation_timestamp_ms: 1,
          ...info,
        },
      },
    });
    const cases: [string, string, unknown, string][] = [
      ['experiments', 'no experiment', {}, 'experiment'],
      ['experiments', 'a list for the experiment', { experiment: [] }, 'experiment'],
      ['experiments', 'a number for the name', { experiment: { experiment_id: '3', name: 7 } }, 'experiment.name'],
      ['experiments', 'a number for the id', { experiment: { experiment_id: 3, name: 'x' } }, 'experiment.experiment_id'],
      ['experiments', 'tags not a list', { experiment: { experiment_id: '3', name: 'x', tags: {} } }, 'experiment.tags'],
      [
        'experiments',
        'an object for a tag key',
        { experiment: { experiment_id: '3', name: 'x', tags: [{ key: {} }] } },
        'experiment.tags[0].key',
      ],
      [
        'experiments',
        'a bad creation time',
        { experiment: { experiment_id: '3', name: 'x', creation_time: 'soon' } },
        'experiment.creation_time',
      ],
      [
        'experiments',
        'an unknown stage',
        { experiment: { experiment_id: '3', name: 'x', lifecycle_stage: 'zombie' } },
        'experiment.lifecycle_stage',
      ],
      [
        'experiments',
        'a location outside the roots',
        { experiment: { experiment_id: '3', name: 'x', artifact_location: '/etc' } },
        'experiment.artifact_location',
      ],
      [
        'experiments',
        'a location with ..',
        { experiment: { experiment_id: '3', name: 'x', artifact_location: 's3://b/../x' } },
        'experiment.artifact_location',
      ],
      ['runs', 'no info', { run: {} }, 'run.info'],
      ['runs', 'no run id', run({ run_id: undefined }), 'run.info.run_id'],
      ['runs', 'a bad start time', run({ start_time: '1.5' }), 'run.info.start_time'],
      ['runs', 'a bad status', run({ status: 'DONE' }), 'run.info.status'],
      ['runs', 'a local artifact uri elsewhere', run({ artifact_uri: 'file:///etc/passwd' }), 'run.info.artifact_uri'],
      ['runs', 'metrics not a list', run({}, { metrics: 'all' }), 'metrics'],
      [
        'runs',
        'an object for a value',
        run(
          {},
          {
            metrics: [
              { key: 'l', value: 1, timestamp: 1 },
              { key: 'l', value: {}, timestamp: 2 },
            ],
          },
        ),
        'metrics[1].value',
      ],
      ['runs', 'text for a value', run({}, { metrics: [{ key: 'l', value: 'high', timestamp: 1 }] }), 'metrics[0].value'],
      ['runs', 'a point without timestamp', run({}, { metrics: [{ key: 'l', value: 1 }] }), 'metrics[0].timestamp'],
      [
        'runs',
        'a dataset input without dataset',
        { ...run(), run: { ...run().run, inputs: { dataset_inputs: [{}] } } },
        'run.inputs.dataset_inputs[0].dataset',
      ],
      ['runs', 'params not a list', { ...run(), run: { ...run().run, data: { params: 'lr=1' } } }, 'run.data.params'],
      ['logged-models', 'no model', {}, 'model'],
      ['logged-models', 'a bad status', model({ status: 'BOGUS' }), 'model.info.status'],
      ['logged-models', 'no creation time', model({ creation_timestamp_ms: undefined }), 'model.info.creation_timestamp_ms'],
      ['logged-models', 'a bad model id', model({ model_id: 'nope' }), 'model.info.model_id'],
    ];
    it.each(cases)('%s: %s → 400 naming %s', async (entity, _what, body, field) => {
      const r = await postJson(s.url, `${IMPORT}/${entity}/import`, body);
      expect(r.status, JSON.stringify(r.json)).toBe(400);
      expect(Object.keys(r.json).sort()).toEqual(['error_code', 'message']);
      expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(r.json.message).toContain(field);
    });

    it('refuses invalid JSON, a JSON list and another content type', async () => {
      const bad = await postJson(s.url, `${IMPORT}/runs/import`, '{"run": ');
      expect(bad.status).toBe(400);
      expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(bad.json.message).toMatch(/not valid JSON/);
      const list = await postJson(s.url, `${IMPORT}/runs/import`, '[1]');
      expect(list.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      const text = await fetch(`${s.url}${IMPORT}/runs/import`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
      expect(text.status).toBe(400);
      expect(await text.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('Content-Type') });
    });
  });
});

afterAll(() => removeTempDirs());
