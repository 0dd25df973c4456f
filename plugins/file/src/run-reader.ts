import { type Stats, closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import {
  type DatasetInput,
  type Experiment,
  type Metric,
  type MetricHistoryColumns,
  type Run,
  type RunInfo,
  RunStatus,
  runStatusFromNumber,
} from '@labbook/core/plugin';
import { isTempName } from './atomic-write.js';
import { META_FILE, MSG } from './constants.js';
import { folderEntries } from './folder-entries.js';
import { GrowableColumns } from './metric-columns.js';
import { MetricColumnsCache } from './metric-columns-cache.js';
import { latestMetric } from './metric-file.js';
import { parseMetricHistoryFast } from './plain-metric-lines.js';
import { parseYaml } from './yaml-io.js';

/** What identifies one version of a file: a rename gives a new inode, an append a new size. */
interface Signature {
  ino: number;
  size: number;
  mtimeMs: number;
  /**
   * False when the file was modified within {@link RACY_MS} of being read: another write in the same
   * timestamp tick with the same size (and a recycled inode) would look identical, so such an entry
   * is re-read next time (git's "racy clean" rule).
   */
  settled: boolean;
}

/**
 * `statSync` without an options object: Node's option handling costs more than the syscall when a
 * search stats tens of thousands of files. Missing files (rare on the hot path) throw and return
 * undefined.
 */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** 64 MiB of columns: about 2.8 million points across the histories charted last. */
export const DEFAULT_COLUMNS_CACHE_BYTES = 64 * 1024 * 1024;

/** File timestamps come from a coarse kernel clock (a few ms per tick); stay well clear of it. */
const RACY_MS = 50;

function sig(st: Stats): Signature {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, settled: Date.now() - st.mtimeMs > RACY_MS };
}

function same(a: Signature, st: Stats): boolean {
  return a.settled && a.ino === st.ino && a.size === st.size && a.mtimeMs === st.mtimeMs;
}

/** For append-only metric files a same-size hit is exact: appends always change the size. */
function sameAppendOnly(a: Omit<Signature, 'settled'>, st: Stats): boolean {
  return a.ino === st.ino && a.size === st.size && a.mtimeMs === st.mtimeMs;
}

/** The same file, only appended to since (a rewrite gives a new inode, a truncation a smaller size). */
function onlyGrew(a: Pick<Signature, 'ino' | 'size'>, st: Stats): boolean {
  return a.ino === st.ino && st.size >= a.size;
}

/** A run's `meta.yaml`, parsed. */
export interface RunMeta {
  info: RunInfo;
  deletedTime: number | null;
  /** Whether the file named the run (older MLflow wrote no `run_name`; the tag holds it then). */
  hasRunName: boolean;
  raw: Record<string, unknown>;
}

/** An experiment's `meta.yaml`, parsed. */
export interface ExperimentMeta {
  experiment: Omit<Experiment, 'tags'>;
  raw: Record<string, unknown>;
}

