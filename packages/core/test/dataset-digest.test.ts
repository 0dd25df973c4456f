// The fixture comes from real pandas (test/fixtures/datasets/make_digests.py re-implements MLflow's
// digest_utils on pandas 1.5.3), so a match here is a match with what Python MLflow logs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeNumpyDigest, computePandasDigest, hashedColumns, type NumpyArrayLike, pandasRowHashes } from '../src/datasets/digest.js';
import { inferPandasFrame, inferPandasFrameFromColumns } from '../src/datasets/pandas-frame.js';
import { hashArray, siphash24 } from '../src/datasets/pandas-hash.js';
import { computeDatasetDigest, dataset } from '../src/fluent/fluent-datasets.js';

interface JsonArray {
  dtype: string;
  shape: number[];
  data: unknown[];
}
interface Case {
  name: string;
  kind: 'records' | 'columns' | 'numpy';
  generator?: string | null;
  records?: Record<string, unknown>[] | null;
  columns?: Record<string, unknown[]>;
  dtypes?: Record<string, string>;
  hashedColumns?: string[];
  rowHashes?: string[];
  rowHashesTruncated?: boolean;
  features?: JsonArray | { $dict: Record<string, JsonArray> } | null;
  targets?: JsonArray | { $dict: Record<string, JsonArray> } | null;
  featureHashes?: string[];
  digest: string;
}

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/datasets/digests.json'), 'utf8')) as { cases: Case[] };

function decode(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && '$float' in v) {
    const f = (v as { $float: string }).$float;
    return f === 'nan' ? Number.NaN : f === 'inf' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  if (typeof v === 'object' && v !== null && '$date' in v) return new Date((v as { $date: string }).$date);
  return v;
}

function records(c: Case): Record<string, unknown>[] {
  if (c.generator === 'rows12000') {
    return Array.from({ length: 12000 }, (_, i) => ({ i, x: ((i * 7919) % 1000) / 8 - 60, s: `row-${i % 97}` }));
  }
  return (c.records ?? []).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, decode(v)])));
}

function array(a: JsonArray): NumpyArrayLike {
  return { dtype: a.dtype, shape: a.shape, data: a.data.map(decode) };
}

function arrays(x: Case['features']): NumpyArrayLike | Record<string, NumpyArrayLike> | undefined {
  if (!x) return undefined;
  if ('$dict' in x) return Object.fromEntries(Object.entries(x.$dict).map(([k, v]) => [k, array(v)]));
  return array(x);
}

describe('pandas hashing primitives', () => {
  it('SipHash-2-4 matches the reference test vector', () => {
    // The SipHash paper's vector (key 00..0f, message 00..0e), printed there as a 64-bit value.
    const key = Uint8Array.from({ length: 16 }, (_, i) => i);
    const msg = Uint8Array.from({ length: 15 }, (_, i) => i);
    expect(siphash24(msg, key)).toBe(0xa129ca6149be45e5n);
  });

  it('hash_array keeps -0.0 and 0.0 apart and gives NA the u8max hash, as pandas does', () => {
    expect([...hashArray(Float64Array.of(-0, 0))]).toEqual([2720858781877447050n, 0n]);
    expect([...hashArray(['a', null, 'b'])]).toEqual([13950350942979735504n, 2n ** 64n - 1n, 12688059582079114975n]);
  });
});

describe('dataset digests match MLflow (pandas 1.5.3 fixture)', () => {
  for (const c of fixture.cases.filter((x) => x.kind !== 'numpy')) {
    it(`${c.kind}: ${c.name}`, () => {
      const frame =
        c.kind === 'records'
          ? inferPandasFrame(records(c))
          : inferPandasFrameFromColumns(Object.fromEntries(Object.entries(c.columns ?? {}).map(([k, vs]) => [k, vs.map(decode)])));
      expect(Object.fromEntries(frame.columns.map((col) => [col.name, col.dtype]))).toEqual(c.dtypes);
      expect(hashedColumns(frame).map((col) => col.name)).toEqual(c.hashedColumns);
      const hashes = [...pandasRowHashes(frame)].map(String);
      expect(c.rowHashesTruncated ? hashes.slice(0, c.rowHashes?.length) : hashes).toEqual(c.rowHashes);
      const data =
        c.kind === 'records' ? records(c) : Object.fromEntries(Object.entries(c.columns ?? {}).map(([k, vs]) => [k, vs.map(decode)]));
      expect(computePandasDigest(data)).toBe(c.digest);
    });
  }

  for (const c of fixture.cases.filter((x) => x.kind === 'numpy')) {
    it(`numpy: ${c.name}`, () => {
      let features = arrays(c.features);
      if (c.generator === 'arange25000x0.5') {
        features = { dtype: 'float64', shape: [5000, 5], data: Float64Array.from({ length: 25000 }, (_, i) => i * 0.5) };
      }
      if (features === undefined) throw new Error('fixture without features');
      // The fixture records the first array's hash_array; float64 ones are checked element-wise.
      const json = c.features && ('$dict' in c.features ? c.features.$dict[Object.keys(c.features.$dict).sort()[0] as string] : c.features);
      if (json?.dtype === 'float64') {
        expect([...hashArray(Float64Array.from(json.data.map(decode) as number[]))].map(String)).toEqual(c.featureHashes);
      }
      expect(computeNumpyDigest(features, arrays(c.targets))).toBe(c.digest);
    });
  }
});

describe('the fluent dataset digest', () => {
  it('is the pandas digest for rows and the numpy digest for arrays', () => {
    const rows = [
      { a: 1, b: 2 },
      { a: 3, b: 4 },
      { a: 5, b: 6 },
    ];
    expect(computeDatasetDigest(rows)).toBe('31ab9eba');
    expect(dataset({ rows }).digest).toBe('31ab9eba');
    expect(dataset({ columns: { a: [1, 3, 5], b: [2, 4, 6] } }).digest).toBe('31ab9eba');
    const features = Float32Array.of(1.5, -2.25, 0, 3e-8, 1e20);
    expect(dataset({ features }).digest).toBe(computeNumpyDigest(features));
    expect(dataset({ features: { kind: 'tensor', dtype: 'float32', shape: [5], data: features } }).digest).toBe('9235f5bb');
  });

  it('gives out-of-scope data a stable digest', () => {
    const rows = [{ d: new Date(0), o: { nested: true }, n: -0, big: 2n ** 70n }];
    expect(computeDatasetDigest(rows)).toMatch(/^[0-9a-f]{8}$/);
    expect(computeDatasetDigest(rows)).toBe(computeDatasetDigest([{ d: new Date(0), o: { nested: true }, n: -0, big: 2n ** 70n }]));
    expect(computeNumpyDigest([[{ a: 1 }], [{ a: 2 }]])).toBe(computeNumpyDigest([[{ a: 1 }], [{ a: 2 }]]));
  });
});
