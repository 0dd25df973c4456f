import { invalidParameter, type Tensor, type TensorDType } from '@labbook/core/plugin';
import type { Tensor as OrtTensor } from 'onnxruntime-node';

type OrtModule = typeof import('onnxruntime-node');

const TO_ORT: Partial<Record<TensorDType, OrtTensor.Type>> = {
  float32: 'float32',
  float64: 'float64',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  bool: 'bool',
  str: 'string',
};

/** The inverse of {@link TO_ORT}: one table, so the two directions cannot drift apart. */
const FROM_ORT: Partial<Record<string, TensorDType>> = Object.fromEntries(
  (Object.entries(TO_ORT) as [TensorDType, OrtTensor.Type][]).map(([dtype, ort]) => [ort, dtype]),
);

/** A labbook tensor as an onnxruntime tensor (bool arrays become the Uint8Array ORT expects). */
export function toOrtTensor(ort: OrtModule, t: Tensor, name: string): OrtTensor {
  const type = TO_ORT[t.dtype];
  if (!type)
    throw invalidParameter(
      `Input '${name}' is a ${t.dtype} tensor, which onnxruntime cannot take. Convert it to a numeric, bool or string tensor.`,
      { field: name },
    );
  const data = type === 'bool' ? Uint8Array.from(t.data as boolean[], (b) => (b ? 1 : 0)) : t.data;
  return new ort.Tensor(type, data as never, [...t.shape]);
}

/** An onnxruntime output tensor as a labbook tensor. */
export function fromOrtTensor(t: OrtTensor): Tensor {
  const dtype = FROM_ORT[t.type];
  if (!dtype) throw invalidParameter(`The model returned a ${t.type} tensor, which labbook does not represent yet.`);
  const data = dtype === 'bool' ? Array.from(t.data as Uint8Array, (v) => v !== 0) : (t.data as Tensor['data']);
  return { kind: 'tensor', dtype, shape: [...t.dims], data };
}
