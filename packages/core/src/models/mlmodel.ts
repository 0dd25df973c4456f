import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Document, parse as parseYaml, Scalar } from 'yaml';
import { invalidParameter, notFound } from '../errors.js';
import { type MLmodelSignatureDict, type ModelSignature, signatureFromDict } from './signature.js';

/** The name of the file at the root of every model folder. */
export const MLMODEL_FILE = 'MLmodel';

/** The labbook version written into MLmodel as `labbook_version` (MLflow writes `mlflow_version`). */
export const LABBOOK_VERSION = '0.1.0';

/** One flavor's entry under `flavors:` in MLmodel: free-form keys the flavor owns. */
export type FlavorConfig = Record<string, unknown>;

/** What `saved_input_example_info` holds (MLflow 2.x and 3.x keys). */
export interface SavedInputExampleInfo {
  artifact_path: string;
  type: string;
  pandas_orient?: string;
  format?: string;
  serving_input_path?: string;
  params?: string;
  [key: string]: unknown;
}

/**
 * An MLmodel file, with MLflow's keys as they are on disk (snake_case). Keys labbook does not know
 * (`model_id`, `prompts`, `databricks_runtime`…) are kept as read and written back.
 */
export interface MLmodel {
  artifact_path?: string | null;
  flavors: Record<string, FlavorConfig>;
  model_uuid: string;
  run_id?: string | null;
  utc_time_created: string;
  mlflow_version?: string;
  labbook_version?: string;
  model_size_bytes?: number;
  signature?: MLmodelSignatureDict;
  saved_input_example_info?: SavedInputExampleInfo;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * A time as MLflow's `str(datetime.utcnow())`: `YYYY-MM-DD HH:MM:SS.ffffff`, the fraction left out
 * when it is zero, as Python does.
 */
export function formatUtcTimeCreated(date: Date = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
  const micros = date.getUTCMilliseconds() * 1000;
  return micros === 0 ? base : `${base}.${p(micros, 6)}`;
}

/** Parses MLflow's `utc_time_created` (with or without the fraction) as a UTC date. */
export function parseUtcTimeCreated(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(value);
  if (!m) throw invalidParameter(`utc_time_created '${value}' is not in MLflow's format YYYY-MM-DD HH:MM:SS.ffffff.`);
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
}

/** Parses the text of an MLmodel file, checking the keys every reader relies on. */
export function parseMLmodel(text: string, where = MLMODEL_FILE): MLmodel {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw invalidParameter(`${where} is not valid YAML: ${(error as Error).message}. Rewrite it, or save the model again.`, {
      cause: error,
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw invalidParameter(`${where} must be a YAML map of MLmodel keys (flavors, model_uuid, …).`);
  const m = doc as Record<string, unknown>;
  if (typeof m.flavors !== 'object' || m.flavors === null || Array.isArray(m.flavors)) {
    throw invalidParameter(`${where} has no 'flavors' map: it is not an MLflow model. Save it with saveModel() or MLflow's save_model().`);
  }
  for (const [name, conf] of Object.entries(m.flavors as Record<string, unknown>)) {
    if (conf === null) (m.flavors as Record<string, unknown>)[name] = {};
  }
  // YAML may read an all-digit uuid or a date-like string as another type: MLflow's keys are strings.
  if (m.model_uuid !== undefined && m.model_uuid !== null) m.model_uuid = String(m.model_uuid);
  if (m.utc_time_created instanceof Date) m.utc_time_created = formatUtcTimeCreated(m.utc_time_created);
  if (m.utc_time_created !== undefined) m.utc_time_created = String(m.utc_time_created);
  if (m.mlflow_version !== undefined && m.mlflow_version !== null) m.mlflow_version = String(m.mlflow_version);
  return m as MLmodel;
}

/**
 * The MLmodel text as MLflow's `yaml.safe_dump(default_flow_style=False)` writes it: keys sorted,
 * block style, sequences not indented under their key, `utc_time_created` single-quoted.
 */
export function stringifyMLmodel(model: MLmodel): string {
  const clean = Object.fromEntries(Object.entries(model).filter(([, v]) => v !== undefined));
  const doc = new Document(clean, { sortMapEntries: true });
  const time = doc.get('utc_time_created', true);
  if (time instanceof Scalar) time.type = Scalar.QUOTE_SINGLE;
  return doc.toString({ indentSeq: false, lineWidth: 0, nullStr: 'null' });
}

/** Reads `<dir>/MLmodel`. */
export function readMLmodel(dir: string): MLmodel {
  const file = join(dir, MLMODEL_FILE);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw notFound(
      `No MLmodel file in '${dir}': a model folder has an MLmodel file at its root. Check that the path or URI names the model folder itself (e.g. runs:/<run_id>/model), not a parent or a file in it.`,
    );
  }
  return parseMLmodel(readFileSync(file, 'utf8'), file);
}

/** Writes `<dir>/MLmodel`. */
export async function writeMLmodel(dir: string, model: MLmodel): Promise<void> {
  await writeFile(join(dir, MLMODEL_FILE), stringifyMLmodel(model), 'utf8');
}

/** The parsed signature of an MLmodel, or undefined when it has none. */
export function mlmodelSignature(model: MLmodel): ModelSignature | undefined {
  return model.signature ? signatureFromDict(model.signature) : undefined;
}
