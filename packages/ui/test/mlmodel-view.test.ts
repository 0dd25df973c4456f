import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelViewOf, parseYamlSubset } from '../src/components/mlmodel-view';

// As MLflow 3.x writes it: safe_dump wraps the long signature JSON inside single quotes.
const MLFLOW_3 = `artifact_path: mlflow-artifacts:/1/models/m-4be1f0c29a7d4c0e9f3b5a6d7c8e9f01/artifacts
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    python_version: 3.10.13
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.0
is_signature_from_type_hint: false
mlflow_version: 3.6.0
model_id: m-4be1f0c29a7d4c0e9f3b5a6d7c8e9f01
model_size_bytes: 2631
prompts: null
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal length", "required": true}, {"type":
    "string", "name": "it''s", "required": false}, {"type": "array", "items": {"type":
    "long"}, "name": "ids", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]'
  params: '[{"name": "temperature", "default": 0.5, "shape": null, "type": "double"}]'
type_hint_from_example: false
utc_time_created: '2025-11-20 14:03:07.512345'
`;

describe('MLmodel view', () => {
  it('reads what MLflow 2.10 writes (lists at the key indent, wrapped quoted JSON)', () => {
    const text = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'plugins', 'onnx', 'test', 'fixtures', 'mlflow-2.10-onnx-model', 'MLmodel'),
      'utf8',
    );
    const doc = parseYamlSubset(text) as Record<string, Record<string, Record<string, unknown>>>;
    expect(doc.flavors!.onnx!.providers).toEqual(['CUDAExecutionProvider', 'CPUExecutionProvider']);
    expect(doc.flavors!.python_function!.python_version).toBe('3.10.13');
    const view = modelViewOf(text);
    expect(view.flavors.map((f) => f.name)).toEqual(['onnx', 'python_function']);
    expect(view.inputs).toEqual([{ name: 'input', type: 'tensor float32 (-1, 4)', required: true }]);
    expect(view.outputs).toEqual([{ name: 'output', type: 'tensor float32 (-1, 3)', required: true }]);
    expect(view.inputExample).toEqual({ path: 'input_example.json', type: 'ndarray' });
    expect(view.facts).toContainEqual(['utc_time_created', '2024-02-20 09:15:42.123456']);
  });

  it('reads MLflow 3.x columns, composite types, optional columns and params', () => {
    const view = modelViewOf(MLFLOW_3);
    expect(view.inputs).toEqual([
      { name: 'sepal length', type: 'double', required: true },
      { name: "it's", type: 'string', required: false },
      { name: 'ids', type: 'array<long>', required: true },
    ]);
    expect(view.outputs).toEqual([{ name: '(unnamed 0)', type: 'tensor float32 (-1, 3)', required: true }]);
    expect(view.params).toEqual([{ name: 'temperature', type: 'double', default: '0.5', shape: 'scalar' }]);
    expect(view.servingExample).toBe('serving_input_example.json');
    expect(view.flavors.find((f) => f.name === 'python_function')!.details).toContainEqual(['python_version', '3.10.13']);
    expect(view.facts).toContainEqual(['model_size_bytes', '2631']);
  });

  it('reads lists of maps, quoted keys and models without a signature', () => {
    const doc = parseYamlSubset('a:\n- name: x\n  size: 2\n- name: y\n\'quoted key\': "tab\\there"\nempty: {}\n');
    expect(doc).toEqual({ a: [{ name: 'x', size: 2 }, { name: 'y' }], 'quoted key': 'tab\there', empty: {} });
    const view = modelViewOf('flavors:\n  js_function:\n    module: code/predict.mjs\n');
    expect(view.inputs).toBeUndefined();
    expect(view.flavors).toEqual([{ name: 'js_function', details: [['module', 'code/predict.mjs']] }]);
    expect(() => modelViewOf('- just\n- a list\n')).toThrow();
  });
});
