import { randomBytes } from 'node:crypto';
import { type GuardedTrackingStore, type LoggedModel, validatedTrackingStore } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlDriver, MysqlTrackingStore } from '../../../plugins/mysql/src/index.js';
import { available, testDatabase } from '../../../plugins/mysql/test/helpers/db.js';
import { SqlDatabase } from '../src/database.js';
import { importLoggedModel } from '../src/logged-models.js';

type Row = Record<string, unknown>;

const newModelId = () => `m-${randomBytes(16).toString('hex')}`;

/** A finished model as a migration reads it from a source store. */
function sourceModel(modelId: string, experimentId: string, runId: string, overrides: Partial<LoggedModel['info']> = {}): LoggedModel {
  return {
    info: {
      modelId,
      experimentId,
      name: 'clf',
      artifactUri: '',
      creationTimestampMs: 1700000000000,
      lastUpdatedTimestampMs: 1700000000500,
      modelType: 'sklearn',
      sourceRunId: runId,
      status: 'LOGGED_MODEL_READY',
      statusMessage: 'uploaded',
      tags: [
        { key: 'team', value: 'ml' },
        { key: 'mlflow.user', value: 'ada' },
      ],
      ...overrides,
    },
    data: {
      params: [
        { key: 'alpha', value: '0.5' },
        { key: 'Alpha2', value: '1' },
      ],
      metrics: [
        { key: 'rmse', value: 0.4, timestamp: 10, step: 0, modelId, runId },
        { key: 'rmse', value: Number.NaN, timestamp: 20, step: 1, modelId, runId, datasetName: 'val', datasetDigest: 'abc' },
        // No run id on the point: it belongs to the model's source run.
        { key: 'acc', value: 0.9, timestamp: 30, step: 2, modelId },
      ],
    },
  };
}

