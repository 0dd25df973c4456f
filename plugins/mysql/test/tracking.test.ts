import { LabbookError, validatedTrackingStore } from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlTrackingStore } from '../src/index.js';
import { available, mysql, testDatabase } from './helpers/db.js';
import type { MysqlTestDatabase } from '../../../test/harness/mysql.js';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (LabbookError.is(e)) return e.code;
    throw e;
  }
  return 'OK';
}

describe.runIf(available)('MysqlTrackingStore semantics', () => {
  let db: MysqlTestDatabase;
  let store: MysqlTrackingStore;

  beforeAll(async () => {
    db = (await testDatabase())!;
    store = new MysqlTrackingStore({ uri: db.url, artifactRoot: '/tmp/art' });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('initialises the schema once with experiment 0 and the alembic head', async () => {
    const e0 = await store.getExperiment('0');
    expect(e0).toMatchObject({ experimentId: '0', name: 'Default', artifactLocation: '/tmp/art/0', lifecycleStage: 'active' });
    const conn = await mysql.createConnection({ uri: db.url });
    const [rows] = await conn.query('SELECT version_num FROM alembic_version');
    await conn.end();
    expect(rows).toEqual([{ version_num: 'bf29a5ff90ea' }]);
    // A second store on the same database reuses it.
    const again = new MysqlTrackingStore({ uri: db.url });
    expect((await again.getExperimentByName('Default'))?.experimentId).toBe('0');
    await again.close();
  });

  it('autoincrements experiment ids, defaults artifact locations, keeps names unique and case-sensitive', async () => {
    const a = await store.createExperiment('exp-a');
    const b = await store.createExperiment('exp-b', 's3://bucket/b', [{ key: 't', value: 'v' }]);
    expect(Number(b)).toBe(Number(a) + 1);
    expect((await store.getExperiment(a)).artifactLocation).toBe(`/tmp/art/${a}`);
    expect(await store.getExperiment(b)).toMatchObject({ artifactLocation: 's3://bucket/b', tags: [{ key: 't', value: 'v' }] });
    expect(await code(store.createExperiment('exp-a'))).toBe('RESOURCE_ALREADY_EXISTS');
    expect(await store.getExperimentByName('EXP-A')).toBeNull();
    expect(await code(store.getExperiment('999999'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await code(store.getExperiment('1 OR 1=1'))).toBe('RESOURCE_DOES_NOT_EXIST');
    await store.deleteExperiment(a);
    expect(await code(store.createExperiment('exp-a'))).toBe('RESOURCE_ALREADY_EXISTS');
    expect(await code(store.createRun({ experimentId: a }))).toBe('INVALID_PARAMETER_VALUE');
    await store.restoreExperiment(a);
  });

  it('creates runs with MLflow artifact URIs and syncs mlflow.runName with runs.name', async () => {
    const exp = await store.createExperiment('runs-exp');
    const run = await store.createRun({ experimentId: exp, runName: 'first', userId: 'u', startTime: 1000 });
    expect(run.info).toMatchObject({ runName: 'first', status: 'RUNNING', userId: 'u', startTime: 1000, experimentId: exp });
    expect(run.info.artifactUri).toBe(`/tmp/art/${exp}/${run.info.runId}/artifacts`);
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'first' });
    await store.logBatch(run.info.runId, { tags: [{ key: 'mlflow.runName', value: 'renamed' }] });
    expect((await store.getRun(run.info.runId)).info.runName).toBe('renamed');
    const info = await store.updateRunInfo(run.info.runId, { status: 'FINISHED', endTime: 2000, runName: 'third' });
    expect(info).toMatchObject({ status: 'FINISHED', endTime: 2000, runName: 'third' });
    expect((await store.getRun(run.info.runId)).data.tags).toContainEqual({ key: 'mlflow.runName', value: 'third' });
  });

  it('stores NaN as is_nan, clamps infinities, de-duplicates points and keeps latest_metrics', async () => {
    const exp = await store.createExperiment('metrics-exp');
    const { info } = await store.createRun({ experimentId: exp });
    await store.logBatch(info.runId, {
      metrics: [
        { key: 'm', value: 1, timestamp: 10, step: 0 },
        { key: 'm', value: 1, timestamp: 10, step: 0 },
        { key: 'm', value: 5, timestamp: 5, step: 2 },
        { key: 'm', value: 3, timestamp: 99, step: 1 },
        { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 },
        { key: 'inf', value: Number.POSITIVE_INFINITY, timestamp: 1, step: 0 },
        { key: 'ninf', value: Number.NEGATIVE_INFINITY, timestamp: 1, step: 0 },
      ],
    });
    await store.logBatch(info.runId, { metrics: [{ key: 'm', value: 0, timestamp: 1, step: 1 }] });
    const hist = await store.getMetricHistory(info.runId, 'm');
    expect(hist.items.map((m) => [m.value, m.timestamp, m.step])).toEqual([
      [0, 1, 1],
      [5, 5, 2],
      [1, 10, 0],
      [3, 99, 1],
    ]);
    const run = await store.getRun(info.runId);
    const latest = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
    expect(latest.m).toBe(5);
    expect(latest.nan).toBeNaN();
    expect(latest.inf).toBe(1.7976931348623157e308);
    expect(latest.ninf).toBe(-1.7976931348623157e308);
    // A later batch with a larger step wins; an older one does not.
    await store.logBatch(info.runId, {
      metrics: [
        { key: 'm', value: -1, timestamp: 1, step: 3 },
        { key: 'nan', value: 2, timestamp: 0, step: 0 },
      ],
    });
    const after = Object.fromEntries((await store.getRun(info.runId)).data.metrics.map((m) => [m.key, m.value]));
    expect(after.m).toBe(-1);
    expect(after.nan).toBeNaN();
    expect(await store.getMetricHistory(info.runId, 'M')).toEqual({ items: [] });
    const page1 = await store.getMetricHistory(info.runId, 'm', { maxResults: 2 });
    expect(page1.items).toHaveLength(2);
    const page2 = await store.getMetricHistory(info.runId, 'm', { maxResults: 2, pageToken: page1.nextPageToken! });
    const page3 = await store.getMetricHistory(info.runId, 'm', { maxResults: 2, pageToken: page2.nextPageToken! });
    expect([...page1.items, ...page2.items, ...page3.items].map((m) => m.value)).toEqual([0, -1, 5, 1, 3]);
    expect(page3.nextPageToken).toBeUndefined();
  });

  it('keeps params immutable and tags upserted, refuses writes to deleted runs', async () => {
    const exp = await store.createExperiment('params-exp');
    const { info } = await store.createRun({ experimentId: exp });
    await store.logBatch(info.runId, { params: [{ key: 'p', value: 'a' }], tags: [{ key: 't', value: '1' }] });
    await store.logBatch(info.runId, { params: [{ key: 'p', value: 'a' }], tags: [{ key: 't', value: '2' }] });
    let err: unknown;
    try {
      await store.logBatch(info.runId, { params: [{ key: 'p', value: 'A' }], metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0 }] });
    } catch (e) {
      err = e;
    }
    expect(LabbookError.is(err) && err.code).toBe('INVALID_PARAMETER_VALUE');
    expect((err as Error).message).toContain('Changing param values is not allowed');
    const run = await store.getRun(info.runId);
    expect(run.data.params).toEqual([{ key: 'p', value: 'a' }]);
    expect(run.data.tags).toContainEqual({ key: 't', value: '2' });
    // The failed batch rolled back as a whole.
    expect(run.data.metrics).toEqual([]);
    expect(await code(store.deleteTag(info.runId, 'missing'))).toBe('RESOURCE_DOES_NOT_EXIST');
    await store.deleteTag(info.runId, 't');
    await store.deleteRun(info.runId);
    expect((await store.getRun(info.runId)).info.lifecycleStage).toBe('deleted');
    expect(await code(store.logBatch(info.runId, { tags: [{ key: 'x', value: 'y' }] }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await code(store.updateRunInfo(info.runId, { status: 'FAILED' }))).toBe('INVALID_PARAMETER_VALUE');
    await store.restoreRun(info.runId);
    expect(await code(store.getRun('0123456789abcdef0123456789abcdef'))).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('reads metric values back bit-exact', async () => {
    const exp = await store.createExperiment('precision-exp');
    const { info } = await store.createRun({ experimentId: exp });
    const values = [0.1 + 0.2, Math.PI / 3, 1e-300, 5e-324, 2 ** 53 + 2, -1.7976931348623157e308];
    await store.logBatch(info.runId, { metrics: values.map((value, i) => ({ key: 'p', value, timestamp: i, step: i })) });
    expect((await store.getMetricHistory(info.runId, 'p')).items.map((m) => m.value)).toEqual(values);
  });

  it('refuses a param key that only differs in case from a logged one rather than dropping it', async () => {
    const exp = await store.createExperiment('case-exp');
    const { info } = await store.createRun({ experimentId: exp });
    await store.logBatch(info.runId, { params: [{ key: 'lr', value: '1' }] });
    // utf8mb4_general_ci (the default) folds case in the primary key; a _bin database keeps both.
    const r = await code(store.logBatch(info.runId, { params: [{ key: 'LR', value: '2' }] }));
    const params = (await store.getRun(info.runId)).data.params;
    if (r === 'OK') expect(params).toContainEqual({ key: 'LR', value: '2' });
    else expect([r, params]).toEqual(['INVALID_PARAMETER_VALUE', [{ key: 'lr', value: '1' }]]);
  });

  it('logs dataset inputs once and returns them with the run', async () => {
    const exp = await store.createExperiment('inputs-exp');
    const { info } = await store.createRun({ experimentId: exp });
    const input = {
      tags: [{ key: 'mlflow.data.context', value: 'training' }],
      dataset: { name: 'd', digest: 'abc', sourceType: 'local', source: '{}' },
    };
    await store.logInputs(info.runId, [input]);
    await store.logInputs(info.runId, [input]);
    expect((await store.getRun(info.runId)).inputs.datasetInputs).toEqual([input]);
    const found = await validatedTrackingStore(store).searchRuns({
      experimentIds: [exp],
      filter: "dataset.context = 'training' AND dataset.name = 'd'",
    });
    expect(found.items.map((r) => r.info.runId)).toEqual([info.runId]);
  });
});
