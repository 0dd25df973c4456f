import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  type Frame,
  inferSignature,
  isTensor,
  loadModel,
  PluginRegistry,
  readMLmodel,
  registerPlugin,
  saveModel,
  type Tensor,
  tensor,
} from '@labbook/core';
import { describeModelFlavor } from '@labbook/testkit';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { autolog } from '../src/autolog.js';
import tfjsPlugin from '../src/plugin.js';
import { readTfjsArtifacts, tfjsFlavor } from '../src/tfjs-flavor.js';
import { freshStore, smallModel } from './helpers.js';

const pkgDir = join(import.meta.dirname, '..');
const temp: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'labbook-tfjs-flavor-'));
  temp.push(d);
  return d;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  // loadModel('runs:/…') through the fluent client looks flavors up in the process-wide registry.
  registerPlugin(tfjsPlugin);
});
afterAll(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

// Finds @labbook/plugin-file from this package's package.json; the tfjs plugin is registered from
// source so the tests never need its build.
function registry(): PluginRegistry {
  const r = new PluginRegistry({ roots: [pkgDir] });
  r.register(tfjsPlugin);
  return r;
}

const rows = [
  [0.2, -0.1],
  [2.3, -0.9],
];
const input = tensor(Float32Array.from(rows.flat()), [2, 2]);

/** What the in-memory model predicts, as a flat array: the reference every load must match. */
function predictInMemory(model: tf.LayersModel, x: number[][]): number[] {
  return tf.tidy(() => Array.from((model.predict(tf.tensor2d(x)) as tf.Tensor).dataSync()));
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 5);
}

function single(result: unknown): Tensor {
  expect(isTensor(result)).toBe(true);
  return result as Tensor;
}

const reference = predictInMemory(smallModel().model, rows);

describeModelFlavor({
  name: 'tfjs (layers)',
  flavor: tfjsFlavor,
  makeModel: async () => smallModel().model,
  signature: inferSignature(input, tensor(new Float32Array(4), [2, 2])),
  input,
  checkOutput: (result) => {
    const out = single(result);
    expect(out.shape).toEqual([2, 2]);
    expect(out.dtype).toBe('float32');
    expectClose(out.data as Float32Array, reference);
  },
  badInput: tensor(new Float32Array(3), [1, 3]),
  dataFile: 'weights.bin',
  plugins: registry(),
});

/** y = x @ [[2], [3]] + 1 as a GraphDef model.json, the shape tensorflowjs_converter writes. */
function graphArtifacts(): tf.io.ModelArtifacts {
  const f32 = { type: 'DT_FLOAT' };
  return {
    format: 'graph-model',
    generatedBy: 'hand-written test graph',
    convertedBy: null,
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: f32, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } } },
        {
          name: 'w',
          op: 'Const',
          attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }, { size: '1' }] } } } },
        },
        { name: 'b', op: 'Const', attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '1' }] } } } } },
        { name: 'mm', op: 'MatMul', input: ['x', 'w'], attr: { T: f32, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'y', op: 'AddV2', input: ['mm', 'b'], attr: { T: f32 } },
      ],
      versions: { producer: 1 },
    },
    weightSpecs: [
      { name: 'w', shape: [2, 1], dtype: 'float32' },
      { name: 'b', shape: [1], dtype: 'float32' },
    ],
    weightData: new Float32Array([2, 3, 1]).buffer,
  };
}

