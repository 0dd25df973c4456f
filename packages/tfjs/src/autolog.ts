import { activeRun, logModel, type StartRunOptions, withRun } from '@labbook/core';
import * as tfDefault from '@tensorflow/tfjs';
import { AsyncLocalStorage } from 'node:async_hooks';
import { AUTOLOGGING_TAG, FLAVOR_NAME, LabbookCallback, type LabbookCallbackOptions, type TrainedModelLogger } from './labbook-callback.js';
import { tfjsFlavor } from './tfjs-flavor.js';

/** Options of {@link autolog}. */
export interface AutologOptions extends Omit<LabbookCallbackOptions, 'fit' | 'tags'> {
  /** Restore the original `fit` / `fitDataset` (MLflow's `disable=True`). */
  disable?: boolean;
  /** Tags added to runs autolog starts, besides `mlflow.autologging` (MLflow's `extra_tags`). */
  extraTags?: Record<string, string>;
  /**
   * Log the trained model with the `tfjs` flavor as the run artifact `model` when fit ends (MLflow's
   * `log_models`, default true). A `logModel` function given here replaces that default logger.
   */
  logModels?: boolean;
  /** Register each model logged as a new version of this registered model (MLflow's `registered_model_name`). */
  registeredModelName?: string;
  /** For runs autolog starts: sample system metrics while training. */
  logSystemMetrics?: boolean;
  /**
   * The TF.js module whose models are patched, when the application's copy is not the one this
   * package resolves (a bundler, `@tensorflow/tfjs-node`'s re-export of another copy).
   */
  tf?: { LayersModel: { prototype: object }; Sequential?: { prototype: object }; Callback: unknown; CustomCallback: unknown };
}

type FitFn = (this: object, ...args: unknown[]) => Promise<unknown>;
interface Patch {
  proto: Record<string, unknown>;
  name: 'fit' | 'fitDataset';
  original: FitFn;
}

const patches: Patch[] = [];
let settings: AutologOptions = {};
let warnedTwice = false;
// Sequential.fit calls its inner LayersModel's fit: only the outermost patched call logs.
const inFit = new AsyncLocalStorage<true>();

function isCallbackInstance(cb: unknown, tf: AutologOptions['tf']): boolean {
  const Base = (tf as { Callback: { prototype: object } }).Callback;
  return (
    !!cb &&
    typeof cb === 'object' &&
    (cb instanceof (Base as unknown as new () => object) || typeof (cb as { setParams?: unknown }).setParams === 'function')
  );
}

// TF.js accepts callbacks as one object, an array of callback instances, or an array of plain
// `{ onEpochEnd }` objects, but not a mix: plain ones are wrapped so ours can be appended.
function userCallbacks(callbacks: unknown, tf: AutologOptions['tf']): unknown[] {
  const user = callbacks === undefined || callbacks === null ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
  const Custom = (tf as { CustomCallback: new (args: unknown) => unknown }).CustomCallback;
  return user.map((cb) => (isCallbackInstance(cb, tf) ? cb : new Custom(cb)));
}

/** MLflow's Keras autolog logs the fitted model as `model`; so does this, with the tfjs flavor. */
function defaultModelLogger(registeredModelName: string | undefined): TrainedModelLogger {
  return async (model, { runId }) => {
    await logModel(model, { flavor: tfjsFlavor, runId, artifactPath: 'model', ...(registeredModelName ? { registeredModelName } : {}) });
  };
}

function patched(name: 'fit' | 'fitDataset', original: FitFn, tf: AutologOptions['tf']): FitFn {
  return function (this: object, ...callArgs: unknown[]): Promise<unknown> {
    if (inFit.getStore()) return original.apply(this, callArgs);
    const argIndex = name === 'fit' ? 2 : 1;
    const args = ((callArgs[argIndex] as Record<string, unknown> | undefined) ?? {}) as Record<string, unknown>;
    const { disable: _d, extraTags, logSystemMetrics, tf: _tf, logModels, registeredModelName, ...callbackOptions } = settings;
    const user = userCallbacks(args.callbacks, tf);
    const logger = callbackOptions.logModel ?? (logModels === false ? undefined : defaultModelLogger(registeredModelName));
    const ours = new LabbookCallback({
      ...callbackOptions,
      ...(logger ? { logModel: logger } : {}),
      fit: { kind: name, args, callbacks: user, model: this as never },
    });
    const nextArgs = [...callArgs];
    while (nextArgs.length < argIndex) nextArgs.push(undefined);
    nextArgs[argIndex] = { ...args, callbacks: [...user, ours] };
    return inFit.run(true, () => {
      if (activeRun()) return original.apply(this, nextArgs);
      const runOptions: StartRunOptions = {
        tags: { [AUTOLOGGING_TAG]: FLAVOR_NAME, ...(extraTags ?? {}) },
        ...(logSystemMetrics !== undefined ? { logSystemMetrics } : {}),
      };
      // withRun: the run is ours, in its own async context, FAILED if fit throws.
      return withRun(() => original.apply(this, nextArgs), runOptions);
    });
  };
}

/**
 * Logs every `model.fit()` / `model.fitDataset()` of TF.js layers models, as MLflow's
 * `mlflow.tensorflow.autolog()` does: inside the active run, or in a run it starts (tagged
 * `mlflow.autologging=tensorflow`) and ends with the fit. The trained model is logged as `model`
 * with the `tfjs` flavor unless `logModels: false`. Calling it again while enabled changes
 * nothing and warns once; `autolog({ disable: true })` restores TF.js.
 */
export function autolog(options: AutologOptions = {}): void {
  if (options.disable) {
    for (const p of patches.splice(0)) p.proto[p.name] = p.original;
    settings = {};
    warnedTwice = false;
    return;
  }
  if (patches.length > 0) {
    if (!warnedTwice) {
      warnedTwice = true;
      process.emitWarning(
        '[labbook] [tfjs] autolog() is already enabled; this call changes nothing. Call autolog({ disable: true }) first to change options.',
        {
          code: 'LABBOOK_TFJS_AUTOLOG_TWICE',
        },
      );
    }
    return;
  }
  // Validate once, now, rather than at the first fit.
  new LabbookCallback({ ...options, tf: undefined } as LabbookCallbackOptions);
  const tf = options.tf ?? (tfDefault as unknown as AutologOptions['tf']);
  settings = { ...options };
  const protos = [tf!.LayersModel.prototype, tf!.Sequential?.prototype].filter((p): p is object => !!p) as Record<string, unknown>[];
  for (const proto of protos) {
    for (const name of ['fit', 'fitDataset'] as const) {
      if (!Object.hasOwn(proto, name) || typeof proto[name] !== 'function') continue;
      const original = proto[name] as FitFn;
      proto[name] = patched(name, original, tf);
      patches.push({ proto, name, original });
    }
  }
}

/** Whether {@link autolog} is enabled. */
export function isAutologEnabled(): boolean {
  return patches.length > 0;
}
