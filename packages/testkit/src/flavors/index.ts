import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LabbookError,
  loadModel,
  type LabbookModel,
  type ModelFlavor,
  type ModelSignature,
  type PluginRegistry,
  readMLmodel,
  saveModel,
  signatureFromDict,
} from '@labbook/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Options of {@link describeModelFlavor}. */
export interface FlavorSuiteOptions<TModel = unknown> {
  /** Shown in test names. */
  name: string;
  /** The flavor under test (or a function that imports it). */
  flavor: ModelFlavor<TModel> | (() => Promise<ModelFlavor<TModel>>);
  /** Makes the model to save (a file path, bytes…), given a scratch folder. */
  makeModel: (scratchDir: string) => Promise<TModel>;
  /** A signature the model satisfies; the suite saves with it and checks enforcement. */
  signature: ModelSignature;
  /** An input that satisfies the signature, also saved as the input example. */
  input: unknown;
  /** Checks the output of `predict(input)`. */
  checkOutput: (output: unknown) => void;
  /** An input the signature rejects (a missing column, a wrong shape or dtype). */
  badInput: unknown;
  /** A file of the saved folder whose removal must make loading fail (the flavor's data file). */
  dataFile?: string;
  /** Flavor options passed to `saveModel`. */
  flavorOptions?: Record<string, unknown>;
  /** Plugin registry for `loadModel` (so it finds the flavor by name); default: the process-wide one. */
  plugins?: PluginRegistry;
}

const UUID = /^[0-9a-f]{32}$/;
const MLFLOW_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?$/;

async function expectCode(promise: Promise<unknown>, codes: string[]): Promise<LabbookError> {
  try {
    await promise;
  } catch (error) {
    expect(LabbookError.is(error), `expected a LabbookError, got ${String(error)}`).toBe(true);
    expect(codes).toContain((error as LabbookError).code);
    return error as LabbookError;
  }
  throw new Error(`expected a LabbookError with code ${codes.join(' or ')}, but the call succeeded`);
}

/**
 * The conformance suite every model flavor passes: save → load → predict round trip, the MLmodel
 * keys MLflow writes, signature enforcement before the flavor's predict, and clear errors for a
 * bad folder. Call it from a vitest file of the flavor's package.
 */
export function describeModelFlavor<TModel>(options: FlavorSuiteOptions<TModel>): void {
  describe(`model flavor conformance: ${options.name}`, () => {
    let scratch: string;
    let flavor: ModelFlavor<TModel>;
    let modelDir: string;
    let loaded: LabbookModel | undefined;

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'labbook-flavor-suite-'));
      flavor = typeof options.flavor === 'function' ? await options.flavor() : options.flavor;
      modelDir = join(scratch, 'model');
      await saveModel(modelDir, {
        flavor,
        model: await options.makeModel(scratch),
        signature: options.signature,
        inputExample: options.input,
        metadata: { suite: 'flavor' },
        ...(options.flavorOptions ? { flavorOptions: options.flavorOptions } : {}),
        ...(options.plugins ? { plugins: options.plugins } : {}),
      });
    });

    afterAll(async () => {
      await loaded?.close();
      await rm(scratch, { recursive: true, force: true });
    });

    const load = (dir: string) => loadModel(dir, { flavor: flavor.name, ...(options.plugins ? { plugins: options.plugins } : {}) });

    it('writes MLmodel with the keys MLflow writes', () => {
      const m = readMLmodel(modelDir);
      expect(Object.keys(m.flavors)).toContain(flavor.name);
      expect(m.model_uuid).toMatch(UUID);
      expect(m.utc_time_created).toMatch(MLFLOW_TIME);
      expect(typeof m.labbook_version).toBe('string');
      expect(typeof m.model_size_bytes).toBe('number');
      expect(m.metadata).toEqual({ suite: 'flavor' });
      expect(typeof m.signature?.inputs).toBe('string');
      expect(signatureFromDict(m.signature).inputs).toEqual(options.signature.inputs);
      expect(m.saved_input_example_info?.artifact_path).toBe('input_example.json');
      expect(existsSync(join(modelDir, 'input_example.json'))).toBe(true);
      expect(existsSync(join(modelDir, 'serving_input_example.json'))).toBe(true);
      // Keys sorted as yaml.safe_dump writes them, and the time single-quoted.
      const text = readFileSync(join(modelDir, 'MLmodel'), 'utf8');
      const top = text
        .split('\n')
        .filter((l) => /^[a-z_]+:/.test(l))
        .map((l) => l.split(':')[0]!);
      expect(top).toEqual([...top].sort());
      expect(text).toMatch(/utc_time_created: '/);
    });

    it('round-trips save → load → predict', async () => {
      loaded = await load(modelDir);
      expect(loaded.flavor).toBe(flavor.name);
      options.checkOutput(await loaded.predict(options.input));
    });

    it('predicts on its own saved input example', async () => {
      loaded ??= await load(modelDir);
      const example = loaded.inputExample();
      expect(example).toBeDefined();
      options.checkOutput(await loaded.predict(example!.input, example!.params));
    });

    it('enforces the signature before the flavor sees the input', async () => {
      loaded ??= await load(modelDir);
      const error = await expectCode(loaded.predict(options.badInput), ['INVALID_PARAMETER_VALUE', 'BAD_REQUEST']);
      expect(error.message).toMatch(/enforce schema|missing inputs|does not match|Incompatible input types/i);
    });

    it('refuses a folder without MLmodel, naming what to do', async () => {
      const empty = join(scratch, 'empty');
      await mkdir(empty, { recursive: true });
      const error = await expectCode(load(empty), ['RESOURCE_DOES_NOT_EXIST']);
      expect(error.message).toContain('MLmodel');
    });

    it('refuses to save into a folder that is not empty', async () => {
      await expectCode(
        saveModel(modelDir, { flavor, model: await options.makeModel(scratch), ...(options.plugins ? { plugins: options.plugins } : {}) }),
        ['RESOURCE_ALREADY_EXISTS'],
      );
    });

    it('fails to load when the flavor data is missing', async () => {
      if (!options.dataFile) return;
      const broken = join(scratch, 'broken');
      await saveModel(broken, {
        flavor,
        model: await options.makeModel(scratch),
        ...(options.plugins ? { plugins: options.plugins } : {}),
      });
      await unlink(join(broken, options.dataFile));
      await expect(load(broken)).rejects.toThrow();
    });

    it('fails with a clear error on a corrupt MLmodel', async () => {
      const corrupt = join(scratch, 'corrupt');
      await mkdir(corrupt, { recursive: true });
      await writeFile(join(corrupt, 'MLmodel'), 'artifact_path: model\nrun_id: x\n');
      const error = await expectCode(load(corrupt), ['INVALID_PARAMETER_VALUE']);
      expect(error.message).toContain('flavors');
    });
  });
}
