import type { LoadedModel } from '../interfaces/model-flavor.js';
import { enforceParams } from './enforce-params.js';
import { enforceSchema } from './enforce-schema.js';
import { readInputExample } from './input-example.js';
import type { MLmodel } from './mlmodel.js';
import type { ModelSignature } from './signature.js';

/**
 * A loaded model, whatever its flavor (MLflow's `PyFuncModel`): `predict` enforces the signature
 * (inputs and params) before the flavor sees the input.
 */
export interface LabbookModel extends LoadedModel {
  /** The MLmodel file as read. */
  readonly metadata: MLmodel;
  /** The local folder the model was loaded from (a cache folder for remote URIs). */
  readonly modelDir: string;
  /** The URI passed to `loadModel`. */
  readonly uri: string;
  /** The flavor used to load it. */
  readonly flavor: string;
  readonly signature?: ModelSignature;
  /** The saved input example as a predict input, when the model has one. */
  inputExample(): { input: unknown; params?: Record<string, unknown> } | undefined;
  close(): Promise<void>;
}

/** Wraps a flavor's loaded model with schema enforcement. */
export function wrapLoadedModel(
  inner: LoadedModel,
  info: { metadata: MLmodel; modelDir: string; uri: string; flavor: string; signature?: ModelSignature },
): LabbookModel {
  let closed = false;
  return {
    ...info,
    async predict(input: unknown, params?: Record<string, unknown>): Promise<unknown> {
      const enforced = info.signature?.inputs ? enforceSchema(input, info.signature.inputs) : input;
      const checked = enforceParams(params, info.signature?.params);
      return inner.predict(enforced, checked);
    },
    inputExample() {
      return readInputExample(info.modelDir, info.metadata, info.signature?.inputs);
    },
    async close() {
      if (closed) return;
      closed = true;
      await inner.close?.();
    },
  };
}
