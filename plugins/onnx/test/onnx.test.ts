import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  saveModel,
  type Tensor,
  tensor,
} from '@labbook/core';
import { describeModelFlavor } from '@labbook/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxFlavor } from '../src/onnx-flavor.js';
import onnxPlugin from '../src/plugin.js';

const pkgDir = join(import.meta.dirname, '..');
const fixtures = join(import.meta.dirname, 'fixtures');
const LINEAR = join(fixtures, 'linear.onnx');
const temp: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'labbook-onnx-'));
  temp.push(d);
  return d;
};
afterAll(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

// Finds @labbook/plugin-file (a dev dependency) from this package's package.json; the onnx plugin
// is registered from source so the tests never need its build.
function registry(): PluginRegistry {
  const r = new PluginRegistry({ roots: [pkgDir] });
  r.register(onnxPlugin);
  return r;
}

/** output = input @ W + B with W = [I3; 1 1 1], B = [0.5, -0.5, 0] (see fixtures/make_models.py). */
function expected(row: number[]): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = row;
  return [a + d + 0.5, b + d - 0.5, c + d];
}

const input = tensor(new Float32Array([1, 2, 3, 4, 0, 0, 0, 1]), [2, 4]);
const signature = inferSignature({ input }, { output: tensor(new Float32Array(6), [2, 3]) });

function outputOf(result: unknown): Tensor {
  const out = (result as Record<string, Tensor>).output;
  expect(isTensor(out)).toBe(true);
  return out!;
}

describeModelFlavor({
  name: 'onnx',
  flavor: onnxFlavor,
  makeModel: async () => LINEAR,
  signature,
  input: { input },
  checkOutput: (result) => {
    const out = outputOf(result);
    expect(out.shape).toEqual([2, 3]);
    expect(Array.from(out.data as Float32Array)).toEqual([...expected([1, 2, 3, 4]), ...expected([0, 0, 0, 1])]);
  },
  badInput: { input: tensor(new Float32Array(3), [1, 3]) },
  dataFile: 'model.onnx',
  plugins: registry(),
});

