import { type Client, flush, withRun } from '@labbook/core';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { autolog, isAutologEnabled, labbookCallback } from '../src/index.js';
import { freshStore, smallModel } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => autolog({ disable: true }));

const tag = (run: { data: { tags: { key: string; value: string }[] } }, key: string) => run.data.tags.find((t) => t.key === key)?.value;
const param = (run: { data: { params: { key: string; value: string }[] } }, key: string) =>
  run.data.params.find((t) => t.key === key)?.value;

/** Every metric of the history is logged under the same name, at step = epoch, with the same value. */
async function expectHistoryLogged(client: Client, runId: string, history: tf.History): Promise<void> {
  const keys = Object.keys(history.history).sort();
  expect(keys.length).toBeGreaterThan(0);
  const run = await client.getRun(runId);
  const logged = [...new Set(run.data.metrics.map((m) => m.key))].filter((k) => !k.startsWith('system/')).sort();
  expect(logged).toEqual(keys);
  for (const key of keys) {
    const points = await client.getMetricHistory(runId, key);
    expect(points.map((p) => p.step)).toEqual(history.epoch);
    const expected = history.history[key]!.map(Number);
    points.forEach((p, i) => expect(p.value).toBeCloseTo(expected[i]!, 6));
  }
}

describe('labbookCallback', () => {
  it('logs every epoch metric of History inside withRun', async () => {
    const { client } = freshStore();
    const { model, xs, ys } = smallModel();
    let runId = '';
    const history = await withRun(async (run) => {
      runId = run.runId;
      return model.fit(xs, ys, { epochs: 4, batchSize: 16, validationSplit: 0.25, callbacks: [labbookCallback()], verbose: 0 });
    });
    await expectHistoryLogged(client, runId, history);
    expect(Object.keys(history.history)).toEqual(expect.arrayContaining(['loss', 'acc', 'val_loss', 'val_acc']));
    const run = await client.getRun(runId);
    expect(param(run, 'epochs')).toBe('4');
    expect(param(run, 'batch_size')).toBe('16');
    expect(param(run, 'opt_name')).toBe('Adam');
    expect(param(run, 'opt_learning_rate')).toBe('0.01');
    expect(param(run, 'opt_beta_1')).toBe('0.9');
    // A user's run is not tagged as autologged.
    expect(tag(run, 'mlflow.autologging')).toBeUndefined();
    const summary = await client.readArtifactText(runId, 'model_summary.txt');
    expect(summary).toContain('Total params: 42');
  });

  it('starts and ends its own run when none is active', async () => {
    const { client } = freshStore();
    const { model, xs, ys } = smallModel();
    const history = await model.fit(xs, ys, { epochs: 2, callbacks: [labbookCallback()], verbose: 0 });
    const runs = await client.searchRuns('0');
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]!.info.status).toBe('FINISHED');
    await expectHistoryLogged(client, runs.items[0]!.info.runId, history);
  });

  it('logs batch metrics every N steps at a step that keeps growing across epochs', async () => {
    const { client } = freshStore();
    const { model, xs, ys } = smallModel();
    const batchLosses: number[] = [];
    let runId = '';
    await withRun(async (run) => {
      runId = run.runId;
      await model.fit(xs, ys, {
        epochs: 3,
        batchSize: 16, // 64 samples → 4 batches an epoch, 12 iterations
        callbacks: [
          labbookCallback({ logEveryNSteps: 2 }),
          new tf.CustomCallback({ onBatchEnd: async (_b, logs) => void batchLosses.push(logs!.loss as number) }),
        ],
        verbose: 0,
      });
    });
    const points = await client.getMetricHistory(runId, 'loss');
    expect(points.map((p) => p.step)).toEqual([2, 4, 6, 8, 10, 12]);
    points.forEach((p) => expect(p.value).toBeCloseTo(batchLosses[p.step - 1]!, 6));
  });

  it('rejects logEveryNSteps together with logEveryEpoch, and non-positive N', () => {
    expect(() => labbookCallback({ logEveryNSteps: 2, logEveryEpoch: true })).toThrow(/Only one of/);
    expect(() => labbookCallback({ logEveryNSteps: 0 })).toThrow(/positive integer/);
  });
});

