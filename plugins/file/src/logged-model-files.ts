import { type Stats, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import {
  LOGGED_MODEL_STATUS_NUMBER,
  type LoggedModel,
  type LoggedModelInfo,
  type Metric,
  loggedModelStatusFromNumber,
} from '@labbook/core/plugin';
import { META_FILE, MSG } from './constants.js';
import { formatPythonFloat } from './python-float.js';
import type { StoreContext } from './store-context.js';
import { parseYaml } from './yaml-io.js';

/** A logged model's meta.yaml, parsed, with the raw mapping kept for read-modify-write. */
export interface LoggedModelMeta {
  info: Omit<LoggedModelInfo, 'tags'>;
  deleted: boolean;
  raw: Record<string, unknown>;
}

function optionalString(v: unknown): string | undefined {
  return v === null || v === undefined || v === '' ? undefined : String(v);
}

/**
 * A meta.yaml mapping as MLflow 3's FileStore writes it. `lifecycle_stage` is absent after MLflow's
 * finalize rewrites the file, and absent means active.
 */
export function loggedModelMetaFromRaw(raw: Record<string, unknown>, fallbackId: string): LoggedModelMeta {
  const status =
    typeof raw.status === 'number' ? loggedModelStatusFromNumber(raw.status) : loggedModelStatusFromNumber(Number(raw.status ?? 0));
  const info: Omit<LoggedModelInfo, 'tags'> = {
    modelId: optionalString(raw.model_id) ?? fallbackId,
    experimentId: String(raw.experiment_id ?? ''),
    name: String(raw.name ?? ''),
    artifactUri: String(raw.artifact_location ?? ''),
    creationTimestampMs: Number(raw.creation_timestamp ?? 0),
    lastUpdatedTimestampMs: Number(raw.last_updated_timestamp ?? raw.creation_timestamp ?? 0),
    status,
  };
  const modelType = optionalString(raw.model_type);
  if (modelType !== undefined) info.modelType = modelType;
  const sourceRunId = optionalString(raw.source_run_id);
  if (sourceRunId !== undefined) info.sourceRunId = sourceRunId;
  const statusMessage = optionalString(raw.status_message);
  if (statusMessage !== undefined) info.statusMessage = statusMessage;
  return { info, deleted: raw.lifecycle_stage === 'deleted', raw };
}

/** The integer MLflow's FileStore writes for a status. */
export function statusNumber(status: LoggedModelInfo['status']): number {
  return LOGGED_MODEL_STATUS_NUMBER[status];
}

/**
 * One point of a model's metric file: `<timestamp> <value> <step> <run_id>`, then
 * ` <dataset_name> <dataset_digest>` when the point was logged on a dataset (MLflow 3's layout).
 */
export function formatModelMetricLine(m: Metric, runId: string): string {
  const base = `${Math.trunc(m.timestamp)} ${formatPythonFloat(m.value)} ${Math.trunc(m.step ?? 0)} ${runId}`;
  return m.datasetName && m.datasetDigest ? `${base} ${m.datasetName} ${m.datasetDigest}\n` : `${base}\n`;
}

function parseFloatLikePython(text: string): number {
  switch (text.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'inf':
    case 'infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return Number(text);
  }
}

/**
 * The points of a model's metric file, in file order. Malformed lines and a last line without its
 * newline (a write cut short) are skipped; `onSkip` hears how many.
 */
export function parseModelMetricFile(text: string, key: string, modelId: string, onSkip?: (count: number) => void): Metric[] {
  const out: Metric[] = [];
  let skipped = 0;
  const end = text.lastIndexOf('\n');
  if (end < text.length - 1 && text.length > 0) skipped++;
  if (end < 0) {
    if (skipped && onSkip) onSkip(skipped);
    return out;
  }
  for (const line of text.slice(0, end).split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    const timestamp = Number(f[0]);
    const value = parseFloatLikePython(f[1] ?? '');
    const step = Number(f[2]);
    if (
      f.length < 3 ||
      f.length === 5 ||
      f.length > 6 ||
      !Number.isFinite(timestamp) ||
      !Number.isFinite(step) ||
      (Number.isNaN(value) && f[1]?.toLowerCase() !== 'nan')
    ) {
      skipped++;
      continue;
    }
    const m: Metric = { key, value, timestamp, step, modelId };
    if (f.length >= 4 && f[3] !== '') m.runId = f[3]!;
    if (f.length === 6) {
      m.datasetName = f[4]!;
      m.datasetDigest = f[5]!;
    }
    out.push(m);
  }
  if (skipped && onSkip) onSkip(skipped);
  return out;
}

/** What identifies one version of a file; within a second of its change a file is re-read (racy stat). */
interface Sig {
  ino: number;
  size: number;
  mtimeMs: number;
}

function sigOf(st: Stats): Sig | undefined {
  // A file changed within the last second may change again with the same size and mtime tick.
  if (Date.now() - st.mtimeMs < 1000) return undefined;
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

function same(a: Sig, st: Stats): boolean {
  return a.ino === st.ino && a.size === st.size && a.mtimeMs === st.mtimeMs;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Stat-validated caches of model files, one set per store, so a search over thousands of models
 * costs a stat per file read before, not a read and parse.
 */
class LoggedModelReader {
  private readonly metas = new Map<string, { sig: Sig; meta: LoggedModelMeta }>();
  private readonly metrics = new Map<string, { sig: Sig; points: Metric[] }>();

  constructor(private readonly ctx: StoreContext) {}

  /** The parsed meta.yaml of a model folder; undefined when it is missing or unreadable (warned once). */
  meta(modelDir: string, modelId: string): LoggedModelMeta | undefined {
    const path = `${modelDir}${sep}${META_FILE}`;
    const st = statOrUndefined(path);
    if (!st?.isFile()) {
      this.metas.delete(path);
      return undefined;
    }
    const hit = this.metas.get(path);
    if (hit && same(hit.sig, st)) return hit.meta;
    let meta: LoggedModelMeta;
    try {
      meta = loggedModelMetaFromRaw(parseYaml(readFileSync(path, 'utf8'), path), modelId);
    } catch (error) {
      this.ctx.reader.warnOnce(`${MSG} skipping logged model folder ${modelDir}: ${(error as Error).message}`);
      return undefined;
    }
    const sig = sigOf(st);
    if (sig) this.metas.set(path, { sig, meta });
    else this.metas.delete(path);
    return meta;
  }

  /** Every point of one metric file of a model (empty when there is none). */
  metricPoints(path: string, key: string, modelId: string): Metric[] {
    const st = statOrUndefined(path);
    if (!st?.isFile()) {
      this.metrics.delete(path);
      return [];
    }
    const hit = this.metrics.get(path);
    if (hit && same(hit.sig, st)) return hit.points;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return [];
    }
    const points = parseModelMetricFile(text, key, modelId, (n) =>
      this.ctx.reader.warnOnce(`${MSG} skipped ${n} malformed or incomplete line(s) in ${path}`),
    );
    const sig = sigOf(st);
    if (sig) this.metrics.set(path, { sig, points });
    else this.metrics.delete(path);
    return points;
  }

  /** The model in full: info with tags, params, and every metric point. */
  full(modelDir: string, meta: LoggedModelMeta): LoggedModel {
    const reader = this.ctx.reader;
    const tags = reader.readKeyValues(join(modelDir, 'tags'));
    const params = reader.readKeyValues(join(modelDir, 'params'), true);
    const metrics: Metric[] = [];
    for (const [key, path] of reader.listKeys(join(modelDir, 'metrics'))) metrics.push(...this.metricPoints(path, key, meta.info.modelId));
    return { info: { ...meta.info, tags }, data: { params, metrics } };
  }
}

const readers = new WeakMap<StoreContext, LoggedModelReader>();

/** The logged-model reader of a store. */
export function modelReader(ctx: StoreContext): LoggedModelReader {
  let r = readers.get(ctx);
  if (!r) {
    r = new LoggedModelReader(ctx);
    readers.set(ctx, r);
  }
  return r;
}
