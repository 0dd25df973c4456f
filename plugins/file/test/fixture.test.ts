import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GuardedTrackingStore, validatedTrackingStore } from '@labbook/core';
import { FileRegistryStore, FileTrackingStore, LocalArtifactRepository } from '../src/index.js';
import { fixtureCopy, removeTempRoots, warnings } from './helpers/temp-root.js';

const R1 = '5b0c3a7e9d2f4e1a8c6b4d2e0f9a7c31';
const R2 = '0d9e1f2a3b4c4d5e8f6a7b8c9d0e1f2a';
const R3 = 'a1b2c3d4e5f64718293a4b5c6d7e8f90';
const R4 = 'fedcba98765443210fedcba987654321';
const E = '587249347212312450';
const T = '902115847120663529';

const byKey = <T extends { key: string }>(xs: T[]) => Object.fromEntries(xs.map((x) => [x.key, x]));

describe('an mlruns/ tree written by MLflow', () => {
  afterEach(removeTempRoots);

  it('opens with every experiment, active and deleted', async () => {
    const w = warnings();
    const store = new FileTrackingStore({ root: fixtureCopy(), onWarning: w.onWarning });
    const all = await validatedTrackingStore(store)
      .searchExperiments({ viewType: 'ALL' })
      .catch(() => undefined);
    const e0 = await store.getExperiment('0');
    expect(e0).toMatchObject({ name: 'Default', lifecycleStage: 'active', creationTime: 1700000000000 });
    const e = await store.getExperiment(E);
    expect(e).toMatchObject({ name: 'churn-model', artifactLocation: `file:///home/alice/project/mlruns/${E}` });
    expect(byKey(e.tags)).toMatchObject({ team: { value: 'growth' }, 'mlflow.note.content': { value: 'Churn experiments' } });
    expect(await store.getExperiment(T)).toMatchObject({ name: 'old-experiment', lifecycleStage: 'deleted' });
    expect((await store.getExperimentByName('old-experiment'))?.experimentId).toBe(T);
    if (all) expect(all.items.map((x) => x.experimentId).sort()).toEqual(['0', E, T].sort());
    expect(w.list).toEqual([]);
  });

  it('reads runs with nothing lost: 2-, 3- and 5-field metric lines, nan/inf, nested keys, empty params', async () => {
    const w = warnings();
    const store = new FileTrackingStore({ root: fixtureCopy(), onWarning: w.onWarning });
    const run = await store.getRun(R1);
    expect(run.info).toMatchObject({
      runId: R1,
      runName: 'baseline',
      experimentId: '0',
      userId: 'alice',
      status: 'FINISHED',
      startTime: 1700000100000,
      endTime: 1700000300000,
      lifecycleStage: 'active',
      artifactUri: `file:///home/alice/project/mlruns/0/${R1}/artifacts`,
    });
    const metrics = byKey(run.data.metrics);
    expect(Object.keys(metrics).sort()).toEqual(['loss', 'rmse', 'train/loss', 'val_acc']);
    expect(metrics.loss).toMatchObject({ value: 1e-5, step: 3, timestamp: 1700000104000 });
    expect(metrics.rmse).toMatchObject({ value: 0.69, step: 0, timestamp: 1700000102000 });
    expect(metrics['train/loss']).toMatchObject({ value: 2, step: 2 });
    expect(metrics.val_acc).toMatchObject({ value: 0.85, step: 1 });
    expect(byKey(run.data.params)).toEqual({
      alpha: { key: 'alpha', value: '0.5' },
      'model/depth': { key: 'model/depth', value: '12' },
      empty: { key: 'empty', value: '' },
    });
    expect(byKey(run.data.tags)['mlflow.note.content']?.value).toBe("Two lines\nof notes: with 'quotes'");
    expect(run.data.tags).toHaveLength(5);

    const loss = await store.getMetricHistory(R1, 'loss');
    expect(loss.items.map((m) => m.value)).toEqual([0.9, 0.5, Number.NaN, 1e-5]);
    const train = await store.getMetricHistory(R1, 'train/loss');
    expect(train.items.map((m) => m.value)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2]);
    const rmse = await store.getMetricHistory(R1, 'rmse');
    expect(rmse.items.map((m) => m.step)).toEqual([0, 0]);
    const val = await store.getMetricHistory(R1, 'val_acc');
    expect(val.items[1]).toMatchObject({ value: 0.85, step: 1, datasetName: 'eval_set', datasetDigest: '3b1f2c9d' });
    expect(w.list).toEqual([]);
  });

  it('reads deleted runs, legacy run_uuid files, run names from tags, inputs and runs in .trash', async () => {
    const store = new FileTrackingStore({ root: fixtureCopy() });
    expect((await store.getRun(R2)).info).toMatchObject({ lifecycleStage: 'deleted', status: 'FAILED', runName: 'failed-try' });
    const legacy = await store.getRun(R3);
    expect(legacy.info).toMatchObject({ runId: R3, runUuid: R3, runName: 'legacy-run', status: 'RUNNING', experimentId: E, userId: 'bob' });
    expect(legacy.info.endTime).toBeUndefined();
    expect(byKey(legacy.data.metrics).auc).toMatchObject({ value: 0.78, step: 1 });
    expect(legacy.inputs.datasetInputs).toEqual([
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: 'churn-train',
          digest: 'd41d8cd9',
          sourceType: 's3',
          source: '{"uri": "s3://bucket/train.csv"}',
          profile: '{"num_rows": 1000}',
        },
      },
    ]);
    expect((await store.getRun(R4)).info).toMatchObject({ lifecycleStage: 'deleted', experimentId: T, runName: 'archived-run' });
  });

  it('keeps MLflow-written files untouched when only reading, and appends in the same format', async () => {
    const root = fixtureCopy();
    const before = readFileSync(join(root, '0', R1, 'metrics/rmse'), 'utf8');
    const store = validatedTrackingStore(new FileTrackingStore({ root }));
    await store.getRun(R1);
    expect(readFileSync(join(root, '0', R1, 'metrics/rmse'), 'utf8')).toBe(before);
    await store.logBatch(R1, { metrics: [{ key: 'rmse', value: 0.6, timestamp: 1700000103000, step: 1 }] });
    expect(readFileSync(join(root, '0', R1, 'metrics/rmse'), 'utf8')).toBe(`${before}1700000103000 0.6 1\n`);
    expect(byKey((await store.getRun(R1)).data.metrics).rmse?.value).toBe(0.6);
  });

  it('reads the registry: versions, stages, aliases, tags, soft-deleted versions hidden', async () => {
    const reg = new FileRegistryStore({ root: fixtureCopy() });
    const model = await reg.getRegisteredModel('churn');
    expect(model).toMatchObject({ name: 'churn', description: 'Predicts churn', creationTimestamp: 1700003000000 });
    expect(model.tags).toEqual([{ key: 'owner', value: 'growth-team' }]);
    expect(model.aliases.sort((a, b) => a.alias.localeCompare(b.alias))).toEqual([
      { alias: 'champion', version: '2' },
      { alias: 'previous', version: '1' },
    ]);
    expect(model.latestVersions.map((v) => [v.version, v.currentStage]).sort()).toEqual([
      ['1', 'Archived'],
      ['2', 'Production'],
    ]);
    const v2 = await reg.getModelVersionByAlias('churn', 'champion');
    expect(v2).toMatchObject({ version: '2', currentStage: 'Production', runId: R1, aliases: ['champion'] });
    expect(v2.tags).toEqual([{ key: 'validated', value: 'true' }]);
    await expect(reg.getModelVersion('churn', '3')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    const v4 = await reg.createModelVersion({ name: 'churn', source: 's3://b/m4' });
    expect(v4.version).toBe('4');
  });

  it('serves run artifacts from the run folder', async () => {
    const root = fixtureCopy();
    const repo = new LocalArtifactRepository(join(root, '0', R1, 'artifacts'));
    expect(await repo.list()).toEqual([
      { path: 'metrics.json', isDir: false, fileSize: 14 },
      { path: 'model', isDir: true },
    ]);
    expect(await repo.list('model')).toEqual([
      { path: 'model/MLmodel', isDir: false, fileSize: statSync(join(root, '0', R1, 'artifacts/model/MLmodel')).size },
    ]);
  });
});
