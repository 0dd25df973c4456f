import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type GuardedTrackingStore, validatedTrackingStore } from '@labbook/core';
import { FileTrackingStore } from '../src/index.js';
import { spawnWorker } from './helpers/spawn-worker.js';
import { removeTempRoots, tempRoot, warnings } from './helpers/temp-root.js';

const WORKERS = 4;
const BATCHES = 150;

describe('several processes logging into one store', () => {
  afterAll(removeTempRoots);

  it('loses nothing and corrupts nothing', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = validatedTrackingStore(new FileTrackingStore({ root }));
    const run = await store.createRun({ experimentId: '0' });
    const runId = run.info.runId;
    const workers = Array.from({ length: WORKERS }, (_, w) => spawnWorker(['concurrent', root, runId, String(w), String(BATCHES)]));
    const codes = await Promise.all(workers.map((w) => w.exited));
    for (const w of workers) expect(w.stderr.join(''), 'worker stderr').toBe('');
    expect(codes).toEqual(Array(WORKERS).fill(0));

    const w = warnings();
    const reader = validatedTrackingStore(new FileTrackingStore({ root, onWarning: w.onWarning }));
    const shared = (await reader.getMetricHistory(runId, 'shared')).items;
    expect(shared).toHaveLength(WORKERS * BATCHES * 5);
    const steps = new Set(shared.map((m) => m.step));
    expect(steps.size).toBe(WORKERS * BATCHES * 5);
    for (const m of shared) expect(m.value).toBe((m.step % 1_000_000) + 0.25);
    // Each worker's 5 points of a batch were one write(), so they sit together in the file.
    for (let i = 0; i < shared.length; i += 5) {
      const base = shared[i]!.step;
      expect(shared.slice(i, i + 5).map((m) => m.step - base)).toEqual([0, 1, 2, 3, 4]);
    }
    const full = await reader.getRun(runId);
    expect(full.data.params).toHaveLength(WORKERS * BATCHES + 1);
    expect(full.data.metrics).toHaveLength(WORKERS + 1);
    for (let k = 0; k < WORKERS; k++) {
      expect((await reader.getMetricHistory(runId, `w${k}/own`)).items).toHaveLength(BATCHES);
    }
    const exps = await reader.searchExperiments().catch(() => undefined);
    if (exps) expect(exps.items).toHaveLength(WORKERS + 1);
    for (let k = 0; k < WORKERS; k++) {
      const exp = await reader.getExperimentByName(`worker-${k}`);
      expect(exp?.lifecycleStage).toBe('active');
    }
    expect(w.list).toEqual([]);
  }, 120_000);

  it('never loses a meta.yaml field when two processes change different fields', async () => {
    const root = join(tempRoot(), 'mlruns');
    const store = validatedTrackingStore(new FileTrackingStore({ root }));
    const runId = (await store.createRun({ experimentId: '0', runName: 'start' })).info.runId;
    const n = 60;
    const workers = [0, 1].map((w) => spawnWorker(['meta', root, runId, String(w), String(n)]));
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    const run = await new FileTrackingStore({ root }).getRun(runId);
    expect(run.info).toMatchObject({ runName: `name-${n - 1}`, endTime: n - 1, status: 'FINISHED' });
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: `name-${n - 1}` });
    expect(readdirSync(join(root, '0', runId)).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 120_000);

  it('lets exactly one of several processes create an experiment name', async () => {
    const root = join(tempRoot(), 'mlruns');
    await new FileTrackingStore({ root }).getExperiment('0');
    const workers = Array.from({ length: WORKERS }, (_, w) => spawnWorker(['samename', root, '-', String(w), '0']));
    await Promise.all(workers.map((w) => w.exited));
    const outcomes = workers.map((w) => w.lines[0]).sort();
    expect(outcomes).toEqual(['RESOURCE_ALREADY_EXISTS', 'RESOURCE_ALREADY_EXISTS', 'RESOURCE_ALREADY_EXISTS', 'created']);
    const all = await validatedTrackingStore(new FileTrackingStore({ root })).searchExperiments({ filter: "name = 'one-name'" });
    expect(all.items).toHaveLength(1);
  }, 60_000);

  it('serialises overlapping meta.yaml updates from two store instances', async () => {
    const root = join(tempRoot(), 'mlruns');
    const [a, b] = [new FileTrackingStore({ root }), new FileTrackingStore({ root })];
    const runId = (await a.createRun({ experimentId: '0', runName: 'start' })).info.runId;
    for (let i = 0; i < 20; i++) {
      await Promise.all([a.updateRunInfo(runId, { runName: `n${i}` }), b.updateRunInfo(runId, { endTime: i + 1, status: 'KILLED' })]);
      const info = (await new FileTrackingStore({ root }).getRun(runId)).info;
      expect(info).toMatchObject({ runName: `n${i}`, endTime: i + 1, status: 'KILLED' });
    }
  });
});