describe('onnx flavor', () => {
  it('writes the onnx and python_function keys Python MLflow reads', async () => {
    const dir = join(scratch(), 'model');
    await saveModel(dir, {
      flavor: 'onnx',
      model: readFileSync(LINEAR),
      plugins: registry(),
      flavorOptions: { sessionOptions: { intra_op_num_threads: 1 } },
    });
    const m = readMLmodel(dir);
    expect(m.flavors.onnx).toEqual({
      code: null,
      data: 'model.onnx',
      onnx_session_options: { intra_op_num_threads: 1 },
      onnx_version: null,
      providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
    });
    expect(m.flavors.python_function).toMatchObject({ loader_module: 'mlflow.onnx', data: 'model.onnx' });
    expect(m.model_size_bytes).toBeGreaterThan(200);
  });

  it('refuses invalid session options as MLflow does', async () => {
    const dir = join(scratch(), 'model');
    await expect(
      saveModel(dir, { flavor: 'onnx', model: LINEAR, plugins: registry(), flavorOptions: { sessionOptions: { execution_mode: 'fast' } } }),
    ).rejects.toThrow(/sequential' or 'parallel/);
  });

  it('predicts with columns (one column per output, flattened) and maps a lone tensor to the only input', async () => {
    const dir = join(scratch(), 'model');
    await saveModel(dir, { flavor: 'onnx', model: LINEAR, plugins: registry() });
    const model = await loadModel(dir, { plugins: registry() });
    const frame = (await model.predict([{ a: 1, b: 2, c: 3, d: 4 }])) as Frame;
    expect(frame.columns).toEqual(['output']);
    expect(frame.data.output).toEqual(expected([1, 2, 3, 4]));
    // float64 is cast to float32 for tensor(float) inputs, as MLflow's wrapper does.
    const out = outputOf(await model.predict(tensor(new Float64Array([1, 2, 3, 4]), [1, 4])));
    expect(Array.from(out.data as Float32Array)).toEqual(expected([1, 2, 3, 4]));
    await model.close();
  });

  it('needs named tensors for a model with two inputs', async () => {
    const dir = join(scratch(), 'model');
    await saveModel(dir, { flavor: 'onnx', model: join(fixtures, 'two_inputs.onnx'), plugins: registry() });
    const model = await loadModel(dir, { plugins: registry() });
    await expect(model.predict(tensor(new Float32Array([1]), [1, 1]))).rejects.toThrow(/single input.*'a', 'b'/);
    const out = (await model.predict({ a: [[1], [2]], b: [[10], [20]] })) as Record<string, Tensor>;
    expect(Array.from(out.sum!.data as Float32Array)).toEqual([11, 22]);
    await model.close();
  });

  it('loads a model folder as Python MLflow 2.10 writes it, and its tf-serving input example', async () => {
    const model = await loadModel(join(fixtures, 'mlflow-2.10-onnx-model'), { plugins: registry() });
    expect(model.flavor).toBe('onnx');
    expect(model.metadata.mlflow_version).toBe('2.10.2');
    const example = model.inputExample()!;
    const out = outputOf(await model.predict(example.input));
    expect(Array.from(out.data as Float32Array)).toEqual(expected([1, 2, 3, 4]));
    await expect(model.predict({ input: tensor(new Int32Array(4), [1, 4]) })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await model.close();
  });

  it('logs to a file store run, registers, and loads by alias, version and runs:/ URI', async () => {
    const root = scratch();
    const plugins = registry();
    const client = new Client({ trackingUri: join(root, 'mlruns'), plugins });
    const exp = await client.createExperiment('onnx');
    const run = await client.createRun(exp);
    const info = await client.logModel(run.info.runId, LINEAR, {
      flavor: 'onnx',
      artifactPath: 'model',
      inputExample: { input },
      signature,
      registeredModelName: 'linear',
    });
    // The file store keeps MLflow 3 logged models: the model is its own entity, linked to the run.
    expect(info.modelUri).toBe(`models:/${info.modelId}`);
    expect(info.registeredModelVersion?.version).toBe('1');
    const logged = await client.getLoggedModel(info.modelId!);
    expect(logged.info).toMatchObject({ name: 'model', sourceRunId: run.info.runId, status: 'LOGGED_MODEL_READY' });
    expect((await client.getRun(run.info.runId)).outputs?.modelOutputs).toEqual([{ modelId: info.modelId, step: 0 }]);

    await client.setRegisteredModelAlias('linear', 'champion', '1');
    for (const uri of [
      'models:/linear@champion',
      'models:/linear/1',
      'models:/linear/latest',
      info.modelUri,
      `runs:/${run.info.runId}/model`,
    ]) {
      const model = await loadModel(uri, { client, cacheDir: join(root, 'cache') });
      const out = outputOf(await model.predict({ input: [[1, 2, 3, 4]] }));
      expect(Array.from(out.data as Float32Array)).toEqual(expected([1, 2, 3, 4]));
      expect(model.metadata.run_id).toBe(run.info.runId);
      await model.close();
    }
    await client.close();
  });

  it('works from a copy of a Python-written folder logged as run artifacts', async () => {
    const root = scratch();
    const plugins = registry();
    const client = new Client({ trackingUri: join(root, 'mlruns'), plugins });
    const run = await client.createRun(await client.createExperiment('py'));
    const local = join(root, 'py-model');
    cpSync(join(fixtures, 'mlflow-2.10-onnx-model'), local, { recursive: true });
    await client.logArtifacts(run.info.runId, local, 'model');
    const model = await loadModel(`runs:/${run.info.runId}/model`, { client });
    expect(outputOf(await model.predict({ input: [[0, 0, 0, 0]] })).shape).toEqual([1, 3]);
    await model.close();
    await client.close();
  });
});
