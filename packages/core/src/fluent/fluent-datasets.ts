import { DIGEST_MAX_ROWS, type NumpyArrayLike, computeNumpyDigest, computePandasDigest, isNumpyArrayLike } from '../datasets/digest.js';
import type { Dataset, DatasetInput } from '../entities/tracking.js';
import { invalidParameter } from '../errors.js';
import { fluentClient, resolveFluentRunId } from './fluent.js';

/** MLflow hashes at most this many rows of a dataset for its digest (`MAX_ROWS` in `mlflow.data.digest_utils`). */
export const DATASET_DIGEST_MAX_ROWS = DIGEST_MAX_ROWS;

export { computeNumpyDigest, computePandasDigest } from '../datasets/digest.js';
export type { NumpyArrayLike, ShapedArray } from '../datasets/digest.js';

/** Arrays for MLflow's `from_numpy`: one array, or a dict of named arrays. */
export type DatasetArrays = NumpyArrayLike | Readonly<Record<string, NumpyArrayLike>>;

/** Input tag MLflow uses for a dataset's role (`training`, `eval`, …). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** What {@link dataset} builds a {@link Dataset} from. */
export interface DatasetOptions {
  /** Default `dataset`, as MLflow's `from_pandas`. */
  name?: string;
  /** Rows of the data, as `pd.DataFrame(rows)` reads them; used for the digest, schema and profile. */
  rows?: Record<string, unknown>[];
  /** The data by column (`pd.DataFrame(columns)`), instead of `rows`. */
  columns?: Record<string, unknown[]>;
  /** Array data (typed arrays, nested arrays, tensors), as MLflow's `from_numpy(features, targets=…)`. */
  features?: DatasetArrays;
  /** Where the data lives (a URI, a path); default: this code, as MLflow's `CodeDatasetSource`. */
  source?: string;
  /** MLflow source type (`local`, `s3`, `http`, `code`, …); default `local` with a source, `code` without. */
  sourceType?: string;
  /** A precomputed digest (≤ 36 characters), used as is. */
  digest?: string;
  /**
   * With rows/columns: the name of the target column, recorded as MLflow's pandas datasets do.
   * With `features`: the target array(s), part of the digest as in `compute_numpy_digest`.
   */
  targets?: string | DatasetArrays;
}

function mlflowType(v: unknown): string {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'bigint') return 'long';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  if (typeof v === 'string') return 'string';
  if (v instanceof Uint8Array) return 'binary';
  return 'string';
}

/**
 * The digest MLflow gives a pandas dataset built from these rows (`compute_pandas_digest`), bit for
 * bit; see src/datasets/digest.ts for the pandas dtype rules mirrored and the inputs where labbook's
 * digest is stable but can differ from MLflow's.
 */
export function computeDatasetDigest(rows: Record<string, unknown>[]): string {
  return computePandasDigest(rows);
}

function columnsToRows(columns: Record<string, unknown[]>): Record<string, unknown>[] {
  const entries = Object.entries(columns);
  const n = entries[0]?.[1].length ?? 0;
  return Array.from({ length: n }, (_, i) => Object.fromEntries(entries.map(([k, vs]) => [k, vs[i]])));
}

function arrayShape(a: NumpyArrayLike): number[] {
  if (ArrayBuffer.isView(a)) return [a.length];
  if (Array.isArray(a)) {
    const shape: number[] = [];
    for (let p: unknown = a; Array.isArray(p); p = p[0]) shape.push(p.length);
    return shape;
  }
  return [...(a as { shape: readonly number[] }).shape];
}

// The shape/size keys of MLflow's NumpyDataset profile (its `*_nbytes` are left out: numpy's itemsize
// for str/object arrays has no faithful JavaScript counterpart). Not checked against MLflow.
function numpyProfile(prefix: string, arrays: DatasetArrays): Record<string, unknown> {
  const shapeOf = (a: NumpyArrayLike) => arrayShape(a);
  const sizeOf = (shape: number[]) => shape.reduce((x, y) => x * y, 1);
  if (isNumpyArrayLike(arrays)) {
    const shape = shapeOf(arrays);
    return { [`${prefix}_shape`]: shape, [`${prefix}_size`]: sizeOf(shape) };
  }
  const entries = Object.entries(arrays as Record<string, NumpyArrayLike>);
  return {
    [`${prefix}_shape`]: Object.fromEntries(entries.map(([k, a]) => [k, shapeOf(a)])),
    [`${prefix}_size`]: Object.fromEntries(entries.map(([k, a]) => [k, sizeOf(shapeOf(a))])),
  };
}

