import { type GuardedTrackingStore, validatedTrackingStore } from '@labbook/core';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlTrackingStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';

type Row = Record<string, unknown>;

/**
 * Logged models on MLflow 3's tables: rows written as MLflow's SqlAlchemyStore writes them are read
 * by labbook, and labbook's rows are what MLflow reads (column by column).
 */
describe.runIf(available)('mysql logged models on MLflow tables', () => {
  let db: MysqlTestDatabase;
  let raw: Pool;
  let inner: MysqlTrackingStore;
  let store: GuardedTrackingStore;
  const select = async (sql: string, values: unknown[] = []) => (await raw.query(sql, values))[0] as Row[];

  beforeAll(async () => {
    db = (await testDatabase())!;
    inner = new MysqlTrackingStore({ uri: db.url, artifactRoot: 's3://bucket/mlruns' });
    store = validatedTrackingStore(inner);
    // The schema exists once the store has been used.
    await store.getExperiment('0');
    raw = mysql.createPool({ uri: db.url, connectionLimit: 2 });
  });
  afterAll(async () => {
    await raw?.end();
    await store?.close();
    await db?.drop();
  });

  it('reads a model MLflow wrote: info, params, tags, metrics with datasets, run outputs, search', async () => {
    const experimentId = await store.createExperiment('mlflow-written');
    const run = await store.createRun({ experimentId, startTime: 1000 });
    const modelId = `m-${'a'.repeat(32)}`;
    await raw.query(
      `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message)
       VALUES (?, ?, 'clf', ?, 1700000000000, 1700000000500, 2, 'active', 'sklearn', ?, NULL)`,
      [modelId, Number(experimentId), `s3://bucket/mlruns/${experimentId}/models/${modelId}/artifacts`, run.info.runId],
    );
    await raw.query('INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?)', [
      modelId,
      Number(experimentId),
      'alpha',
      '0.5',
    ]);
    await raw.query('INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?)', [
      modelId,
      Number(experimentId),
      'mlflow.user',
      'ada',
    ]);
    await raw.query(
      `INSERT INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, experiment_id, run_id, dataset_uuid, dataset_name, dataset_digest)
       VALUES (?, 'rmse', 10, 0, 0.4, ?, ?, NULL, NULL, NULL), (?, 'rmse', 20, 1, 0.3, ?, ?, 'u1', 'val', 'abc')`,
      [modelId, Number(experimentId), run.info.runId, modelId, Number(experimentId), run.info.runId],
    );
    await raw.query(
      "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES ('0123456789abcdef0123456789abcdef', 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, 3)",
      [run.info.runId, modelId],
    );

    const model = await store.getLoggedModel(modelId);
    expect(model.info).toEqual({
      modelId,
      experimentId,
      name: 'clf',
      artifactUri: `s3://bucket/mlruns/${experimentId}/models/${modelId}/artifacts`,
      creationTimestampMs: 1700000000000,
      lastUpdatedTimestampMs: 1700000000500,
      modelType: 'sklearn',
      sourceRunId: run.info.runId,
      status: 'LOGGED_MODEL_READY',
      tags: [{ key: 'mlflow.user', value: 'ada' }],
    });
    expect(model.data.params).toEqual([{ key: 'alpha', value: '0.5' }]);
    expect(model.data.metrics).toEqual([
      { key: 'rmse', value: 0.4, timestamp: 10, step: 0, modelId, runId: run.info.runId },
      { key: 'rmse', value: 0.3, timestamp: 20, step: 1, modelId, runId: run.info.runId, datasetName: 'val', datasetDigest: 'abc' },
    ]);
    expect((await store.getRun(run.info.runId)).outputs).toEqual({ modelOutputs: [{ modelId, step: 3 }] });

    const search = (filter: string, datasets?: { datasetName: string; datasetDigest?: string }[]) =>
      store.searchLoggedModels({ experimentIds: [experimentId], filter, ...(datasets ? { datasets } : {}) });
    // The latest point (timestamp 20) is 0.3.
    expect((await search('metrics.rmse < 0.35')).items.map((m) => m.info.modelId)).toEqual([modelId]);
    expect((await search('metrics.rmse > 0.35')).items).toEqual([]);
    expect((await search('metrics.rmse < 0.35', [{ datasetName: 'val', datasetDigest: 'abc' }])).items).toHaveLength(1);
    expect((await search('metrics.rmse < 0.35', [{ datasetName: 'val', datasetDigest: 'zzz' }])).items).toHaveLength(0);
    expect((await search("status = 'LOGGED_MODEL_READY' AND params.alpha = '0.5' AND tags.`mlflow.user` LIKE 'a%'")).items).toHaveLength(1);
    expect((await search('creation_timestamp >= 1700000000000')).items).toHaveLength(1);
  });

  it('writes rows MLflow reads: logged_models, params, tags, metrics (with dataset_uuid), inputs, soft delete', async () => {
    const experimentId = await store.createExperiment('labbook-written');
    const run = await store.createRun({ experimentId, startTime: 1000 });
    await store.logInputs(run.info.runId, [{ tags: [], dataset: { name: 'train', digest: 'd1', sourceType: 'local', source: '{}' } }]);
    const created = await store.createLoggedModel({
      experimentId,
      name: 'reg',
      modelType: 'torch',
      sourceRunId: run.info.runId,
      params: [{ key: 'lr', value: '0.01' }],
      tags: [{ key: 'team', value: 'ml' }],
    });
    const id = created.info.modelId;
    await store.logBatch(run.info.runId, {
      metrics: [
        { key: 'loss', value: 1.5, timestamp: 100, step: 0, modelId: id, datasetName: 'train', datasetDigest: 'd1' },
        { key: 'loss', value: Number.NaN, timestamp: 200, step: 1, modelId: id },
        { key: 'plain', value: 7, timestamp: 100, step: 0 },
      ],
    });
    await store.logOutputs(run.info.runId, [{ modelId: id, step: 2 }]);

    const [lm] = await select('SELECT * FROM logged_models WHERE model_id = ?', [id]);
    expect(lm).toMatchObject({
      model_id: id,
      experiment_id: Number(experimentId),
      name: 'reg',
      artifact_location: `s3://bucket/mlruns/${experimentId}/models/${id}/artifacts`,
      status: 1,
      lifecycle_stage: 'active',
      model_type: 'torch',
      source_run_id: run.info.runId,
      status_message: null,
    });
    expect(Number(lm!.creation_timestamp_ms)).toBe(created.info.creationTimestampMs);
    expect(Number(lm!.last_updated_timestamp_ms)).toBe(created.info.lastUpdatedTimestampMs);
    expect(await select('SELECT * FROM logged_model_params WHERE model_id = ?', [id])).toEqual([
      { model_id: id, experiment_id: Number(experimentId), param_key: 'lr', param_value: '0.01' },
    ]);
    expect(await select('SELECT * FROM logged_model_tags WHERE model_id = ?', [id])).toEqual([
      { model_id: id, experiment_id: Number(experimentId), tag_key: 'team', tag_value: 'ml' },
    ]);
    const [dataset] = await select('SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ?', [
      Number(experimentId),
      'train',
    ]);
    const metrics = await select('SELECT * FROM logged_model_metrics WHERE model_id = ? ORDER BY metric_timestamp_ms', [id]);
    expect(metrics.map((m) => ({ ...m, metric_timestamp_ms: Number(m.metric_timestamp_ms), metric_step: Number(m.metric_step) }))).toEqual([
      {
        model_id: id,
        metric_name: 'loss',
        metric_timestamp_ms: 100,
        metric_step: 0,
        metric_value: 1.5,
        experiment_id: Number(experimentId),
        run_id: run.info.runId,
        dataset_uuid: dataset!.dataset_uuid,
        dataset_name: 'train',
        dataset_digest: 'd1',
      },
      {
        model_id: id,
        metric_name: 'loss',
        metric_timestamp_ms: 200,
        metric_step: 1,
        metric_value: null,
        experiment_id: Number(experimentId),
        run_id: run.info.runId,
        dataset_uuid: null,
        dataset_name: null,
        dataset_digest: null,
      },
    ]);
    // Model metrics are run metrics too, as in MLflow.
    expect(
      (await select('SELECT `key` FROM metrics WHERE run_uuid = ? ORDER BY `key`, timestamp', [run.info.runId])).map((r) => r.key),
    ).toEqual(['loss', 'loss', 'plain']);
    const outputs = await select("SELECT * FROM inputs WHERE source_type = 'RUN_OUTPUT' AND source_id = ?", [run.info.runId]);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ source_id: run.info.runId, destination_type: 'MODEL_OUTPUT', destination_id: id });
    expect(Number(outputs[0]!.step)).toBe(2);
    expect(String(outputs[0]!.input_uuid)).toMatch(/^[0-9a-f]{32}$/);

    const read = await store.getLoggedModel(id);
    expect(Number.isNaN(read.data.metrics.find((m) => m.timestamp === 200)!.value)).toBe(true);
    // NaN differs from everything; the latest point is the NaN one.
    expect((await store.searchLoggedModels({ experimentIds: [experimentId], filter: 'metrics.loss != 1.5' })).items).toHaveLength(1);
    expect((await store.searchLoggedModels({ experimentIds: [experimentId], filter: 'metrics.loss < 100' })).items).toHaveLength(0);

    const ready = await store.finalizeLoggedModel(id, 'LOGGED_MODEL_READY');
    expect(ready.info.status).toBe('LOGGED_MODEL_READY');
    expect((await select('SELECT status FROM logged_models WHERE model_id = ?', [id]))[0]!.status).toBe(2);
    await store.deleteLoggedModel(id);
    expect((await select('SELECT lifecycle_stage FROM logged_models WHERE model_id = ?', [id]))[0]!.lifecycle_stage).toBe('deleted');
    await expect(store.getLoggedModel(id)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining(id) });
    await expect(store.deleteLoggedModel(id)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('refuses metrics for an unknown model, naming it, and writes nothing of the batch', async () => {
    const experimentId = await store.createExperiment('unknown-model');
    const run = await store.createRun({ experimentId, startTime: 1000 });
    const ghost = `m-${'b'.repeat(32)}`;
    await expect(
      store.logBatch(run.info.runId, { metrics: [{ key: 'acc', value: 1, timestamp: 1, step: 0, modelId: ghost }] }),
    ).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining(ghost) });
    expect(await select('SELECT * FROM metrics WHERE run_uuid = ?', [run.info.runId])).toEqual([]);
    await expect(store.logOutputs(run.info.runId, [{ modelId: ghost, step: 0 }])).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: expect.stringContaining(ghost),
    });
  });

  it('pages with a token when full, ordered by a metric with missing values last', async () => {
    const experimentId = await store.createExperiment('paging');
    const run = await store.createRun({ experimentId, startTime: 1000 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await store.createLoggedModel({ experimentId, name: `m${i}` });
      ids.push(m.info.modelId);
      if (i < 4)
        await store.logBatch(run.info.runId, { metrics: [{ key: 'acc', value: i / 10, timestamp: 1, step: 0, modelId: m.info.modelId }] });
    }
    const page = (pageToken?: string) =>
      store.searchLoggedModels({
        experimentIds: [experimentId],
        orderBy: ['metrics.acc DESC'],
        maxResults: 2,
        ...(pageToken ? { pageToken } : {}),
      });
    const p1 = await page();
    const p2 = await page(p1.nextPageToken);
    const p3 = await page(p2.nextPageToken);
    expect([...p1.items, ...p2.items, ...p3.items].map((m) => m.info.name)).toEqual(['m3', 'm2', 'm1', 'm0', 'm4']);
    expect(p3.nextPageToken).toBeUndefined();
  });
  it('never leaves a half state when finalize and delete race (20 models at once)', async () => {
    const experimentId = await store.createExperiment('race');
    const models = await Promise.all(Array.from({ length: 20 }, () => store.createLoggedModel({ experimentId })));
    const results = await Promise.allSettled(
      models.flatMap((m) => [store.finalizeLoggedModel(m.info.modelId, 'LOGGED_MODEL_READY'), store.deleteLoggedModel(m.info.modelId)]),
    );
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    const rows = await select('SELECT status, lifecycle_stage FROM logged_models WHERE experiment_id = ?', [Number(experimentId)]);
    expect(rows).toHaveLength(20);
    // Deleted every time; finalized unless the delete came first.
    for (const r of rows) {
      expect(r.lifecycle_stage).toBe('deleted');
      expect([1, 2]).toContain(r.status);
    }
    expect((await store.searchLoggedModels({ experimentIds: [experimentId] })).items).toEqual([]);
  });
});
