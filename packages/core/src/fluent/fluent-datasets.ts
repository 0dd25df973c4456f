import { createHash } from 'node:crypto';
import type { Dataset, DatasetInput } from '../entities/tracking.js';
import { invalidParameter } from '../errors.js';
import { fluentClient, resolveFluentRunId } from './fluent.js';

/** MLflow hashes at most this many rows of a dataset for its digest (`MAX_ROWS` in `mlflow.data.digest_utils`). */
export const DATASET_DIGEST_MAX_ROWS = 10000;

/** Input tag MLflow uses for a dataset's role (`training`, `eval`, …). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** What {@link dataset} builds a {@link Dataset} from. */
export interface DatasetOptions {
  /** Default `dataset`, as MLflow's `from_pandas`. */
  name?: string;
  /** Rows of the data; used for the digest, schema and profile. */
  rows?: Record<string, unknown>[];
  /** Where the data lives (a URI, a path); default: this code, as MLflow's `CodeDatasetSource`. */
  source?: string;
  /** MLflow source type (`local`, `s3`, `http`, `code`, …); default `local` with a source, `code` without. */
  sourceType?: string;
  /** A precomputed digest (≤ 36 characters), used as is. */
  digest?: string;
  /** Name of the target column, recorded in the schema as MLflow's pandas datasets do. */
  targets?: string;
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
 * The digest MLflow gives a dataset: the first 8 hex characters of an MD5 over the (first
 * {@link DATASET_DIGEST_MAX_ROWS}) rows' contents, the row count as an int64 and the column names.
 * MLflow feeds pandas' `hash_pandas_object` in place of the row contents; that hash cannot be
 * reproduced outside pandas, so here each row is fed as canonical JSON. The shape (8 hex digits,
 * stable for the same data, changing with any value, the row count or a column name) is MLflow's;
 * the same DataFrame logged from Python gets a different digest.
 */
export function computeDatasetDigest(rows: Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const md5 = createHash('md5');
  // Only string and number columns, as MLflow drops others (objects, arrays) from the hashed frame.
  const hashed = columns.filter((c) => rows.every((r) => ['string', 'number', 'bigint', 'boolean'].includes(typeof r[c])));
  for (const row of rows.slice(0, DATASET_DIGEST_MAX_ROWS)) {
    md5.update(JSON.stringify(hashed.map((c) => (typeof row[c] === 'bigint' ? String(row[c]) : row[c]))));
  }
  const count = Buffer.alloc(8);
  count.writeBigInt64LE(BigInt(rows.length));
  md5.update(count);
  for (const c of columns) md5.update(c);
  return md5.digest('hex').slice(0, 8);
}

/**
 * Builds a {@link Dataset} as MLflow's `mlflow.data.from_pandas` would: digest, `mlflow_colspec`
 * schema and `{num_rows, num_elements}` profile from the rows, and a source.
 */
export function dataset(options: DatasetOptions): Dataset {
  const rows = options.rows ?? [];
  if (!Array.isArray(rows)) throw invalidParameter('rows must be an array of objects.', { field: 'rows' });
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const digest = options.digest ?? computeDatasetDigest(rows);
  if (digest.length > 36) throw invalidParameter(`Dataset digest is longer than 36 characters: '${digest}'.`, { field: 'digest' });
  const sourceType = options.sourceType ?? (options.source ? 'local' : 'code');
  const source =
    options.source !== undefined
      ? JSON.stringify(sourceType === 'local' ? { uri: options.source } : { url: options.source })
      : JSON.stringify({ tags: { 'mlflow.source.name': process.argv[1] ?? '', 'mlflow.source.type': 'LOCAL' } });
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
  const x = d as Partial<Dataset> & { rows?: unknown };
  return x.rows === undefined && [x.name, x.digest, x.sourceType, x.source].every((v) => typeof v === 'string');
}

/** Records that the active run used a dataset (MLflow's `log_input`). */
export async function logInput(data: Dataset | DatasetOptions, options: LogInputOptions = {}): Promise<void> {
  await logInputs([data], { ...options, contexts: options.context !== undefined ? [options.context] : undefined });
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