function datasetSource(options: DatasetOptions): { sourceType: string; source: string } {
  const sourceType = options.sourceType ?? (options.source ? 'local' : 'code');
  const source =
    options.source !== undefined
      ? JSON.stringify(sourceType === 'local' ? { uri: options.source } : { url: options.source })
      : JSON.stringify({ tags: { 'mlflow.source.name': process.argv[1] ?? '', 'mlflow.source.type': 'LOCAL' } });
  return { sourceType, source };
}

function checkDigest(digest: string): string {
  if (digest.length > 36) throw invalidParameter(`Dataset digest is longer than 36 characters: '${digest}'.`, { field: 'digest' });
  return digest;
}

// MLflow's `from_numpy`: digest by `compute_numpy_digest`, profile by array shapes.
function numpyDataset(options: DatasetOptions, features: DatasetArrays): Dataset {
  const targets = typeof options.targets === 'string' ? undefined : options.targets;
  let digest = options.digest;
  try {
    digest ??= computeNumpyDigest(features, targets);
  } catch (e) {
    throw invalidParameter(e instanceof Error ? e.message : String(e), { field: 'features' });
  }
  const profile = { ...numpyProfile('features', features), ...(targets !== undefined ? numpyProfile('targets', targets) : {}) };
  return { name: options.name ?? 'dataset', digest: checkDigest(digest), ...datasetSource(options), profile: JSON.stringify(profile) };
}

/**
 * Builds a {@link Dataset} as MLflow's `mlflow.data.from_pandas` would: digest, `mlflow_colspec`
 * schema and `{num_rows, num_elements}` profile from the rows, and a source.
 */
export function dataset(options: DatasetOptions): Dataset {
  if (options.features !== undefined) return numpyDataset(options, options.features);
  if (options.rows !== undefined && !Array.isArray(options.rows))
    throw invalidParameter('rows must be an array of objects.', { field: 'rows' });
  const byColumn = options.rows === undefined ? options.columns : undefined;
  let rows = options.rows ?? [];
  let digest = options.digest;
  if (byColumn !== undefined) {
    // pd.DataFrame(dict) has no gaps, so it is digested column-wise rather than through rows.
    try {
      digest ??= computePandasDigest(byColumn);
    } catch (e) {
      throw invalidParameter(e instanceof Error ? e.message : String(e), { field: 'columns' });
    }
    rows = columnsToRows(byColumn);
  }
  digest ??= computeDatasetDigest(rows);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  checkDigest(digest);
  const { sourceType, source } = datasetSource(options);
  const colspec = columns.map((name) => {
    const sample = rows.find((r) => r[name] !== null && r[name] !== undefined)?.[name];
    return { type: mlflowType(sample), name, required: rows.every((r) => r[name] !== null && r[name] !== undefined) };
  });
  const schema: Record<string, unknown> = { mlflow_colspec: colspec };
  return {
    name: options.name ?? 'dataset',
    digest,
    sourceType,
    source,
    schema: JSON.stringify(schema),
    profile: JSON.stringify({ num_rows: rows.length, num_elements: rows.length * columns.length }),
  };
}

/** One dataset to log, with its role. */
export interface LogInputOptions {
  /** The role of the data (`training`, `eval`, …), stored as the `mlflow.data.context` input tag. */
  context?: string;
  /** More input tags. */
  tags?: Record<string, string>;
  runId?: string;
}

function toDatasetInput(d: Dataset, context?: string, tags?: Record<string, string>): DatasetInput {
  const inputTags = Object.entries(tags ?? {}).map(([key, value]) => ({ key, value: String(value) }));
  if (context !== undefined) inputTags.unshift({ key: DATASET_CONTEXT_TAG, value: context });
  return { dataset: d, tags: inputTags };
}

function isDataset(d: Dataset | DatasetOptions): d is Dataset {
  const x = d as Partial<Dataset> & { rows?: unknown; columns?: unknown; features?: unknown };
  return (
    x.rows === undefined &&
    x.columns === undefined &&
    x.features === undefined &&
    [x.name, x.digest, x.sourceType, x.source].every((v) => typeof v === 'string')
  );
}

/** Records that the active run used a dataset (MLflow's `log_input`). */
export async function logInput(data: Dataset | DatasetOptions, options: LogInputOptions = {}): Promise<void> {
  await logInputs([data], { ...options, ...(options.context !== undefined ? { contexts: [options.context] } : {}) });
}

/** Records several datasets at once (MLflow's `log_inputs`); `contexts[i]` is the role of `datasets[i]`. */
export async function logInputs(
  datasets: Array<Dataset | DatasetOptions>,
  options: { contexts?: (string | undefined)[]; tags?: Record<string, string>; runId?: string } = {},
): Promise<void> {
  const inputs = datasets.map((d, i) => {
    const built = isDataset(d) ? d : dataset(d);
    return toDatasetInput(built, options.contexts?.[i], options.tags);
  });
  await fluentClient().logInputs(await resolveFluentRunId(options.runId), inputs);
}
