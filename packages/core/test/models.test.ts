import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArtifactRepository, FileInfo } from '../src/index.js';
import {
  cachedModelDir,
  definePlugin,
  enforceParams,
  enforceSchema,
  formatUtcTimeCreated,
  frame,
  inferSignature,
  LabbookError,
  loadModel,
  mlmodelSignature,
  parseMLmodel,
  PluginRegistry,
  readMLmodel,
  saveModel,
  schemaToJson,
  signatureToDict,
  stringifyMLmodel,
  tensor,
} from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'mlmodel');
const temp: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'labbook-models-'));
  temp.push(d);
  return d;
};
afterAll(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

async function caught(p: Promise<unknown> | (() => unknown)): Promise<LabbookError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (error) {
    if (LabbookError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a LabbookError');
}

describe('MLmodel files as MLflow writes them', () => {
  it.each(['mlflow-2.10-onnx.MLmodel', 'mlflow-3.6-onnx.MLmodel', 'mlflow-2.10-sklearn.MLmodel'])(
    'reads %s, keeping unknown keys',
    (file) => {
      const text = readFileSync(join(fixtures, file), 'utf8');
      const m = parseMLmodel(text);
      expect(Object.keys(m.flavors).length).toBeGreaterThan(0);
      expect(m.mlflow_version).toMatch(/^[23]\./);
      expect(typeof m.utc_time_created).toBe('string');
      const sig = mlmodelSignature(m)!;
      expect(sig.inputs!.length).toBeGreaterThan(0);
      // Round trip: what we write parses to the same document (3.x's model_id, prompts… preserved).
      expect(parseMLmodel(stringifyMLmodel(m))).toEqual(m);
    },
  );

  it('parses tensor and column signatures, including wrapped JSON strings and params', () => {
    const onnx = mlmodelSignature(parseMLmodel(readFileSync(join(fixtures, 'mlflow-2.10-onnx.MLmodel'), 'utf8')))!;
    expect(onnx.inputs).toEqual([{ kind: 'tensor', name: 'input', dtype: 'float32', shape: [-1, 4] }]);
    const sk = parseMLmodel(readFileSync(join(fixtures, 'mlflow-2.10-sklearn.MLmodel'), 'utf8'));
    const sig = mlmodelSignature(sk)!;
    expect(sig.inputs?.[2]).toEqual({ kind: 'column', name: 'count', type: 'long', required: false });
    expect(sig.inputs?.[3]).toEqual({ kind: 'column', name: 'tags', type: { type: 'array', items: 'string' }, required: true });
    expect(sig.params?.map((p) => p.name)).toEqual(['threshold', 'labels']);
    // Writing it back gives MLflow's strings exactly.
    expect(signatureToDict(sig).inputs).toBe(
      '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type": "double", "name": "sepal width (cm)", "required": true}, {"type": "long", "name": "count", "required": false}, {"type": "array", "items": {"type": "string"}, "name": "tags", "required": true}]',
    );
    expect(signatureToDict(onnx).inputs).toBe(
      '[{"name": "input", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]',
    );
  });

  it('writes keys sorted, sequences unindented and the time single-quoted, as yaml.safe_dump', () => {
    const text = stringifyMLmodel({
      utc_time_created: '2024-02-20 09:15:42.123456',
      model_uuid: 'a'.repeat(32),
      flavors: { onnx: { providers: ['CPUExecutionProvider'], code: null } },
    });
    expect(text).toBe(
      "flavors:\n  onnx:\n    code: null\n    providers:\n    - CPUExecutionProvider\nmodel_uuid: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nutc_time_created: '2024-02-20 09:15:42.123456'\n",
    );
  });

  it('formats utc_time_created as Python str(datetime)', () => {
    expect(formatUtcTimeCreated(new Date(Date.UTC(2024, 1, 20, 9, 15, 42, 123)))).toBe('2024-02-20 09:15:42.123000');
    expect(formatUtcTimeCreated(new Date(Date.UTC(2024, 1, 20, 9, 15, 42, 0)))).toBe('2024-02-20 09:15:42');
  });
});

describe('signatures', () => {
  it('infers column schemas from records (nulls make a column optional)', () => {
    const sig = inferSignature([
      { x: 1, y: 2.5, s: 'a', b: true },
      { x: 2, y: 1, s: null, b: false },
    ]);
    expect(schemaToJson(sig.inputs!)).toEqual([
      { type: 'long', name: 'x', required: true },
      { type: 'double', name: 'y', required: true },
      { type: 'string', name: 's', required: false },
      { type: 'boolean', name: 'b', required: true },
    ]);
  });

  it('infers tensor schemas with a variable first dimension, and params', () => {
    const sig = inferSignature({ a: tensor(new Float32Array(8), [2, 4]) }, tensor(new Int32Array(2), [2]), { k: 3, names: ['a'] });
    expect(sig.inputs).toEqual([{ kind: 'tensor', name: 'a', dtype: 'float32', shape: [-1, 4] }]);
    expect(sig.outputs).toEqual([{ kind: 'tensor', dtype: 'int32', shape: [-1] }]);
    expect(sig.params).toEqual([
      { name: 'k', type: 'long', default: 3, shape: null },
      { name: 'names', type: 'string', default: ['a'], shape: [-1] },
    ]);
  });

  const cols = inferSignature([{ x: 1, y: 2.5 }]).inputs!;

  it('converts where MLflow converts and names the column and type where it does not', async () => {
    const ok = enforceSchema({ columns: ['y', 'x', 'extra'], data: [[1, 2, 'z']] }, cols);
    expect(ok).toMatchObject({ columns: ['x', 'y'], data: { x: [2], y: [1] } });
    const bad = await caught(() => enforceSchema([{ x: 1.5, y: 1 }], cols));
    expect(bad.code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.message).toContain('Incompatible input types for column x. Can not safely convert float64 to long.');
    expect(bad.field).toBe('x');
    const missing = await caught(() => enforceSchema([{ y: 1, z: 2 }], cols));
    expect(missing.message).toContain("Model is missing inputs ['x']. Note that there were extra inputs: ['z'].");
    const notFrame = await caught(() => enforceSchema(42, cols));
    expect(notFrame.message).toContain('Expected input to be DataFrame');
  });

  it('checks tensor shapes and dtypes, giving plain arrays the spec dtype', async () => {
    const spec = inferSignature(tensor(new Float32Array(4), [1, 4])).inputs!;
    expect(enforceSchema([[1, 2, 3, 4]], spec)).toMatchObject({ dtype: 'float32', shape: [1, 4] });
    const shape = await caught(() => enforceSchema(tensor(new Float32Array(3), [1, 3]), spec));
    expect(shape.message).toContain('Shape of input (1, 3) does not match expected shape (-1, 4)');
    const dtype = await caught(() => enforceSchema(tensor(new Float64Array(4), [1, 4]), spec));
    expect(dtype.message).toContain('dtype of input float64 does not match expected dtype float32');
  });

  it('validates params as MLflow: defaults filled, bad values collected', async () => {
    const params = inferSignature([{ x: 1 }], undefined, { k: 3, t: 0.5 }).params;
    expect(enforceParams({ k: 5 }, params)).toEqual({ k: 5, t: 0.5 });
    const err = await caught(() => enforceParams({ k: 'five' }, params));
    expect(err.message).toContain('Invalid parameters found');
    expect(err.field).toBe('params.k');
  });
});

function writeModule(dir: string): string {
  const file = join(dir, 'scorer.mjs');
  writeFileSync(
    file,
    `import { readFileSync } from 'node:fs';
export function load(ctx) { return JSON.parse(readFileSync(ctx.artifacts.weights, 'utf8')); }
export function predict(input, params, ctx) {
  const w = ctx.state.w * (params.scale ?? 1);
  return input.data.x.map((x, i) => x * w + input.data.y[i]);
}`,
  );
  writeFileSync(join(dir, 'weights.json'), JSON.stringify({ w: 2 }));
  return file;
}

describe('js_function flavor and loadModel', () => {
  it('saves a module with artifacts and predicts through the signature', async () => {
    const dir = scratch();
    const module = writeModule(dir);
    const m = await saveModel(join(dir, 'model'), {
      flavor: 'js_function',
      model: { module, artifacts: { weights: join(dir, 'weights.json') } },
      inputExample: { input: [{ x: 1, y: 0.5 }], params: { scale: 1 } },
      signature: inferSignature([{ x: 1, y: 0.5 }], undefined, { scale: 1 }),
      plugins: new PluginRegistry({ roots: [dir] }),
    });
    expect(m.flavors.js_function).toMatchObject({ module: 'code/scorer.mjs', artifacts: { weights: { path: 'artifacts/weights.json' } } });
    expect(JSON.parse(readFileSync(join(dir, 'model', 'input_example.json'), 'utf8'))).toEqual({
      inputs: { columns: ['x', 'y'], data: [[1, 0.5]] },
      params: { scale: 1 },
    });
    expect(JSON.parse(readFileSync(join(dir, 'model', 'serving_input_example.json'), 'utf8'))).toEqual({
      dataframe_split: { columns: ['x', 'y'], data: [[1, 0.5]] },
      params: { scale: 1 },
    });
    const model = await loadModel(join(dir, 'model'), { plugins: new PluginRegistry({ roots: [dir] }) });
    expect(await model.predict([{ x: 3, y: 1 }], { scale: 2 })).toEqual([13]);
    const ex = model.inputExample()!;
    expect(await model.predict(ex.input, ex.params)).toEqual([2.5]);
    const err = await caught(model.predict([{ x: 'a', y: 1 }]));
    expect(err.message).toContain('column x');
  });

  it('names the flavors present and what would work for a model labbook cannot load', async () => {
    const dir = scratch();
    copyFileSync(join(fixtures, 'mlflow-2.10-sklearn.MLmodel'), join(dir, 'MLmodel'));
    const err = await caught(loadModel(dir, { plugins: new PluginRegistry({ roots: [dir] }) }));
    expect(err.code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err.message).toContain('python_function, sklearn');
    expect(err.message).toContain('mlflow.sklearn');
    expect(err.message).toContain('onnx flavor');
  });

  it('points at @labbook/plugin-onnx for an onnx model when the plugin is not installed', async () => {
    const dir = scratch();
    copyFileSync(join(fixtures, 'mlflow-3.6-onnx.MLmodel'), join(dir, 'MLmodel'));
    const err = await caught(loadModel(dir, { plugins: new PluginRegistry({ roots: [dir] }) }));
    expect(err.message).toContain('@labbook/plugin-onnx');
  });

  it('loads flavors from plugins, only when a model of that flavor is loaded', async () => {
    const dir = scratch();
    let made = 0;
    const registry = new PluginRegistry({ roots: [dir] });
    registry.register(
      definePlugin({
        name: 'echo-flavor',
        modelFlavors: {
          echo: () => {
            made++;
            return { name: 'echo', save: async () => ({ v: 1 }), load: async () => ({ predict: async (x) => x }) };
          },
        },
      }),
    );
    expect(registry.knownSchemes('flavors')).toEqual(['echo']);
    expect(made).toBe(0);
    await saveModel(join(dir, 'm'), { flavor: 'echo', model: null, plugins: registry });
    const model = await loadModel(join(dir, 'm'), { plugins: registry });
    expect(await model.predict({ a: 1 })).toEqual({ a: 1 });
    expect(made).toBeGreaterThan(0);
  });
});

/** A repository over a plain object of files, as a remote store would look to the cache. */
function memoryRepo(rootUri: string, files: Record<string, Buffer>, counter: { gets: number }): ArtifactRepository {
  return {
    rootUri,
    async put() {},
    async delete() {},
    async get(path) {
      counter.gets++;
      const body = files[path];
      if (!body) throw new LabbookError('RESOURCE_DOES_NOT_EXIST', `no ${path}`);
      return Readable.from([body]);
    },
    async list(path = '') {
      const prefix = path === '' ? '' : `${path}/`;
      const out = new Map<string, FileInfo>();
      for (const [p, b] of Object.entries(files)) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length).split('/');
        const child = prefix + rest[0];
        out.set(child, rest.length > 1 ? { path: child, isDir: true } : { path: child, isDir: false, fileSize: b.length });
      }
      return [...out.values()].sort((a, b) => a.path.localeCompare(b.path));
    },
  };
}

