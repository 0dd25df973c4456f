import { invalidParameter } from '@labbook/core/plugin';
import type { InferenceSession } from 'onnxruntime-node';

const OPT_LEVELS: Record<number, InferenceSession.SessionOptions['graphOptimizationLevel']> = {
  0: 'disabled',
  1: 'basic',
  2: 'extended',
  99: 'all',
};

/** MLflow's provider names mapped to onnxruntime-node's execution provider names. */
const PROVIDERS: Record<string, string> = {
  CPUExecutionProvider: 'cpu',
  CUDAExecutionProvider: 'cuda',
  TensorrtExecutionProvider: 'tensorrt',
  DmlExecutionProvider: 'dml',
  CoreMLExecutionProvider: 'coreml',
};

/** Checks `onnx_session_options` as `mlflow.onnx._validate_onnx_session_options` does. */
export function validateSessionOptions(options: unknown): Record<string, unknown> | null {
  if (options === null || options === undefined) return null;
  if (typeof options !== 'object' || Array.isArray(options))
    throw invalidParameter('onnx_session_options must be a map of onnxruntime SessionOptions attributes.', {
      field: 'onnx_session_options',
    });
  const o = options as Record<string, unknown>;
  if (o.execution_mode !== undefined && !['sequential', 'parallel'].includes(String(o.execution_mode).toLowerCase())) {
    throw invalidParameter(`onnx_session_options.execution_mode is '${String(o.execution_mode)}': use 'sequential' or 'parallel'.`, {
      field: 'onnx_session_options.execution_mode',
    });
  }
  if (o.graph_optimization_level !== undefined && !(Number(o.graph_optimization_level) in OPT_LEVELS)) {
    throw invalidParameter(`onnx_session_options.graph_optimization_level is ${String(o.graph_optimization_level)}: use 0, 1, 2 or 99.`, {
      field: 'onnx_session_options.graph_optimization_level',
    });
  }
  if (o.extra_session_config !== undefined && (typeof o.extra_session_config !== 'object' || o.extra_session_config === null)) {
    throw invalidParameter('onnx_session_options.extra_session_config must be a map of session config entries.', {
      field: 'onnx_session_options.extra_session_config',
    });
  }
  return o;
}

/** The onnxruntime-node session options for MLflow's `onnx_session_options` (the keys MLflow's loader applies). */
export function toOrtSessionOptions(options: Record<string, unknown> | null): InferenceSession.SessionOptions {
  const out: InferenceSession.SessionOptions = {};
  if (!options) return out;
  if (options.intra_op_num_threads !== undefined) out.intraOpNumThreads = Number(options.intra_op_num_threads);
  if (options.inter_op_num_threads !== undefined) out.interOpNumThreads = Number(options.inter_op_num_threads);
  if (options.execution_mode !== undefined) out.executionMode = String(options.execution_mode).toLowerCase() as 'sequential' | 'parallel';
  if (options.graph_optimization_level !== undefined) {
    const level = OPT_LEVELS[Number(options.graph_optimization_level)];
    if (level) out.graphOptimizationLevel = level;
  }
  if (options.extra_session_config) out.extra = { ...(options.extra_session_config as Record<string, unknown>) };
  return out;
}

/** onnxruntime-node's names for MLflow's `providers`, dropping ones it does not know. */
export function toOrtProviders(providers: unknown): string[] {
  if (!Array.isArray(providers)) return [];
  return providers.flatMap((p) => (typeof p === 'string' && PROVIDERS[p] ? [PROVIDERS[p]] : []));
}
