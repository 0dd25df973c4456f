import { cp, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { invalidParameter, notFound } from '../errors.js';
import type { FlavorLoadContext, LoadedModel, ModelFlavor } from '../interfaces/model-flavor.js';
import type { FlavorConfig, MLmodel } from './mlmodel.js';

/** The flavor name written under `flavors:`. */
export const JS_FUNCTION_FLAVOR = 'js_function';

/**
 * A `js_function` model: an ES module exporting `predict(input, params, context)` and optionally
 * `load(context)` (its result arrives as `context.state`) and `close(context)`. `codePaths` are
 * copied beside the module into `code/`, so its relative imports of them keep working; each entry
 * of `artifacts` (a file or folder) is copied into `artifacts/` and handed to the module by name.
 */
export interface JsFunctionModel {
  /** Path of the ES module file (`.mjs`, or `.js` in a `"type": "module"` package). */
  module: string;
  /** Files or folders the module imports relatively; copied into `code/` beside it. */
  codePaths?: string[];
  /** Named files or folders the model reads at load time (weights, vocabularies). */
  artifacts?: Record<string, string>;
}

/** What a js_function module's `load`, `predict` and `close` receive. */
export interface JsFunctionContext {
  /** Absolute paths of the bundled artifacts, by name. */
  artifacts: Record<string, string>;
  modelDir: string;
  mlmodel: MLmodel;
  /** What the module's `load(context)` returned. */
  state?: unknown;
}

interface JsFunctionModule {
  predict?: (input: unknown, params: Record<string, unknown>, context: JsFunctionContext) => unknown;
  load?: (context: JsFunctionContext) => unknown;
  close?: (context: JsFunctionContext) => unknown;
}

function asModel(model: unknown): JsFunctionModel {
  if (typeof model === 'string') return { module: model };
  if (typeof model === 'object' && model !== null && typeof (model as JsFunctionModel).module === 'string') return model as JsFunctionModel;
  throw invalidParameter('A js_function model is the path of an ES module exporting predict, or { module, codePaths?, artifacts? }.', {
    field: 'model',
  });
}

/** The built-in flavor for models written in JavaScript (MLflow's custom `python_function` counterpart). */
export const jsFunctionFlavor: ModelFlavor<JsFunctionModel | string> = {
  name: JS_FUNCTION_FLAVOR,

  async save(model, dir) {
    const m = asModel(model);
    const source = resolve(m.module);
    if (!existsSync(source))
      throw notFound(`The js_function module '${m.module}' does not exist: pass the path of the ES module that exports predict.`, {
        field: 'model.module',
      });
    await mkdir(join(dir, 'code'), { recursive: true });
    const moduleName = basename(source);
    await cp(source, join(dir, 'code', moduleName));
    for (const p of m.codePaths ?? []) await cp(resolve(p), join(dir, 'code', basename(p)), { recursive: true });
    const artifacts: Record<string, { path: string; uri: string }> = {};
    for (const [name, path] of Object.entries(m.artifacts ?? {})) {
      const from = resolve(path);
      if (!existsSync(from))
        throw notFound(`Artifact '${name}' of the js_function model ('${path}') does not exist.`, { field: `model.artifacts.${name}` });
      const rel = `artifacts/${basename(from)}`;
      if (Object.values(artifacts).some((a) => a.path === rel)) {
        throw invalidParameter(
          `Two js_function artifacts are both named '${basename(from)}': rename one, files are copied into artifacts/ by their base name.`,
        );
      }
      await cp(from, join(dir, ...rel.split('/')), { recursive: true });
      artifacts[name] = { path: rel, uri: from };
    }
    return { module: `code/${moduleName}`, artifacts, node_version: process.versions.node, code: 'code' };
  },

  async load(dir: string, config: FlavorConfig, context: FlavorLoadContext): Promise<LoadedModel> {
    if (typeof config.module !== 'string')
      throw invalidParameter(`The js_function flavor in ${dir}/MLmodel has no 'module' key: save the model again with saveModel().`);
    const file = join(dir, ...config.module.split('/'));
    if (!existsSync(file))
      throw notFound(
        `The js_function module ${file} named in MLmodel is missing: the model folder is incomplete; download or save it again.`,
      );
    const mod = (await import(pathToFileURL(file).href)) as JsFunctionModule;
    if (typeof mod.predict !== 'function')
      throw invalidParameter(`${file} exports no predict function: a js_function module must export predict(input, params, context).`);
    const artifacts: Record<string, string> = {};
    for (const [name, a] of Object.entries((config.artifacts ?? {}) as Record<string, { path: string }>))
      artifacts[name] = join(dir, ...a.path.split('/'));
    const ctx: JsFunctionContext = { artifacts, modelDir: dir, mlmodel: context.mlmodel };
    if (typeof mod.load === 'function') ctx.state = await mod.load(ctx);
    const predict = mod.predict;
    return {
      predict: async (input, params) => predict(input, params ?? {}, ctx),
      close: async () => {
        if (typeof mod.close === 'function') await mod.close(ctx);
      },
    };
  },
};
