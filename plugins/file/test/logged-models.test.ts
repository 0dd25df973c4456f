import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { validatedTrackingStore } from '@labbook/core';
import { FileTrackingStore } from '../src/index.js';
import { removeTempRoots, tempRoot, warnings } from './helpers/temp-root.js';

/** A tree in MLflow 3's layout, written by hand from MLflow's FileStore (never modified: tests copy it). */
const FIXTURE3 = fileURLToPath(new URL('./fixtures/mlruns-mlflow3', import.meta.url));
const E = '412873095718273645';
const R = 'c0ffee00d15ea5e0b0a7ab1e5eed1234';
const M = 'm-7f3e2b1a9c8d4e5f6a7b8c9d0e1f2a3b';
const DELETED = 'm-00000000000000000000000000dead01';

function fixture3(): string {
  const root = join(tempRoot(), 'mlruns');
  cpSync(FIXTURE3, root, { recursive: true });
  return root;
}

const byKey = <T extends { key: string }>(xs: T[]) => Object.fromEntries(xs.map((x) => [x.key, x]));

describe('logged models written by MLflow 3', () => {
  afterEach(removeTempRoots);

  it('reads a READY model with its params, tags and every metric point, with and without dataset', async () => {
    const w = warnings();
    const store = validatedTrackingStore(new FileTrackingStore({ root: fixture3(), onWarning: w.onWarning }));
    const model = await store.getLoggedModel(M);
    expect(model.info).toMatchObject({
      modelId: M,
      experimentId: E,
      name: 'forest',
      artifactUri: `file:///home/bob/mlruns/${E}/models/${M}/artifacts`,
      creationTimestampMs: 1735689600000,
      lastUpdatedTimestampMs: 1735689605123,
      sourceRunId: R,
      status: 'LOGGED_MODEL_READY',
    });
    expect(model.info.modelType).toBeUndefined();
    expect(model.info.statusMessage).toBeUndefined();
    expect(byKey(model.info.tags)).toEqual({
      'mlflow.user': { key: 'mlflow.user', value: 'bob' },
      'mlflow.source.name': { key: 'mlflow.source.name', value: 'train.py' },
      'mlflow.source.type': { key: 'mlflow.source.type', value: 'LOCAL' },
    });
    expect(byKey(model.data.params)).toEqual({
      n_estimators: { key: 'n_estimators', value: '100' },
      learning_rate: { key: 'learning_rate', value: '0.05' },
    });
    const acc = model.data.metrics.filter((m) => m.key === 'accuracy');
    expect(acc).toEqual([
      { key: 'accuracy', value: 0.91, timestamp: 1735689601000, step: 0, runId: R, modelId: M },
      {
        key: 'accuracy',
        value: 0.88,
        timestamp: 1735689603000,
        step: 0,
        runId: R,
        modelId: M,
        datasetName: 'eval_set',
        datasetDigest: '5f2b9c1d',
      },
    ]);
    expect(model.data.metrics.find((m) => m.key === 'rmse')).toMatchObject({ value: 0.42, datasetName: 'eval_set' });
    expect(w.list).toEqual([]);
  });

  it('leaves a deleted model out of get and search, and never takes `models` for a run', async () => {
    const store = validatedTrackingStore(new FileTrackingStore({ root: fixture3() }));
    await expect(store.getLoggedModel(DELETED)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    const found = await store.searchLoggedModels({ experimentIds: [E] });
    expect(found.items.map((m) => m.info.modelId)).toEqual([M]);
    const runs = await store.searchRuns({ experimentIds: [E] });
    expect(runs.items.map((r) => r.info.runId)).toEqual([R]);
    expect((await store.getRun(R)).outputs?.modelOutputs).toEqual([{ modelId: M, step: 0 }]);
  });

  it('searches the fixture by metric, per dataset, and by param', async () => {
    const store = validatedTrackingStore(new FileTrackingStore({ root: fixture3() }));
    const ids = async (options: { filter?: string; datasets?: { datasetName: string }[] }) =>
      (await store.searchLoggedModels({ experimentIds: [E], ...options })).items.map((m) => m.info.name);
    // The latest accuracy point is 0.88 (on eval_set); the deleted model's 0.99 never counts.
    expect(await ids({ filter: 'metrics.accuracy > 0.9' })).toEqual([]);
    expect(await ids({ filter: 'metrics.accuracy < 0.9' })).toEqual(['forest']);
    expect(await ids({ filter: 'metrics.accuracy < 0.9', datasets: [{ datasetName: 'other' }] })).toEqual([]);
    expect(await ids({ filter: "params.n_estimators = '100' AND status = 'LOGGED_MODEL_READY'" })).toEqual(['forest']);
  });
});

describe('logged models written by labbook, file by file', () => {
  afterEach(removeTempRoots);

  it('writes meta.yaml with MLflow 3 keys, raw params and tags, and MLflow 3 metric lines', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = validatedTrackingStore(new FileTrackingStore({ root, fsync: false }));
    const experimentId = await store.createExperiment('lm-layout');
    const run = await store.createRun({ experimentId, startTime: 1735689590000 });
    const runId = run.info.runId;
    const model = await store.createLoggedModel({
      experimentId,
      name: 'forest',
      sourceRunId: runId,
      params: [{ key: 'lr', value: '0.05' }],
      tags: [{ key: 'note', value: 'line one\nline two\n' }],
    });
    const id = model.info.modelId;
    const dir = join(root, experimentId, 'models', id);
    const metaText = readFileSync(join(dir, 'meta.yaml'), 'utf8');
    const keys = metaText
      .split('\n')
      .filter((l) => /^[a-z_]+:/.test(l))
      .map((l) => l.slice(0, l.indexOf(':')));
    expect(keys).toEqual([
      'artifact_location',
      'creation_timestamp',
      'experiment_id',
      'last_updated_timestamp',
      'lifecycle_stage',
      'model_id',
      'model_type',
      'name',
      'source_run_id',
      'status',
      'status_message',
    ]);
    expect(metaText).toContain(`artifact_location: file://${root}/${experimentId}/models/${id}/artifacts\n`);
    expect(metaText).toContain(`experiment_id: '${experimentId}'\n`);
    expect(metaText).toContain('lifecycle_stage: active\n');
    expect(metaText).toContain('model_type: null\n');
    expect(metaText).toContain(`source_run_id: ${runId}\n`);
    expect(metaText).toContain('status: 1\n');
    expect(existsSync(join(dir, 'artifacts'))).toBe(true);
    expect(readFileSync(join(dir, 'params', 'lr'), 'utf8')).toBe('0.05');
    expect(readFileSync(join(dir, 'tags', 'note'), 'utf8')).toBe('line one\nline two\n');

    await store.logBatch(runId, {
      metrics: [
        { key: 'acc', value: 0.5, timestamp: 1000, step: 0, modelId: id },
        { key: 'acc', value: 0.75, timestamp: 2000, step: 1, modelId: id, datasetName: 'eval', datasetDigest: 'e1' },
        { key: 'loss', value: 1, timestamp: 3000, step: 2 },
      ],
    });
    expect(readFileSync(join(dir, 'metrics', 'acc'), 'utf8')).toBe(`1000 0.5 0 ${runId}\n2000 0.75 1 ${runId} eval e1\n`);
    expect(readdirSync(join(dir, 'metrics'))).toEqual(['acc']);
    // The run's own files are as before: MLflow's 3- and 5-field lines.
    expect(readFileSync(join(root, experimentId, runId, 'metrics', 'acc'), 'utf8')).toBe('1000 0.5 0\n2000 0.75 1 eval e1\n');

    await store.logOutputs(runId, [{ modelId: id, step: 3 }]);
    const output = readFileSync(join(root, experimentId, runId, 'outputs', id, 'meta.yaml'), 'utf8');
    expect(output).toBe(
      `destination_id: ${id}\ndestination_type: MODEL_OUTPUT\nsource_id: ${runId}\nsource_type: RUN_OUTPUT\nstep: 3\ntags: {}\n`,
    );

    await store.finalizeLoggedModel(id, 'LOGGED_MODEL_READY');
    const finalText = readFileSync(join(dir, 'meta.yaml'), 'utf8');
    expect(finalText).toContain('status: 2\n');
    // As MLflow's finalize: rewritten without lifecycle_stage (absent means active).
    expect(finalText).not.toContain('lifecycle_stage');
    await store.deleteLoggedModel(id);
    expect(readFileSync(join(dir, 'meta.yaml'), 'utf8')).toContain('lifecycle_stage: deleted\n');
    // Nothing labbook-only is left beside MLflow's files.
    expect(readdirSync(dir).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
  });

  it('refuses metrics for an unknown model before writing anything to the run', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = validatedTrackingStore(new FileTrackingStore({ root, fsync: false }));
    const run = await store.createRun({ experimentId: '0' });
    await expect(
      store.logBatch(run.info.runId, { metrics: [{ key: 'acc', value: 1, timestamp: 1, step: 0, modelId: `m-${'a'.repeat(32)}` }] }),
    ).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    expect(existsSync(join(root, '0', run.info.runId, 'metrics', 'acc'))).toBe(false);
  });
});