describe('autolog', () => {
  it('logs fit params, metrics, summary and the autologging tag in a run it starts', async () => {
    const { client } = freshStore();
    autolog();
    expect(isAutologEnabled()).toBe(true);
    const { model, xs, ys } = smallModel(3);
    const history = await model.fit(xs, ys, { epochs: 3, batchSize: 8, validationSplit: 0.5, verbose: 0 });
    const runs = (await client.searchRuns('0')).items;
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.info.status).toBe('FINISHED');
    expect(tag(run, 'mlflow.autologging')).toBe('tensorflow');
    await expectHistoryLogged(client, run.info.runId, history);
    expect(param(run, 'epochs')).toBe('3');
    expect(param(run, 'batch_size')).toBe('8');
    expect(param(run, 'validation_split')).toBe('0.5');
    expect(param(run, 'shuffle')).toBe('True');
    expect(param(run, 'initial_epoch')).toBe('0');
    expect(param(run, 'steps_per_epoch')).toBe('None');
    expect(param(run, 'opt_name')).toBe('Adam');
    expect(param(run, 'opt_learning_rate')).toBe('0.01');
    const files = (await client.listArtifacts(run.info.runId)).map((f) => f.path);
    expect(files).toContain('model_summary.txt');
  });

  it('logs into the active run without tagging it, and keeps the user callbacks working', async () => {
    const { client } = freshStore();
    autolog();
    const { model, xs, ys } = smallModel();
    const epochsSeen: number[] = [];
    let runId = '';
    const history = await withRun(async (run) => {
      runId = run.runId;
      return model.fit(xs, ys, { epochs: 2, verbose: 0, callbacks: { onEpochEnd: async (e) => void epochsSeen.push(e) } });
    });
    expect(epochsSeen).toEqual([0, 1]);
    const runs = (await client.searchRuns('0')).items;
    expect(runs).toHaveLength(1);
    expect(tag(runs[0]!, 'mlflow.autologging')).toBeUndefined();
    await expectHistoryLogged(client, runId, history);
  });

  it('logs early-stopping settings and stopped_epoch', async () => {
    const { client } = freshStore();
    autolog();
    const { model, xs, ys } = smallModel();
    // monitor loss with an impossible min_delta: no epoch improves, so training stops after patience.
    const es = tf.callbacks.earlyStopping({ monitor: 'loss', minDelta: 10, patience: 1 });
    const history = await model.fit(xs, ys, { epochs: 10, verbose: 0, callbacks: [es] });
    const run = (await client.searchRuns('0')).items[0]!;
    expect(param(run, 'monitor')).toBe('loss');
    // Keras and TF.js negate min_delta for a minimised quantity; MLflow logs the callback's value as is.
    expect(param(run, 'min_delta')).toBe('-10');
    expect(param(run, 'patience')).toBe('1');
    expect(param(run, 'baseline')).toBe('None');
    expect(param(run, 'restore_best_weights')).toBe('False');
    const stopped = await client.getMetricHistory(run.info.runId, 'stopped_epoch');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.value).toBe(history.epoch[history.epoch.length - 1]);
    expect(history.epoch.length).toBeLessThan(10);
  });

  it('is idempotent: a second call warns once and nothing is logged twice', async () => {
    const { client } = freshStore();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      autolog();
      autolog();
      autolog();
      const twice = warn.mock.calls.filter((c) => String(c[0]).includes('already enabled'));
      expect(twice).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
    const { model, xs, ys } = smallModel();
    const history = await model.fit(xs, ys, { epochs: 2, verbose: 0 });
    const run = (await client.searchRuns('0')).items[0]!;
    for (const key of Object.keys(history.history)) {
      expect(await client.getMetricHistory(run.info.runId, key)).toHaveLength(2);
    }
  });

  it('logs fitDataset', async () => {
    const { client } = freshStore();
    autolog();
    const { model, xs, ys } = smallModel();
    const ds = tf.data.zip({ xs: tf.data.array(xs.arraySync()), ys: tf.data.array(ys.arraySync()) }).batch(16);
    const history = await model.fitDataset(ds as never, { epochs: 2, verbose: 0 });
    const run = (await client.searchRuns('0')).items[0]!;
    expect(tag(run, 'mlflow.autologging')).toBe('tensorflow');
    expect(param(run, 'epochs')).toBe('2');
    await expectHistoryLogged(client, run.info.runId, history);
  });

  it('marks its run FAILED when fit throws', async () => {
    const { client } = freshStore();
    autolog();
    const { model, xs } = smallModel();
    await expect(model.fit(xs, tf.zeros([3, 2]), { epochs: 1, verbose: 0 })).rejects.toThrow();
    const runs = (await client.searchRuns('0')).items;
    expect(runs.map((r) => r.info.status)).toEqual(['FAILED']);
    await flush();
  });

  it('disable restores the original fit', async () => {
    const original = tf.LayersModel.prototype.fit;
    autolog();
    expect(tf.LayersModel.prototype.fit).not.toBe(original);
    autolog({ disable: true });
    expect(tf.LayersModel.prototype.fit).toBe(original);
  });
});
