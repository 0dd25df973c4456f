// ImportMethods of the file store: what migrate writes must be MLflow's layout, whole or not at all,
// and never over another entity.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Run, validatedTrackingStore } from '@labbook/core';
import { FileTrackingStore } from '../src/index.js';
import { removeTempRoots, tempRoot } from './helpers/temp-root.js';

afterEach(removeTempRoots);

function store() {
  const root = join(tempRoot(), 'mlruns');
  return { root, store: validatedTrackingStore(new FileTrackingStore({ root, fsync: false })) };
}

const runId = 'a'.repeat(32);
const run = (over: Partial<Run['info']> = {}): Run => ({
  info: {
    runId,
    runUuid: runId,
    runName: 'imported',
    experimentId: '7',
    userId: 'me',
    status: 'FINISHED',
    startTime: 10,
    endTime: 20,
    artifactUri: '',
    lifecycleStage: 'active',
    ...over,
  },
  data: { metrics: [], params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'mlflow.runName', value: 'imported' }] },
  inputs: { datasetInputs: [{ tags: [], dataset: { name: 'd', digest: 'x1', sourceType: 'local', source: '/d' } }] },
  outputs: { modelOutputs: [{ modelId: `m-${'b'.repeat(32)}`, step: 3 }] },
});

describe('file store import', () => {
  it('writes experiments and runs with their ids in MLflow layout', async () => {
    const { root, store: s } = store();
    expect(
      await s.importExperiment({
        experimentId: '7',
        name: 'seven',
        artifactLocation: '',
        lifecycleStage: 'active',
        tags: [{ key: 't', value: 'v' }],
      }),
    ).toBe('created');
    const metrics = [
      { key: 'loss', value: Number.NaN, timestamp: 1, step: 0 },
      { key: 'loss', value: Number.NEGATIVE_INFINITY, timestamp: 2, step: 1 },
      { key: 'a/b', value: 1.5, timestamp: 3, step: 2 },
    ];
    expect(await s.importRun({ run: run(), metrics })).toBe('created');
    const dir = join(root, '7', runId);
    expect(readFileSync(join(dir, 'metrics', 'loss'), 'utf8')).toBe('1 nan 0\n2 -inf 1\n');
    expect(readFileSync(join(dir, 'metrics', 'a', 'b'), 'utf8')).toBe('3 1.5 2\n');
    expect(readFileSync(join(dir, 'params', 'lr'), 'utf8')).toBe('0.1');
    expect(readFileSync(join(dir, 'meta.yaml'), 'utf8')).toContain(`artifact_uri: file://${root}/7/${runId}/artifacts`);
    expect(existsSync(join(dir, 'outputs', `m-${'b'.repeat(32)}`, 'meta.yaml'))).toBe(true);
    const back = await s.getRun(runId);
    expect(back.info).toMatchObject({ runName: 'imported', status: 'FINISHED', startTime: 10, endTime: 20, userId: 'me' });
    expect(back.inputs.datasetInputs[0]?.dataset.digest).toBe('x1');
    expect(back.outputs?.modelOutputs).toEqual([{ modelId: `m-${'b'.repeat(32)}`, step: 3 }]);
    expect((await s.getExperiment('7')).tags).toEqual([{ key: 't', value: 'v' }]);
    // A rerun finds them there.
    expect(await s.importExperiment({ experimentId: '7', name: 'seven', artifactLocation: '', lifecycleStage: 'active', tags: [] })).toBe(
      'exists',
    );
    expect(await s.importRun({ run: run(), metrics })).toBe('exists');
    expect(readFileSync(join(dir, 'metrics', 'loss'), 'utf8')).toBe('1 nan 0\n2 -inf 1\n');
    expect(readdirSync(join(root, '7')).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('refuses a different entity under the same id and leaves it as it was', async () => {
    const { store: s } = store();
    await s.importExperiment({ experimentId: '7', name: 'seven', artifactLocation: '', lifecycleStage: 'active', tags: [] });
    await expect(
      s.importExperiment({ experimentId: '7', name: 'other', artifactLocation: '', lifecycleStage: 'active', tags: [] }),
    ).rejects.toMatchObject({
      code: 'RESOURCE_ALREADY_EXISTS',
    });
    await expect(
      s.importExperiment({ experimentId: '8', name: 'seven', artifactLocation: '', lifecycleStage: 'active', tags: [] }),
    ).rejects.toMatchObject({
      code: 'RESOURCE_ALREADY_EXISTS',
    });
    await s.importRun({ run: run(), metrics: [] });
    await expect(s.importRun({ run: run({ startTime: 99 }), metrics: [] })).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
    expect((await s.getRun(runId)).info.startTime).toBe(10);
  });

  it('puts deleted experiments in .trash and needs the experiment for a run', async () => {
    const { root, store: s } = store();
    await expect(s.importRun({ run: run(), metrics: [] })).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await s.importExperiment({ experimentId: '7', name: 'seven', artifactLocation: '', lifecycleStage: 'deleted', tags: [] });
    expect(existsSync(join(root, '.trash', '7', 'meta.yaml'))).toBe(true);
    expect(await s.importRun({ run: run({ lifecycleStage: 'deleted' }), metrics: [] })).toBe('created');
    expect((await s.getRun(runId)).info.lifecycleStage).toBe('deleted');
  });

  it('imports logged models with their ids, params, tags and metrics', async () => {
    const { store: s } = store();
    await s.importExperiment({ experimentId: '7', name: 'seven', artifactLocation: '', lifecycleStage: 'active', tags: [] });
    const modelId = `m-${'c'.repeat(32)}`;
    const model = {
      info: {
        modelId,
        experimentId: '7',
        name: 'net',
        artifactUri: '',
        creationTimestampMs: 5,
        lastUpdatedTimestampMs: 6,
        status: 'LOGGED_MODEL_READY' as const,
        sourceRunId: runId,
        tags: [{ key: 'k', value: 'v' }],
      },
      data: { params: [{ key: 'p', value: '1' }], metrics: [{ key: 'acc', value: 0.5, timestamp: 1, step: 0, runId }] },
    };
    expect(await s.importLoggedModel(model)).toBe('created');
    const back = await s.getLoggedModel(modelId);
    expect(back.info).toMatchObject({ name: 'net', status: 'LOGGED_MODEL_READY', creationTimestampMs: 5, sourceRunId: runId });
    expect(back.info.artifactUri).toMatch(new RegExp(`/7/models/${modelId}/artifacts$`));
    expect(back.data.params).toEqual([{ key: 'p', value: '1' }]);
    expect(back.data.metrics.map((m) => m.value)).toEqual([0.5]);
    expect(await s.importLoggedModel(model)).toBe('exists');
  });

  it('is refused with a clear message for bad input', async () => {
    const { store: s } = store();
    await expect(s.importRun({ run: run({ runId: '../x' }), metrics: [] })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(s.importRun({ run: run(), metrics: [{ key: 'm', value: 1, timestamp: -1, step: 0 }] })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
  });
});
