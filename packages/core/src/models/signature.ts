import { invalidParameter } from '../errors.js';
import { pythonJsonDumps } from './python-json.js';
import { type ParamSpec, paramSchemaFromJson, paramSchemaToJson, type Schema, schemaFromJson, schemaToJson } from './schema.js';

/** What a model takes and returns (MLflow's `ModelSignature`). */
export interface ModelSignature {
  inputs?: Schema;
  outputs?: Schema;
  params?: ParamSpec[];
}

/** The `signature` block of an MLmodel file: each part a JSON string, or null. */
export interface MLmodelSignatureDict {
  inputs: string | null;
  outputs: string | null;
  params: string | null;
}

/** The signature as MLflow stores it in MLmodel (`Schema.to_json()` strings). */
export function signatureToDict(signature: ModelSignature): MLmodelSignatureDict {
  return {
    inputs: signature.inputs ? pythonJsonDumps(schemaToJson(signature.inputs)) : null,
    outputs: signature.outputs ? pythonJsonDumps(schemaToJson(signature.outputs)) : null,
    params: signature.params && signature.params.length > 0 ? pythonJsonDumps(paramSchemaToJson(signature.params)) : null,
  };
}

/** Reads MLmodel's `signature` block (JSON strings; parsed arrays are accepted too). */
export function signatureFromDict(dict: unknown): ModelSignature {
  if (typeof dict !== 'object' || dict === null)
    throw invalidParameter("The MLmodel 'signature' must be a map with inputs, outputs and params.");
  const d = dict as Record<string, unknown>;
  const sig: ModelSignature = {};
  try {
    if (d.inputs !== null && d.inputs !== undefined) sig.inputs = schemaFromJson(d.inputs as string, 'signature inputs');
    if (d.outputs !== null && d.outputs !== undefined) sig.outputs = schemaFromJson(d.outputs as string, 'signature outputs');
    if (d.params !== null && d.params !== undefined) sig.params = paramSchemaFromJson(d.params as string);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw invalidParameter(`The MLmodel signature holds invalid JSON: ${error.message}`, { cause: error });
    throw error;
  }
  return sig;
}
