// A TF.js model served as `labbook models serve` serves it: trained here, logged with the tfjs
// flavor to a file store, registered and aliased, then scored over HTTP by `models:/name@alias`,
// every answer compared with the in-process model.predict.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, PluginRegistry, tensor } from '@labbook/core';
import filePlugin from '@labbook/plugin-file/plugin';
import { type RunningScoringServer, startScoringServer } from '@labbook/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// TF.js is @labbook/tfjs's dependency, not this folder's: both come from that package, so the
// flavor and the model trained here share one tfjs instance.
const tfjsDir = join(import.meta.dirname, '../packages/tfjs');
// Only what this test calls: the types are that package's, unresolvable from this folder.
interface TfTensor {
  arraySync(): unknown;
}
interface TfSequential {
  add(layer: unknown): void;
  compile(options: Record<string, unknown>): void;
  fit(x: TfTensor, y: TfTensor, options: Record<string, unknown>): Promise<unknown>;
  predict(x: TfTensor): TfTensor;
}
const tf = createRequire(join(tfjsDir, 'package.json'))('@tensorflow/tfjs') as {
  setBackend(name: string): Promise<boolean>;
  sequential(): TfSequential;
  layers: { dense(options: Record<string, unknown>): unknown };
  initializers: { glorotUniform(options: { seed: number }): unknown };
  train: { adam(rate: number): unknown };
  tensor2d(values: number[] | number[][], shape?: [number, number]): TfTensor;
  tidy<T>(fn: () => T): T;
};

const root = mkdtempSync(join(tmpdir(), 'labbook-scoring-tfjs-'));
let server: RunningScoringServer;
let model: TfSequential;
let client: Client;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const { default: tfjsPlugin } = (await import(join(tfjsDir, 'dist/plugin.js'))) as { default: Parameters<PluginRegistry['register']>[0] };
  const plugins = new PluginRegistry();
  plugins.register(filePlugin);
  plugins.register(tfjsPlugin);

  // Two blobs a 2 → 8 → 2 classifier learns in a few epochs (a fixed seed: the same model each run).
  const x: number[] = [];
  const y: number[] = [];
  let s = 7;
  const rand = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  for (let i = 0; i < 64; i++) {
    const c = i % 2;
    x.push(rand() + c * 2, rand() - c);
    y.push(1 - c, c);
  }
  model = tf.sequential();
  model.add(
    tf.layers.dense({ units: 8, activation: 'relu', inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
  );
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await model.fit(tf.tensor2d(x, [64, 2]), tf.tensor2d(y, [64, 2]), { epochs: 3, verbose: 0 });

  client = new Client({ trackingUri: join(root, 'mlruns'), plugins });
  const exp = await client.createExperiment('scoring-tfjs');
  const run = await client.createRun(exp);
  const info = await client.logModel(run.info.runId, model, {
    flavor: 'tfjs',
    artifactPath: 'model',
    inputExample: tensor(Float32Array.from([0.2, -0.1, 2.3, -0.9]), [2, 2]),
    registeredModelName: 'blobs',
  });
  await client.setRegisteredModelAlias('blobs', 'champion', info.registeredModelVersion!.version);
  server = await startScoringServer({
    modelUri: 'models:/blobs@champion',
    loadOptions: { client, plugins, cacheDir: join(root, 'cache') },
    port: 0,
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await client?.close();
  rmSync(root, { recursive: true, force: true });
});

function predictInProcess(rows: number[][]): number[][] {
  return tf.tidy(() => model.predict(tf.tensor2d(rows)).arraySync() as number[][]);
}

async function invoke(body: unknown): Promise<{ status: number; json: { predictions?: unknown } }> {
  const r = await fetch(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as { predictions?: unknown } };
}

/** The predictions as rows whatever the wrapping (a tensor's nested lists, or one output by name). */
function rowsOf(predictions: unknown): number[][] {
  if (Array.isArray(predictions)) return predictions.map((r) => (Array.isArray(r) ? r : Object.values(r as object)) as number[]);
  const values = Object.values(predictions as Record<string, unknown>);
  expect(values).toHaveLength(1);
  return values[0] as number[][];
}

describe('scoring server over a TF.js model', () => {
  const rows = [
    [0.2, -0.1],
    [2.3, -0.9],
    [1.1, -0.5],
  ];

  it('answers `inputs` as model.predict does in process', async () => {
    const { status, json } = await invoke({ inputs: rows });
    expect(status).toBe(200);
    const got = rowsOf(json.predictions);
    const want = predictInProcess(rows);
    expect(got).toHaveLength(want.length);
    for (const [i, row] of want.entries()) for (const [j, v] of row.entries()) expect(got[i]![j]).toBeCloseTo(v, 5);
  });

  it('answers `dataframe_split` the same', async () => {
    const { status, json } = await invoke({ dataframe_split: { columns: ['0', '1'], data: rows } });
    expect(status).toBe(200);
    const got = rowsOf(json.predictions);
    const want = predictInProcess(rows);
    expect(got).toHaveLength(want.length);
    for (const [i, row] of want.entries()) for (const [j, v] of row.entries()) expect(got[i]![j]).toBeCloseTo(v, 5);
  });

  it('answers concurrent requests each with its own rows', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => [[i / 6, -i / 12]]);
    const results = await Promise.all(bodies.map((b) => invoke({ inputs: b })));
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe(200);
      const want = predictInProcess(bodies[i]!)[0]!;
      const got = rowsOf(r.json.predictions)[0]!;
      for (const [j, v] of want.entries()) expect(got[j]).toBeCloseTo(v, 5);
    }
  });
});