function toNumberOrUndefined(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function statusOf(v: unknown): RunStatus {
  if (typeof v === 'number') return runStatusFromNumber(v) ?? 'RUNNING';
  if (typeof v === 'string') {
    const n = Number(v);
    if (Number.isInteger(n)) return runStatusFromNumber(n) ?? 'RUNNING';
    const upper = v.toUpperCase();
    if ((Object.values(RunStatus) as string[]).includes(upper)) return upper as RunStatus;
  }
  return 'RUNNING';
}

/** Builds RunInfo from a run meta.yaml mapping (accepting legacy `run_uuid` and integer ids). */
export function runMetaFromRaw(raw: Record<string, unknown>): RunMeta {
  const runId = String(raw.run_id ?? raw.run_uuid ?? '');
  const endTime = toNumberOrUndefined(raw.end_time);
  const info: RunInfo = {
    runId,
    runUuid: runId,
    runName: raw.run_name === null || raw.run_name === undefined ? '' : String(raw.run_name),
    experimentId: String(raw.experiment_id ?? ''),
    userId: raw.user_id === null || raw.user_id === undefined ? '' : String(raw.user_id),
    status: statusOf(raw.status),
    artifactUri: raw.artifact_uri === null || raw.artifact_uri === undefined ? '' : String(raw.artifact_uri),
    lifecycleStage: raw.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
  const startTime = toNumberOrUndefined(raw.start_time);
  if (startTime !== undefined) info.startTime = startTime;
  if (endTime !== undefined && endTime !== 0) info.endTime = endTime;
  return {
    info,
    deletedTime: toNumberOrUndefined(raw.deleted_time) ?? null,
    hasRunName: raw.run_name !== null && raw.run_name !== undefined && raw.run_name !== '',
    raw,
  };
}

export function experimentMetaFromRaw(raw: Record<string, unknown>, fallbackId: string): ExperimentMeta {
  const experiment: Omit<Experiment, 'tags'> = {
    experimentId: raw.experiment_id === null || raw.experiment_id === undefined ? fallbackId : String(raw.experiment_id),
    name: String(raw.name ?? ''),
    artifactLocation: String(raw.artifact_location ?? ''),
    lifecycleStage: raw.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
  const ct = toNumberOrUndefined(raw.creation_time);
  const lt = toNumberOrUndefined(raw.last_update_time);
  if (ct !== undefined) experiment.creationTime = ct;
  if (lt !== undefined) experiment.lastUpdateTime = lt;
  return { experiment, raw };
}

interface MetricEntry extends Signature {
  /** Offset past the last complete line parsed; a file that only grew is parsed from here. */
  parsedBytes: number;
  latest: Metric | undefined;
}

/**
 * Reads runs from disk through caches that are validated on every access with `stat` (inode, size,
 * mtime), so what another process wrote is always seen. Reads are synchronous on purpose: thousands of
 * small stats and reads are several times faster through the sync API than through the thread pool.
 */
export class RunReader {
  /** `text` is kept while the file is too fresh for its signature to be trusted (see {@link noteRunMeta}). */
  private readonly metaCache = new Map<string, { sig: Signature; meta: RunMeta; text?: string }>();
  private readonly expMetaCache = new Map<string, { sig: Signature; meta: ExperimentMeta }>();
  private readonly valueCache = new Map<string, { sig: Signature; value: string }>();
  private readonly paramCache = new Map<string, string>();
  private readonly metricCache = new Map<string, MetricEntry>();
  private readonly columnsCache: MetricColumnsCache;
  private readonly warned = new Set<string>();
  /** Made once: listings pass it for every folder they read. */
  private readonly onSwept = (path: string): void => this.warn(`${MSG} removed a temp file left by a killed writer: ${path}`);

  constructor(
    private readonly warn: (message: string) => void,
    metricColumnsCacheBytes = DEFAULT_COLUMNS_CACHE_BYTES,
  ) {
    this.columnsCache = new MetricColumnsCache(metricColumnsCacheBytes);
  }

  /** Warns once per distinct message. */
  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }

  /** The parsed meta.yaml of a run folder, or undefined when the folder or file is missing. */
  readRunMeta(runDir: string): RunMeta | undefined {
    const path = `${runDir}${sep}${META_FILE}`;
    const st = statOrUndefined(path);
    if (!st?.isFile()) {
      if (this.metaCache.delete(path)) this.forgetParams(runDir);
      return undefined;
    }
    const hit = this.metaCache.get(path);
    if (hit && same(hit.sig, st)) return hit.meta;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    // The very bytes parsed last (the file as this process just wrote it): parsing is the cost, not
    // the read.
    const meta = hit?.text === text ? hit.meta : runMetaFromRaw(parseYaml(text, path));
    const s = sig(st);
    this.metaCache.set(path, s.settled ? { sig: s, meta } : { sig: s, meta, text });
    return meta;
  }

  /**
   * Remembers the meta.yaml this process has just written to a run folder, so that reading it back
   * (the next write to the run checks its state) compares bytes instead of parsing them. The file is
   * still read: its stat signature is not trusted within a clock tick of a write, and another process
   * may have replaced it since.
   */
  noteRunMeta(runDir: string, text: string, meta: RunMeta): void {
    const path = `${runDir}${sep}${META_FILE}`;
    this.metaCache.set(path, { sig: { ino: -1, size: -1, mtimeMs: -1, settled: false }, meta, text });
  }

  /** The parsed meta.yaml of an experiment folder, or undefined. */
  readExperimentMeta(expDir: string, fallbackId: string): ExperimentMeta | undefined {
    const path = join(expDir, META_FILE);
    const st = statOrUndefined(path);
    if (!st?.isFile()) return undefined;
    const hit = this.expMetaCache.get(path);
    if (hit && same(hit.sig, st)) return hit.meta;
    const meta = experimentMetaFromRaw(parseYaml(readFileSync(path, 'utf8'), path), fallbackId);
    this.expMetaCache.set(path, { sig: sig(st), meta });
    return meta;
  }

  /**
   * Every key file under a folder, walking nested folders (keys with `/`), as [key, path] pairs.
   * Temporary files are skipped.
   */
  listKeys(folder: string, prefix = '', out: Array<[string, string]> = []): Array<[string, string]> {
    for (const entry of folderEntries(folder, this.onSwept)) {
      const path = join(folder, entry.name);
      const key = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) this.listKeys(path, key, out);
      else if (entry.isFile()) out.push([key, path]);
    }
    return out;
  }

  /** A param or tag value (whole file, no trailing newline added or removed), or undefined. */
  readValue(path: string): string | undefined {
    const st = statOrUndefined(path);
    if (!st?.isFile()) {
      this.valueCache.delete(path);
      return undefined;
    }
    const hit = this.valueCache.get(path);
    if (hit && same(hit.sig, st)) return hit.value;
    let value: string;
    try {
      value = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    this.valueCache.set(path, { sig: sig(st), value });
    return value;
  }

  /**
   * The latest point of a metric file. A file whose inode is unchanged and which only grew is parsed
   * from where the last parse stopped (metric files are append-only), so repeated searches over runs
   * that are still logging cost a stat plus the new bytes.
   */
  readLatestMetric(path: string, key: string): Metric | undefined {
    const st = statOrUndefined(path);
    if (!st?.isFile()) {
      this.metricCache.delete(path);
      return undefined;
    }
    const hit = this.metricCache.get(path);
    if (hit && sameAppendOnly(hit, st)) return hit.latest;
    let from = 0;
    let current: Metric | undefined;
    if (hit && onlyGrew(hit, st)) {
      from = hit.parsedBytes;
      current = hit.latest;
    }
    const buf = readSlice(path, from, st.size);
    if (!buf) return undefined;
    const { latest, report } = latestMetric(buf, 0, key, current);
    this.reportParse(path, report.malformedLines, report.partialTailBytes);
    this.metricCache.set(path, { ...sig(st), parsedBytes: from + report.completeBytes, latest });
    return latest;
  }

  /** Every point of a metric file in file order (one read, one pass, plain lines on the fast path). */
  readMetricHistory(path: string, key: string): Metric[] {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch {
      return [];
    }
    const { metrics, report } = parseMetricHistoryFast(buf, key);
    this.reportParse(path, report.malformedLines, report.partialTailBytes);
    return metrics;
  }

  /**
   * A metric file's points as columns. Kept in a bounded cache validated like the latest-metric one:
   * an unchanged file costs a stat, a file that only grew is parsed in its new bytes only (a chart
   * of a run still logging re-reads its history often), anything else is parsed again.
   */
  readMetricColumns(path: string): MetricHistoryColumns {
    return (this.columnsOf(path) ?? new GrowableColumns(0)).view();
  }

  /**
   * Points `from` to `to` (exclusive; the end when absent) of a metric file as metrics, built from
   * the cached columns, with the number of points in the file: a history read page by page is parsed
   * once, not once per page. Undefined when the file has lines with dataset fields, which the
   * columns do not hold (the caller parses those files whole).
   */
  readMetricPoints(path: string, key: string, from: number, to?: number): { items: Metric[]; total: number } | undefined {
    const columns = this.columnsOf(path);
    if (!columns) return { items: [], total: 0 };
    if (columns.datasetLines > 0) return undefined;
    const { length, timestamp, value, step } = columns.view();
    const end = Math.min(length, to ?? length);
    const items: Metric[] = [];
    for (let i = from; i < end; i++) items.push({ key, value: value[i]!, timestamp: timestamp[i]!, step: step[i]! });
    return { items, total: length };
  }

  private columnsOf(path: string): GrowableColumns | undefined {
    const st = statOrUndefined(path);
    if (!st?.isFile()) {
      this.columnsCache.delete(path);
      return undefined;
    }
    const hit = this.columnsCache.get(path);
    if (hit && sameAppendOnly(hit, st)) return hit.columns;
    const grew = hit !== undefined && onlyGrew(hit, st);
    const from = grew ? hit.parsedBytes : 0;
    const buf = readSlice(path, from, st.size);
    if (!buf) return undefined;
    const columns = grew ? hit.columns : new GrowableColumns(0);
    const report = columns.appendFrom(buf);
    columns.trim();
    this.reportParse(path, report.malformedLines, report.partialTailBytes);
    this.columnsCache.set(path, { ...sig(st), parsedBytes: from + report.completeBytes, columns });
    return columns;
  }

  private reportParse(path: string, malformed: number, partial: number): void {
    if (partial > 0) {
      this.warnOnce(`${MSG} ignoring an incomplete last line (${partial} bytes, a write cut short) in ${path}`);
    }
    if (malformed > 0) this.warnOnce(`${MSG} skipped ${malformed} malformed line(s) in ${path}`);
  }

  /**
   * A param value. Params are immutable (created once, never rewritten, by MLflow as by labbook), so a
   * value once read is served without a stat; only absent params are checked again.
   */
  readParamValue(path: string): string | undefined {
    const hit = this.paramCache.get(path);
    if (hit !== undefined) return hit;
    const value = this.readValue(path);
    if (value !== undefined) {
      this.paramCache.set(path, value);
      this.valueCache.delete(path);
    }
    return value;
  }

  /** Forgets cached params of a run folder (its run was removed or replaced). */
  forgetParams(runDir: string): void {
    const prefix = `${runDir}${sep}`;
    for (const key of this.paramCache.keys()) if (key.startsWith(prefix)) this.paramCache.delete(key);
  }

  /** Latest metric of every key of a run. */
  readRunMetrics(runDir: string): Metric[] {
    const out: Metric[] = [];
    for (const [key, path] of this.listKeys(join(runDir, 'metrics'))) {
      const m = this.readLatestMetric(path, key);
      if (m) out.push(m);
    }
    return out;
  }

  /** Every key/value of a params or tags folder. */
  readKeyValues(folder: string, immutable = false): Array<{ key: string; value: string }> {
    const out: Array<{ key: string; value: string }> = [];
    for (const [key, path] of this.listKeys(folder)) {
      const value = immutable ? this.readParamValue(path) : this.readValue(path);
      if (value !== undefined) out.push({ key, value });
    }
    return out;
  }

  /** The dataset inputs of a run (`inputs/<id>/meta.yaml` pointing at `../datasets/<id>/meta.yaml`). */
  readRunInputs(runDir: string, expDir: string): DatasetInput[] {
    let ids: string[];
    try {
      ids = readdirSync(join(runDir, 'inputs'));
    } catch {
      return [];
    }
    const out: DatasetInput[] = [];
    for (const id of ids.sort()) {
      if (isTempName(id)) continue;
      try {
        const path = join(runDir, 'inputs', id, META_FILE);
        const input = parseYaml(readFileSync(path, 'utf8'), path);
        if (input.source_type !== 'DATASET') continue;
        const dsPath = join(expDir, 'datasets', String(input.source_id), META_FILE);
        const ds = parseYaml(readFileSync(dsPath, 'utf8'), dsPath);
        const tags = (input.tags ?? {}) as Record<string, unknown>;
        const dataset: DatasetInput['dataset'] = {
          name: String(ds.name ?? ''),
          digest: String(ds.digest ?? ''),
          sourceType: String(ds.source_type ?? ''),
          source: String(ds.source ?? ''),
        };
        if (ds.schema !== null && ds.schema !== undefined) dataset.schema = String(ds.schema);
        if (ds.profile !== null && ds.profile !== undefined) dataset.profile = String(ds.profile);
        out.push({ tags: Object.entries(tags).map(([key, value]) => ({ key, value: String(value) })), dataset });
      } catch {
        this.warnOnce(`${MSG} skipping an unreadable input ${id} of run folder ${runDir}`);
      }
    }
    return out;
  }

  /** A whole run: info, latest metrics, params, tags and inputs. Undefined when its meta.yaml is missing. */
  readRun(runDir: string, expDir: string): Run | undefined {
    const meta = this.readRunMeta(runDir);
    if (!meta) return undefined;
    const tags = this.readKeyValues(join(runDir, 'tags'));
    const info = { ...meta.info };
    if (!meta.hasRunName) {
      const tag = tags.find((t) => t.key === 'mlflow.runName');
      if (tag) info.runName = tag.value;
    }
    return {
      info,
      data: { metrics: this.readRunMetrics(runDir), params: this.readKeyValues(join(runDir, 'params'), true), tags },
      inputs: { datasetInputs: this.readRunInputs(runDir, expDir) },
    };
  }
}

function readSlice(path: string, from: number, to: number): Buffer | undefined {
  try {
    if (from === 0) return readFileSync(path);
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.max(0, to - from));
      let done = 0;
      while (done < buf.length) {
        const n = readSync(fd, buf, done, buf.length - done, from + done);
        if (n === 0) break;
        done += n;
      }
      return buf.subarray(0, done);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
