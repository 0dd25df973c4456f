import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { fsyncs } from '../src/atomic-write.js';
import { FileTrackingStore } from '../src/index.js';
import { removeTempRoots, tempRoot } from './helpers/temp-root.js';

// What each write path costs in waits for the disk is pinned here, so that a change adding a fsync
// (or losing the batching) fails a test instead of slowly showing up in the benchmark. The crash and
// concurrency tests judge that what remains is enough.
async function counting(): Promise<{ waits: () => number; files: () => number; reset: () => void }> {
  const waits = vi.spyOn(fsyncs, 'syncAll');
  // Every FileHandle#sync, also one made outside the seam: those would be waits not counted above.
  const probe = await fsp.open(join(tempRoot(), 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as fsp.FileHandle;
  await probe.close();
  const syncs = vi.spyOn(proto, 'sync');
  const datasyncs = vi.spyOn(proto, 'datasync');
  return {
    waits: () => waits.mock.calls.length,
    files: () => syncs.mock.calls.length + datasyncs.mock.calls.length,
    reset: () => {
      waits.mockClear();
      syncs.mockClear();
      datasyncs.mockClear();
    },
  };
}

describe('fsyncs of a run lifecycle', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(removeTempRoots);

  it('waits once to create a run, once per logBatch with params or tags, once to end it', async () => {
    const store = new FileTrackingStore({ root: join(tempRoot(), 'mlruns') });
    const exp = await store.createExperiment('e', undefined, [{ key: 'team', value: 'x' }]);
    const c = await counting();

    // meta.yaml and three tags (mlflow.runName added), nested key included: one wait for all four.
    const run = await store.createRun({
      experimentId: exp,
      tags: [
        { key: 'mlflow.user', value: 'me' },
        { key: 'mlflow/source/name', value: 'train.py' },
      ],
    });
    expect([c.waits(), c.files()]).toEqual([1, 4]);
    const runId = run.info.runId;

    c.reset();
    await store.logBatch(runId, { metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 0 }], params: [{ key: 'lr', value: '0.1' }] });
    expect([c.waits(), c.files()]).toEqual([1, 1]);

    // Metric appends are never synced.
    c.reset();
    await store.logBatch(runId, { metrics: [{ key: 'loss', value: 0.4, timestamp: 2, step: 1 }] });
    expect([c.waits(), c.files()]).toEqual([0, 0]);

    // Several params and tags: still one wait.
    c.reset();
    await store.logBatch(runId, {
      params: [
        { key: 'a', value: '1' },
        { key: 'nested/b', value: '2' },
        { key: 'c', value: '3' },
      ],
      tags: [
        { key: 't1', value: 'x' },
        { key: 't2', value: 'y' },
      ],
    });
    expect([c.waits(), c.files()]).toEqual([1, 5]);

    c.reset();
    await store.updateRunInfo(runId, { status: 'FINISHED', endTime: 10 });
    expect([c.waits(), c.files()]).toEqual([1, 1]);

    // A rename writes meta.yaml and the mlflow.runName tag, synced together.
    c.reset();
    await store.updateRunInfo(runId, { runName: 'renamed' });
    expect([c.waits(), c.files()]).toEqual([1, 2]);

    const read = await new FileTrackingStore({ root: store.root }).getRun(runId);
    expect(read.info).toMatchObject({ status: 'FINISHED', endTime: 10, runName: 'renamed' });
    expect(read.data.params.map((p) => p.key).sort()).toEqual(['a', 'c', 'lr', 'nested/b']);
    expect(read.data.tags.map((t) => t.key).sort()).toEqual(['mlflow.runName', 'mlflow.user', 'mlflow/source/name', 't1', 't2']);
  });

  it('syncs nothing with fsync: false', async () => {
    const store = new FileTrackingStore({ root: join(tempRoot(), 'mlruns'), fsync: false });
    const c = await counting();
    const runId = (await store.createRun({ experimentId: '0' })).info.runId;
    await store.logBatch(runId, {
      metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
      params: [{ key: 'p', value: 'v' }],
      tags: [{ key: 't', value: 'v' }],
    });
    await store.updateRunInfo(runId, { status: 'FINISHED', endTime: 2 });
    expect(c.files()).toBe(0);
  });

  it('creates an experiment with its tags in one wait', async () => {
    const store = new FileTrackingStore({ root: join(tempRoot(), 'mlruns') });
    await store.getExperiment('0');
    const c = await counting();
    await store.createExperiment('with-tags', undefined, [
      { key: 'a', value: '1' },
      { key: 'b/c', value: '2' },
    ]);
    expect([c.waits(), c.files()]).toEqual([1, 3]);
  });
});