describe('model cache for remote URIs', () => {
  it('downloads once, verifies against the listing, reuses, and re-downloads a damaged copy', async () => {
    const src = scratch();
    mkdirSync(join(src, 'm'));
    writeModule(src);
    await saveModel(join(src, 'm'), { flavor: 'js_function', model: join(src, 'scorer.mjs') });
    const files: Record<string, Buffer> = {};
    const { readdirSync, statSync } = await import('node:fs');
    const walk = (d: string, rel: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        const r = rel ? `${rel}/${e}` : e;
        if (statSync(p).isDirectory()) walk(p, r);
        else files[`model/${r}`] = readFileSync(p);
      }
    };
    walk(join(src, 'm'), '');
    const counter = { gets: 0 };
    const repo = memoryRepo('mem://bucket/run1/artifacts', files, counter);
    const cache = scratch();
    const dir = await cachedModelDir(repo, 'model', 'mem://bucket/run1/artifacts/model', cache);
    expect(readMLmodel(dir).flavors.js_function).toBeDefined();
    const first = counter.gets;
    expect(first).toBe(Object.keys(files).length);
    expect(await cachedModelDir(repo, 'model', 'mem://bucket/run1/artifacts/model', cache)).toBe(dir);
    expect(counter.gets).toBe(first);
    writeFileSync(join(dir, 'MLmodel'), 'truncated');
    await cachedModelDir(repo, 'model', 'mem://bucket/run1/artifacts/model', cache);
    expect(counter.gets).toBeGreaterThan(first);
    expect(readMLmodel(dir).model_uuid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a remote folder without MLmodel', async () => {
    const repo = memoryRepo('mem://b/x', { 'model/a.txt': Buffer.from('a') }, { gets: 0 });
    const err = await caught(cachedModelDir(repo, 'model', 'k', scratch()));
    expect(err.message).toContain('No MLmodel file');
  });

  it('reads frames made by frame()', () => {
    expect(frame({ a: [1, 2] }).length).toBe(2);
  });
});
