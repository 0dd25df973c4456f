/**
 * The byte scanner of tensor bodies against the general path it short-cuts (JSON.parse, then
 * parseJsonInput, then requestTensor): on every body it accepts it must give the same tensor bit
 * for bit and the same `named`, and it must accept nothing the general path refuses.
 */
import type { Schema, TensorSpec } from '@labbook/core';
import { describe, expect, it } from 'vitest';
import { parseJsonInput } from '../src/scoring/parse-input.js';
import { requestTensor, tensorBodyPlan } from '../src/scoring/request-tensor.js';
import { scanTensorBody } from '../src/scoring/tensor-body.js';

/** mulberry32: a seeded generator, so a failure names a body that can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = ReturnType<typeof requestTensor>;

function general(body: string, schema: Schema): Outcome | 'refused' {
  const plan = tensorBodyPlan(schema)!;
  try {
    const { input, params } = parseJsonInput(JSON.parse(body), schema);
    if (params !== undefined) return undefined;
    return requestTensor(input, plan);
  } catch {
    return 'refused';
  }
}

function bits(data: unknown): number[] {
  return Array.from(data as ArrayLike<number>, (x) => (Object.is(x, -0) ? -1e-300 : x));
}

function check(body: string, schema: Schema): 'fast' | 'general' {
  const fast = scanTensorBody(Buffer.from(body), tensorBodyPlan(schema)!);
  const slow = general(body, schema);
  if (fast === undefined) return 'general';
  if (slow === 'refused' || slow === undefined) throw new Error(`scanned a body the general path does not make a tensor of: ${body}`);
  expect(fast.named, body).toBe(slow.named);
  expect(fast.tensor.dtype, body).toBe(slow.tensor.dtype);
  expect(fast.tensor.shape, body).toEqual(slow.tensor.shape);
  expect(fast.tensor.data.constructor, body).toBe(slow.tensor.data.constructor);
  expect(bits(fast.tensor.data), body).toEqual(bits(slow.tensor.data));
  return 'fast';
}

const spec = (shape: number[], dtype: 'float32' | 'float64' = 'float32', name?: string): Schema => [
  { kind: 'tensor', dtype, shape, ...(name === undefined ? {} : { name }) } satisfies TensorSpec,
];

describe('tensor body scanner', () => {
  it('reads the plain forms fast, named as the general path names them', () => {
    const s = spec([-1, 2], 'float32', 'x');
    expect(check('{"inputs": [[1, 2.5], [3, -4]]}', s)).toBe('fast');
    expect(check('{"instances": [[1, 2.5], [3, -4]]}', s)).toBe('fast');
    expect(check('{"inputs": {"x": [[1, 2.5]]}}', s)).toBe('fast');
    expect(check('{"instances": {"x": [[1, 2.5]]}}', s)).toBe('fast');
    expect(check(' \n{ "inputs" :\t[ [ 1 , 2 ] ] } \r\n', s)).toBe('fast');
    expect(check('{"inputs": [[1, 2]]}', spec([-1, 2], 'float64'))).toBe('fast');
    expect(check('{"inputs": [[[1], [2]], [[3], [4]]]}', spec([-1, 2, 1]))).toBe('fast');
    expect(check('{"inputs": [1, 2, 3]}', spec([-1]))).toBe('fast');
  });

  it('reads numbers exactly as JSON.parse does, long and exponent forms included', () => {
    const numbers = [
      '0',
      '-0',
      '0.5',
      '-0.000001',
      '123456789012345',
      '1234567890123456789',
      '0.1',
      '0.30000000000000004',
      '1e3',
      '1E-7',
      '-2.5e+10',
      '1e400',
      '-1e400',
      '5e-324',
      '1.7976931348623157e308',
      '0.0000000000000000000001',
      '0.00000000000000000000001',
      '9007199254740993',
      '3.141592653589793238462643383279',
      '16777217',
      '1.00000005960464477539',
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      expect(check(`{"inputs": [${numbers.join(', ')}]}`, spec([-1], dtype))).toBe('fast');
    }
  });

  it('leaves everything else to the general path', () => {
    const s = spec([-1, 2], 'float32', 'x');
    for (const body of [
      '{"inputs": [[1, 2]], "params": {"a": 1}}', // params
      '{"inputs": [[1, 2]], "inputs": [[3, 4]]}', // a repeated key: JSON.parse keeps the last
      '{"inp\\u0075ts": [[1, 2]]}', // an escape in a key
      '{"dataframe_split": {"data": [[1, 2]]}}',
      '{"inputs": [[1, 2], [3]]}', // ragged
      '{"inputs": [[1, 2, 3]]}', // wider than the signature
      '{"inputs": []}',
      '{"inputs": [[]]}',
      '{"inputs": [[1, null]]}',
      '{"inputs": [["1", 2]]}',
      '{"inputs": [[01, 2]]}',
      '{"inputs": [[1., 2]]}',
      '{"inputs": [[.5, 2]]}',
      '{"inputs": [[-, 2]]}',
      '{"inputs": [[1e, 2]]}',
      '{"inputs": [[+1, 2]]}',
      '{"inputs": [[1, 2],]}',
      '{"inputs": [[1, 2]]} x',
      '{"inputs": [[1, 2]]',
      '{"inputs": [[1,\u0001 2]]}',
      '\ufeff{"inputs": [[1, 2]]}',
      '{"inputs": {"y": [[1, 2]]}}', // another name
      '{"inputs": [[[1, 2]]]}', // deeper than the signature
      '{"inputs": [1, 2]}', // shallower
    ]) {
      expect(check(body, s), body).toBe('general');
    }
  });

  it('agrees with the general path on 20,000 random and mutated bodies', () => {
    const next = random(20261202);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const ws = () => (next() < 0.7 ? '' : pick([' ', '\n', '\t', '\r\n', '  ']));
    const numberText = (): string => {
      switch (Math.floor(next() * 7)) {
        case 0:
          return String(Math.floor((next() - 0.5) * 1e6));
        case 1:
          return JSON.stringify((next() - 0.5) * 10 ** Math.floor(next() * 40 - 20));
        case 2:
          return (next() * 100).toFixed(Math.floor(next() * 25));
        case 3:
          return `${(next() * 10).toFixed(3)}e${Math.floor(next() * 80 - 40)}`;
        case 4:
          return pick(['0', '-0', '0.0', '-0.0e0', '1E+2']);
        case 5:
          return String(Math.fround(next() * 1000));
        default:
          return `-${Math.floor(next() * 1e17)}.${Math.floor(next() * 1e9)}`;
      }
    };
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const rank = 1 + Math.floor(next() * 3);
      const dims = Array.from({ length: rank }, () => 1 + Math.floor(next() * 3));
      const shape = dims.map((d, k) => (k === 0 || next() < 0.5 ? -1 : next() < 0.9 ? d : d + 1));
      const name = next() < 0.5 ? 'x' : undefined;
      const schema = spec(shape, next() < 0.5 ? 'float32' : 'float64', name);
      const nest = (k: number): string =>
        `[${ws()}${Array.from({ length: dims[k]! }, () => (k === rank - 1 ? numberText() : nest(k + 1))).join(`${ws()},${ws()}`)}${ws()}]`;
      const field = next() < 0.5 ? 'inputs' : 'instances';
      const value = next() < 0.3 ? `{${ws()}"${next() < 0.9 ? 'x' : 'y'}"${ws()}:${ws()}${nest(0)}${ws()}}` : nest(0);
      let body = `${ws()}{${ws()}"${field}"${ws()}:${ws()}${value}${ws()}}${ws()}`;
      if (next() < 0.5) {
        // One byte changed, dropped or added: mostly invalid JSON or another shape.
        const at = Math.floor(next() * body.length);
        const byte = pick(['[', ']', '{', '}', ',', ':', '"', '0', '7', '-', '.', 'e', ' ', '\u0001', 'x']);
        const how = next();
        body =
          how < 0.33
            ? body.slice(0, at) + byte + body.slice(at + 1)
            : how < 0.66
              ? body.slice(0, at) + body.slice(at + 1)
              : body.slice(0, at) + byte + body.slice(at);
      }
      if (check(body, schema) === 'fast') fast++;
    }
    // The plain half is read fast almost always (a shape the signature refuses is not).
    expect(fast).toBeGreaterThan(5_000);
  });
});
