import { randomBytes } from 'node:crypto';
import { type GuardedTrackingStore, validatedTrackingStore } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';
import { MysqlTrackingStore } from '../../../plugins/mysql/src/index.js';
import { available, testDatabase } from '../../../plugins/mysql/test/helpers/db.js';
import { SqlDatabase } from '../src/database.js';
import * as loggedModels from '../src/logged-models.js';
import { narrowDriver } from './helpers/narrow-driver.js';

/** The logged-model writes the port reshaped: split statements, folded repeats, checks before writes. */
describe.runIf(available)('logged-model writes (SQL core on MySQL)', () => {
  let db: MysqlTestDatabase;
  let store: GuardedTrackingStore;
  let narrow: SqlDatabase;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = validatedTrackingStore(new MysqlTrackingStore({ uri: db.url, artifactRoot: 's3://bucket/mlruns' }));
    await store.getExperiment('0');
    narrow = new SqlDatabase(narrowDriver(db.url, 4));
  });
  afterAll(async () => {
    await store?.close();
    await narrow?.close();
    await db?.drop();
  });

  async function runAndModel() {
    const experimentId = await store.createExperiment(`writes-${randomBytes(4).toString('hex')}`);
    const run = await store.createRun({ experimentId, startTime: 1000 });
    const model = await store.createLoggedModel({ experimentId, name: 'm', sourceRunId: run.info.runId });
    return { experimentId, runId: run.info.runId, modelId: model.info.modelId };
  }

  it('splits params, tags and metric points into statements under the parameter limit', async () => {
    const { experimentId, runId } = await runAndModel();
    const modelId = `m-${randomBytes(16).toString('hex')}`;
    const params = Array.from({ length: 5 }, (_, i) => ({ key: `p${i}`, value: `${i}` }));
    const tags = Array.from({ length: 5 }, (_, i) => ({ key: `t${i}`, value: `${i}` }));
    const metrics = Array.from({ length: 5 }, (_, i) => ({ key: 'loss', value: i / 10, timestamp: 100 + i, step: i, modelId, runId }));
    const outcome = await loggedModels.importLoggedModel(narrow, {
      info: {
        modelId,
        experimentId,
        name: 'narrow',
        artifactUri: '',
        creationTimestampMs: 1,
        lastUpdatedTimestampMs: 2,
        status: 'LOGGED_MODEL_PENDING',
        tags,
      },
      data: { params, metrics },
    });
    expect(outcome).toBe('created');
    await loggedModels.logLoggedModelParams(narrow, modelId, [...params, { key: 'p9', value: '9' }]);
    await loggedModels.setLoggedModelTags(narrow, modelId, [{ key: 't0', value: 'new' }, ...tags.slice(1)]);
    const back = await store.getLoggedModel(modelId);
    expect(back.data.params).toEqual([...params, { key: 'p9', value: '9' }]);
    expect(back.info.tags).toEqual([{ key: 't0', value: 'new' }, ...tags.slice(1)]);
    expect(back.data.metrics).toEqual(metrics);
    const changed = loggedModels.logLoggedModelParams(narrow, modelId, [{ key: 'p3', value: 'other' }]);
    await expect(changed).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("key='p3'") });
  });

  it('folds a point logged twice in one batch (the last wins) and checks the model before writing', async () => {
    const { experimentId, runId, modelId } = await runAndModel();
    const point = { key: 'acc', timestamp: 5, step: 0, modelId };
    await narrow.transaction(
      (c) =>
        loggedModels.insertModelMetrics(
          c,
          runId,
          Number(experimentId),
          [
            { ...point, value: 1 },
            { ...point, value: 2 },
          ],
          narrow.dialect,
        ),
      true,
    );
    expect((await store.getLoggedModel(modelId)).data.metrics).toEqual([{ ...point, value: 2, runId }]);

    const unknown = `m-${'0'.repeat(32)}`;
    const bad = narrow.transaction(
      (c) =>
        loggedModels.insertModelMetrics(
          c,
          runId,
          Number(experimentId),
          [
            { ...point, value: 3 },
            { ...point, modelId: unknown, value: 1 },
          ],
          narrow.dialect,
        ),
      true,
    );
    await expect(bad).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining(unknown) });
    expect((await store.getLoggedModel(modelId)).data.metrics).toEqual([{ ...point, value: 2, runId }]);
  });

  it('records one output per model, the last step winning', async () => {
    const { runId, modelId } = await runAndModel();
    await loggedModels.logOutputs(
      narrow,
      runId,
      [
        { modelId, step: 1 },
        { modelId, step: 4 },
      ],
      async () => undefined,
    );
    expect(
      (await loggedModels.runOutputs(narrow, [runId, 'x'.repeat(32), 'y'.repeat(32), 'z'.repeat(32), 'w'.repeat(32)])).get(runId),
    ).toEqual([{ modelId, step: 4 }]);
    await expect(
      loggedModels.logOutputs(narrow, runId, [{ modelId: `m-${'1'.repeat(32)}`, step: 0 }], async () => undefined),
    ).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('soft-deletes by exact id and deletes tags by exact key', async () => {
    const { modelId } = await runAndModel();
    await loggedModels.setLoggedModelTags(narrow, modelId, [{ key: 'Key', value: 'v' }]);
    await expect(loggedModels.deleteLoggedModelTag(narrow, modelId, 'key')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await loggedModels.deleteLoggedModelTag(narrow, modelId, 'Key');
    await expect(loggedModels.deleteLoggedModel(narrow, modelId.toUpperCase())).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await loggedModels.deleteLoggedModel(narrow, modelId);
    await expect(loggedModels.getLoggedModel(narrow, modelId)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });
});