/** importLoggedModel on MySQL: the model whole with its id, reruns left alone, other data refused. */
describe.runIf(available)('importLoggedModel (SQL core on MySQL)', () => {
  let db: MysqlTestDatabase;
  let inner: MysqlTrackingStore;
  let store: GuardedTrackingStore;
  let target: SqlDatabase;
  const select = (sql: string, values: unknown[] = []) => target.query<Row>(sql, values);

  beforeAll(async () => {
    db = (await testDatabase())!;
    inner = new MysqlTrackingStore({ uri: db.url, artifactRoot: 's3://bucket/mlruns' });
    store = validatedTrackingStore(inner);
    // The core's own database over the MySQL driver, beside the store's.
    target = new SqlDatabase(new MysqlDriver({ uri: db.url }), { artifactRoot: 's3://bucket/mlruns' });
  });
  afterAll(async () => {
    await store?.close();
    await target?.close();
    await db?.drop();
  });

  it('writes the model whole and reads it back as it was', async () => {
    const experimentId = await store.createExperiment(`import-${randomBytes(4).toString('hex')}`);
    const run = await store.createRun({ experimentId, startTime: 1000 });
    const modelId = newModelId();
    const model = sourceModel(modelId, experimentId, run.info.runId);

    expect(await importLoggedModel(target, model)).toBe('created');

    const back = await store.getLoggedModel(modelId);
    expect(back.info).toEqual({
      ...model.info,
      artifactUri: `s3://bucket/mlruns/${experimentId}/models/${modelId}/artifacts`,
      tags: [
        { key: 'mlflow.user', value: 'ada' },
        { key: 'team', value: 'ml' },
      ],
    });
    expect(back.data.params).toEqual([
      { key: 'Alpha2', value: '1' },
      { key: 'alpha', value: '0.5' },
    ]);
    expect(back.data.metrics).toEqual([
      { key: 'acc', value: 0.9, timestamp: 30, step: 2, modelId, runId: run.info.runId },
      { key: 'rmse', value: 0.4, timestamp: 10, step: 0, modelId, runId: run.info.runId },
      { key: 'rmse', value: Number.NaN, timestamp: 20, step: 1, modelId, runId: run.info.runId, datasetName: 'val', datasetDigest: 'abc' },
    ]);
    const [row] = await select('SELECT lifecycle_stage, status FROM logged_models WHERE model_id = ?', [modelId]);
    expect(row).toEqual({ lifecycle_stage: 'active', status: 2 });
    // The search sees it like any other model (status as a name, the latest point NaN).
    const found = await store.searchLoggedModels({
      experimentIds: [experimentId],
      filter: "status = 'LOGGED_MODEL_READY' AND metrics.acc > 0.5",
    });
    expect(found.items.map((m) => m.info.modelId)).toEqual([modelId]);
  });

  it('keeps an explicit artifact location', async () => {
    const experimentId = await store.createExperiment(`import-${randomBytes(4).toString('hex')}`);
    const run = await store.createRun({ experimentId, startTime: 1000 });
    const modelId = newModelId();
    await importLoggedModel(target, sourceModel(modelId, experimentId, run.info.runId, { artifactUri: 's3://elsewhere/model' }));
    expect((await store.getLoggedModel(modelId)).info.artifactUri).toBe('s3://elsewhere/model');
  });

  it('answers a rerun with exists and leaves the model untouched', async () => {
    const experimentId = await store.createExperiment(`import-${randomBytes(4).toString('hex')}`);
    const run = await store.createRun({ experimentId, startTime: 1000 });
    const modelId = newModelId();
    const model = sourceModel(modelId, experimentId, run.info.runId);
    expect(await importLoggedModel(target, model)).toBe('created');
    const before = await store.getLoggedModel(modelId);

    expect(await importLoggedModel(target, model)).toBe('exists');
    // Even a changed copy of the same model is left as it is.
    const changed = sourceModel(modelId, experimentId, run.info.runId, { name: 'renamed', tags: [{ key: 'team', value: 'other' }] });
    expect(await importLoggedModel(target, changed)).toBe('exists');
    expect(await store.getLoggedModel(modelId)).toEqual(before);
  });

  it('refuses a model id the target holds in another experiment, writing nothing', async () => {
    const first = await store.createExperiment(`import-${randomBytes(4).toString('hex')}`);
    const second = await store.createExperiment(`import-${randomBytes(4).toString('hex')}`);
    const run = await store.createRun({ experimentId: first, startTime: 1000 });
    const other = await store.createRun({ experimentId: second, startTime: 1000 });
    const modelId = newModelId();
    await importLoggedModel(target, sourceModel(modelId, first, run.info.runId));
    const before = await store.getLoggedModel(modelId);

    const error = await importLoggedModel(target, sourceModel(modelId, second, other.info.runId)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
    expect((error as Error).message).toContain(
      `Cannot import logged model ${modelId}: the target database already holds different data under that id`,
    );
    expect(await store.getLoggedModel(modelId)).toEqual(before);
  });

  it('refuses a model whose experiment or runs are missing, writing nothing', async () => {
    const experimentId = await store.createExperiment(`import-${randomBytes(4).toString('hex')}`);
    const run = await store.createRun({ experimentId, startTime: 1000 });
    const noExperiment = sourceModel(newModelId(), '987654', run.info.runId);
    await expect(importLoggedModel(target, noExperiment)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: expect.stringContaining('Import the experiment first'),
    });

    const modelId = newModelId();
    const noRun = sourceModel(modelId, experimentId, 'f'.repeat(32));
    await expect(importLoggedModel(target, noRun)).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
      message: expect.stringContaining(`run ${'f'.repeat(32)}`),
    });
    expect(await select('SELECT model_id FROM logged_models WHERE model_id = ?', [modelId])).toEqual([]);

    const orphan = sourceModel(newModelId(), experimentId, run.info.runId);
    delete orphan.info.sourceRunId;
    await expect(importLoggedModel(target, orphan)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining("Metric 'acc'"),
    });
  });

  it('lets concurrent imports of one model end as one created and the rest exists', async () => {
    const experimentId = await store.createExperiment(`import-${randomBytes(4).toString('hex')}`);
    const run = await store.createRun({ experimentId, startTime: 1000 });
    for (let round = 0; round < 10; round++) {
      const modelId = newModelId();
      const model = sourceModel(modelId, experimentId, run.info.runId);
      const outcomes = await Promise.all([1, 2, 3, 4].map(() => importLoggedModel(target, model)));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'exists')).toHaveLength(3);
      expect((await store.getLoggedModel(modelId)).data.metrics).toHaveLength(3);
    }
  });
});