describe('tfjs flavor', () => {
  it('writes TF.js files and the flavor keys, and tf.loadLayersModel reads the folder as is', async () => {
    const dir = join(scratch(), 'model');
    const { model } = smallModel();
    await saveModel(dir, { flavor: 'tfjs', model, plugins: registry() });
    const m = readMLmodel(dir);
    expect(m.flavors.tfjs).toEqual({ code: null, data: 'model.json', model_format: 'layers', tfjs_version: tf.version.tfjs });
    expect(m.flavors.python_function).toBeUndefined();
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    // 2·8 + 8 + 8·2 + 2 float32 weights.
    expect(readFileSync(join(dir, 'weights.bin')).byteLength).toBe(42 * 4);
    const again = await tf.loadLayersModel(tf.io.fromMemory(await readTfjsArtifacts(join(dir, 'model.json'))));
    expectClose(predictInMemory(again, rows), reference);
  });

  it('predicts records (column signature) as numbered columns, as the Keras pyfunc does', async () => {
    const dir = join(scratch(), 'model');
    await saveModel(dir, { flavor: 'tfjs', model: smallModel().model, inputExample: [{ a: 0.2, b: -0.1 }], plugins: registry() });
    const loaded = await loadModel(dir, { plugins: registry() });
    const out = (await loaded.predict([
      { a: 0.2, b: -0.1 },
      { a: 2.3, b: -0.9 },
    ])) as Frame;
    expect(out.kind).toBe('frame');
    expect(out.columns).toEqual(['0', '1']);
    expectClose([out.data['0']![0], out.data['1']![0], out.data['0']![1], out.data['1']![1]] as number[], reference);
    await expect(loaded.predict([{ a: 1 }])).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await loaded.close();
  });

  it('predicts plain nested arrays when saved without a signature', async () => {
    const dir = join(scratch(), 'model');
    await saveModel(dir, { flavor: tfjsFlavor, model: smallModel().model, signature: false });
    const loaded = await loadModel(dir, { plugins: registry() });
    expectClose(single(await loaded.predict(rows)).data as Float32Array, reference);
    await loaded.close();
  });

  it('saves and loads a GraphModel (model_format: graph)', async () => {
    const graph = await tf.loadGraphModel(tf.io.fromMemory(graphArtifacts()));
    const dir = join(scratch(), 'model');
    await saveModel(dir, { flavor: tfjsFlavor, model: graph, inputExample: tensor(new Float32Array([1, 1]), [1, 2]) });
    expect(readMLmodel(dir).flavors.tfjs).toMatchObject({ model_format: 'graph', data: 'model.json' });
    const loaded = await loadModel(dir, { plugins: registry() });
    const out = single(await loaded.predict(tensor(new Float32Array([1, 1, 2, 0]), [2, 2])));
    expect(out.shape).toEqual([2, 1]);
    expectClose(out.data as Float32Array, [6, 5]);
    await loaded.close();
  });

  it('keeps the optimizer state with flavorOptions.includeOptimizer', async () => {
    const { model, xs, ys } = smallModel();
    await model.fit(xs, ys, { epochs: 1, verbose: 0 });
    const dir = join(scratch(), 'model');
    await saveModel(dir, { flavor: tfjsFlavor, model, signature: false, flavorOptions: { includeOptimizer: true } });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.trainingConfig?.loss).toBe('categorical_crossentropy'); // Keras's name, as TF.js serializes it
    expect(json.weightsManifest[0]!.weights.some((w) => w.group === 'optimizer')).toBe(true);
    const loaded = await loadModel(dir, { plugins: registry() });
    expectClose(single(await loaded.predict(rows)).data as Float32Array, predictInMemory(model, rows));
    await loaded.close();
  });

  it('refuses what is not a TF.js model, and names a missing model.json', async () => {
    await expect(saveModel(join(scratch(), 'm'), { flavor: tfjsFlavor, model: {} as never })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
    await expect(readTfjsArtifacts(join(scratch(), 'model.json'))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('save → log → register → load by alias → predict, on a file store', async () => {
    const root = scratch();
    const plugins = registry();
    const client = new Client({ trackingUri: join(root, 'mlruns'), plugins });
    const run = await client.createRun(await client.createExperiment('tfjs'));
    const { model } = smallModel();
    const local = join(root, 'saved');
    await saveModel(local, { flavor: 'tfjs', model, inputExample: input, plugins });
    const saved = await loadModel(local, { plugins });
    const info = await client.logModel(run.info.runId, model, {
      flavor: 'tfjs',
      artifactPath: 'model',
      inputExample: input,
      registeredModelName: 'blobs',
    });
    expect(info.registeredModelVersion?.version).toBe('1');
    await client.setRegisteredModelAlias('blobs', 'champion', '1');
    const byAlias = await loadModel('models:/blobs@champion', { client, cacheDir: join(root, 'cache') });
    expect(byAlias.flavor).toBe('tfjs');
    expect(byAlias.metadata.run_id).toBe(run.info.runId);
    const fromAlias = single(await byAlias.predict(input));
    expectClose(fromAlias.data as Float32Array, single(await saved.predict(input)).data as Float32Array);
    expectClose(fromAlias.data as Float32Array, reference);
    await byAlias.close();
    await saved.close();
    await client.close();
  });
});

describe('autolog logs the trained model', () => {
  afterEach(() => autolog({ disable: true }));

  it('logs `model` with the tfjs flavor at the end of fit; runs:/<id>/model predicts as the fitted model', async () => {
    const { client } = freshStore();
    autolog();
    const { model, xs, ys } = smallModel(3);
    await model.fit(xs, ys, { epochs: 3, batchSize: 16, verbose: 0 });
    const runs = await client.searchRuns('0');
    expect(runs.items).toHaveLength(1);
    const runId = runs.items[0]!.info.runId;
    expect(runs.items[0]!.info.status).toBe('FINISHED');
    const loaded = await loadModel(`runs:/${runId}/model`, { client });
    expect(loaded.flavor).toBe('tfjs');
    const x = tf.tidy(() => Array.from(xs.slice([0, 0], [5, 2]).dataSync()));
    const batch = [0, 1, 2, 3, 4].map((i) => [x[2 * i]!, x[2 * i + 1]!]);
    const out = single(await loaded.predict(tensor(Float32Array.from(batch.flat()), [5, 2])));
    expect(out.shape).toEqual([5, 2]);
    expectClose(out.data as Float32Array, predictInMemory(model, batch));
    // The trained weights, not the initial ones.
    expect(predictInMemory(model, batch)).not.toEqual(predictInMemory(smallModel(3).model, batch));
    // A logged model (MLflow 3) named `model` with the tfjs flavor, produced by the run.
    const outputs = (await client.getRun(runId)).outputs?.modelOutputs ?? [];
    expect(outputs).toHaveLength(1);
    const logged = await client.getLoggedModel(outputs[0]!.modelId);
    expect(logged.info).toMatchObject({ name: 'model', sourceRunId: runId, status: 'LOGGED_MODEL_READY' });
    await loaded.close();
  });

  it('logs no model with logModels: false', async () => {
    const { client } = freshStore();
    autolog({ logModels: false });
    const { model, xs, ys } = smallModel();
    await model.fit(xs, ys, { epochs: 1, verbose: 0 });
    const runId = (await client.searchRuns('0')).items[0]!.info.runId;
    const paths = (await client.listArtifacts(runId)).map((f) => f.path);
    expect(paths).toContain('model_summary.txt');
    expect(paths).not.toContain('model');
  });

  it('registers the model when registeredModelName is given', async () => {
    const { client, store } = freshStore();
    autolog({ registeredModelName: 'autologged' });
    const { model, xs, ys } = smallModel();
    await model.fit(xs, ys, { epochs: 1, verbose: 0 });
    const loaded = await loadModel('models:/autologged/1', { client, cacheDir: join(store, '..', 'cache') });
    expectClose(single(await loaded.predict(input)).data as Float32Array, predictInMemory(model, rows));
    await loaded.close();
  });
});
