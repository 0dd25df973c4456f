import { createHash } from 'node:crypto';
import { type Dirent, existsSync, readdirSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CreateRunOptions,
  type DatasetInput,
  type Experiment,
  type ExperimentTag,
  LabbookError,
  type LogBatchInput,
  type Metric,
  type MetricHistoryColumns,
  type MetricHistoryOptions,
  type PagedList,
  type Run,
  type RunInfo,
  type SearchExperimentsOptions,
  type SearchRunsOptions,
  type TrackingStore,
  type UpdateRunOptions,
  type ViewType,
  RUN_STATUS_NUMBER,
  alreadyExists,
  generateRunId,
  generateRunName,
  invalidParameter,
  matchesViewType,
  notFound,
  decodePageToken,
  encodePageToken,
  searchExperimentsInMemory,
  searchRunsInMemory,
} from '@labbook/core';
import {
  type FileToWrite,
  StagedFiles,
  isTempName,
  sweepStaleTemp,
  tempPathFor,
  writeFileAtomic,
  writeFilesAtomic,
  writeFilesSynced,
} from './atomic-write.js';
import { DEFAULT_EXPERIMENT_ID, META_FILE, MODELS_FOLDER, MSG, RESERVED_EXPERIMENT_FOLDERS, TRASH_FOLDER } from './constants.js';
import { generateExperimentId } from './experiment-id.js';
import { withMetaLock } from './meta-lock.js';
import { ioError, isMissing } from './io-error.js';
import { containedPath, localPathFromUri } from './local-path.js';
import { formatMetricLine } from './metric-file.js';
import { type RunMeta, RunReader, runMetaFromRaw } from './run-reader.js';
import { type FieldNeeds, planRunSearch } from './search-engine.js';
import { dumpYaml } from './yaml-io.js';

/** Options of {@link FileTrackingStore}. */
export interface FileTrackingStoreOptions {
  /** The store root: a path or a `file:` URI (`./mlruns` when absent). */
  root?: string;
  /** Default artifact root of new experiments; `file://<abs root>` when absent. */
  artifactRoot?: string;
  /**
   * fsync metadata files (meta.yaml, params, tags) before they replace the old ones, so an OS crash
   * cannot leave an empty file. Metric appends are never fsynced. Default true.
   */
  fsync?: boolean;
  /** Where warnings about repaired or ignored data go. Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /**
   * Bytes of parsed metric histories kept for {@link FileTrackingStore.getMetricHistoryColumns}
   * (24 per point; least recently used dropped first). 0 keeps none. Default 64 MiB.
   */
  metricColumnsCacheBytes?: number;
}

interface RunLocation {
  experimentId: string;
  expDir: string;
  runDir: string;
}

const DEFAULT_MAX_RESULTS = 1000;

/** The folders of a new run, created with it as MLflow does. */
const RUN_FOLDERS = ['metrics', 'params', 'tags', 'artifacts'] as const;

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'LABBOOK_FILE_STORE' });
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * Tracking store over MLflow's `mlruns/` folder layout: what MLflow writes opens here with nothing
 * lost and the reverse. Metadata writes are atomic (temp + fsync + rename), metric points are appended
 * with one `write()` per key and batch (O_APPEND, so concurrent writers never interleave inside a
 * line), and searches read through stat-validated caches instead of re-reading every file.
 */
export class FileTrackingStore implements TrackingStore {
  /** Absolute path of the store root. */
  readonly root: string;
  /** Artifact root of new experiments. */
  readonly artifactRootUri: string;
  private readonly fsync: boolean;
  private readonly reader: RunReader;
  private readonly warn: (message: string) => void;
  private readonly runLocations = new Map<string, RunLocation>();
  private readonly knownDirs = new Set<string>();
  private readonly checkedMetricFiles = new Set<string>();
  private ready: Promise<void> | undefined;

  constructor(options: FileTrackingStoreOptions = {}) {
    this.root = localPathFromUri(options.root ?? 'mlruns');
    this.artifactRootUri = options.artifactRoot
      ? resolveArtifactLocation(options.artifactRoot)
      : pathToFileURL(this.root).href.replace(/\/$/, '');
    this.fsync = options.fsync ?? true;
    this.warn = options.onWarning ?? defaultWarn;
    const cacheBytes = options.metricColumnsCacheBytes;
    if (cacheBytes !== undefined && !(Number.isSafeInteger(cacheBytes) && cacheBytes >= 0)) {
      throw new LabbookError(
        'INVALID_PARAMETER_VALUE',
        `${MSG} metricColumnsCacheBytes must be a whole number of bytes, 0 or more; got ${cacheBytes}`,
        {
          field: 'metricColumnsCacheBytes',
        },
      );
    }
    this.reader = new RunReader(this.warn, cacheBytes);
  }

  private init(): Promise<void> {
    this.ready ??= this.initialise().catch((error) => {
      this.ready = undefined;
      throw ioError(`opening the store at ${this.root}`, error);
    });
    return this.ready;
  }

  private async initialise(): Promise<void> {
    await fsp.mkdir(join(this.root, TRASH_FOLDER), { recursive: true });
    const hasExperiments = this.listExperimentDirs().length > 0;
    if (!hasExperiments) await this.createDefaultExperiment();
  }

  private async createDefaultExperiment(): Promise<void> {
    const now = Date.now();
    const meta = {
      artifact_location: `${this.artifactRootUri}/${DEFAULT_EXPERIMENT_ID}`,
      creation_time: now,
      experiment_id: DEFAULT_EXPERIMENT_ID,
      last_update_time: now,
      lifecycle_stage: 'active',
      name: 'Default',
    };
    await this.publishFolder(join(this.root, DEFAULT_EXPERIMENT_ID), dumpYaml(meta), [], []).catch((error) => {
      // Another process created it first.
      if (!isRenameConflict(error)) throw error;
    });
  }

  /**
   * Builds a folder under a temp name and renames it into place, so other processes never see an
   * experiment or run without its meta.yaml. The folder is invisible until the rename, so its files
   * are written under their own names, and synced together: one wait for the disk, and a crash after
   * the rename cannot leave an empty meta.yaml or tag file.
   */
  private async publishFolder(
    target: string,
    meta: string,
    subfolders: readonly string[],
    tags: ReadonlyArray<{ key: string; value: string }>,
  ): Promise<void> {
    const tmp = tempPathFor(target);
    await fsp.mkdir(tmp);
    try {
      await Promise.all(subfolders.map((sub) => fsp.mkdir(join(tmp, sub))));
      // A key given twice keeps its last value, as rewriting the file did.
      const byKey = new Map<string, string>();
      for (const tag of tags) byKey.set(tag.key, tag.value);
      const files: FileToWrite[] = [{ path: join(tmp, META_FILE), data: meta }];
      const tagsDir = join(tmp, 'tags');
      if (byKey.size > 0 && !subfolders.includes('tags')) await fsp.mkdir(tagsDir);
      for (const [key, value] of byKey) {
        const path = containedPath(tagsDir, key);
        // Keys with `/` are nested folders.
        if (key.includes('/')) await fsp.mkdir(resolve(path, '..'), { recursive: true });
        files.push({ path, data: value });
      }
      await writeFilesSynced(files, this.fsync);
      // rename(2) replaces an empty target folder silently, so refuse an existing target first.
      if (existsSync(target)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
      await fsp.rename(tmp, target);
    } catch (error) {
      await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }

  // ---------------------------------------------------------------- experiments

  /** [id, dir, deleted] of every experiment folder (active ones first, then `.trash/`). */
  private listExperimentDirs(): Array<{ id: string; dir: string; deleted: boolean }> {
    const out: Array<{ id: string; dir: string; deleted: boolean }> = [];
    for (const [base, deleted] of [
      [this.root, false],
      [join(this.root, TRASH_FOLDER), true],
    ] as const) {
      let entries: Dirent[];
      try {
        entries = readdirSync(base, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (isTempName(e.name)) {
          const path = join(base, e.name);
          if (sweepStaleTemp(path, e.name)) this.warn(`${MSG} removed a temp entry left by a killed writer: ${path}`);
          continue;
        }
        if (!e.isDirectory()) continue;
        if (!deleted && (e.name === TRASH_FOLDER || e.name === MODELS_FOLDER)) continue;
        if (e.name.startsWith('.')) continue;
        out.push({ id: e.name, dir: join(base, e.name), deleted });
      }
    }
    return out;
  }

  private checkExperimentId(id: string): void {
    if (typeof id !== 'string' || id === '' || id.includes('/') || id.includes('\\') || id.startsWith('.') || id.includes('\0')) {
      throw invalidParameter(`Invalid experiment ID: '${id}'`, { field: 'experiment_id' });
    }
  }

  /** The folder of an experiment (active or in `.trash/`), or undefined. */
  private findExperimentDir(id: string): { dir: string; deleted: boolean } | undefined {
    this.checkExperimentId(id);
    const active = containedPath(this.root, id);
    if (existsSync(join(active, META_FILE))) return { dir: active, deleted: false };
    const trashed = containedPath(this.root, TRASH_FOLDER, id);
    if (existsSync(join(trashed, META_FILE))) return { dir: trashed, deleted: true };
    return undefined;
  }

  private readExperimentAt(id: string, dir: string): Experiment | undefined {
    let meta: ReturnType<RunReader['readExperimentMeta']>;
    try {
      meta = this.reader.readExperimentMeta(dir, id);
    } catch (error) {
      this.reader.warnOnce(`${MSG} skipping experiment folder ${dir}: ${(error as Error).message}`);
      return undefined;
    }
    if (!meta) return undefined;
    return { ...meta.experiment, tags: this.reader.readKeyValues(join(dir, 'tags')) };
  }

  private allExperiments(): Experiment[] {
    const out: Experiment[] = [];
    for (const { id, dir } of this.listExperimentDirs()) {
      const exp = this.readExperimentAt(id, dir);
      if (exp) out.push(exp);
    }
    return out;
  }

  private experimentNotFound(id: string): LabbookError {
    return notFound(`Could not find experiment with ID ${id}`);
  }

  async createExperiment(name: string, artifactLocation?: string, tags: ExperimentTag[] = []): Promise<string> {
    await this.init();
    // Names are unique: check and create under the root's lock so two processes cannot both win.
    return withMetaLock(this.root, () => this.createExperimentLocked(name, artifactLocation, tags));
  }

  private async createExperimentLocked(name: string, artifactLocation: string | undefined, tags: ExperimentTag[]): Promise<string> {
    this.assertNameFree(name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = generateExperimentId();
      const now = Date.now();
      const meta = {
        artifact_location: artifactLocation ? resolveArtifactLocation(artifactLocation) : `${this.artifactRootUri}/${id}`,
        creation_time: now,
        experiment_id: id,
        last_update_time: now,
        lifecycle_stage: 'active',
        name,
      };
      try {
        await this.publishFolder(containedPath(this.root, id), dumpYaml(meta), [], tags);
        return id;
      } catch (error) {
        if (isRenameConflict(error)) continue;
        throw ioError('creating an experiment', error);
      }
    }
    throw new LabbookError('INTERNAL_ERROR', `${MSG} could not allocate a unique experiment id`);
  }

  private assertNameFree(name: string, exceptId?: string): void {
    for (const exp of this.allExperiments()) {
      if (exp.name !== name || exp.experimentId === exceptId) continue;
      if (exp.lifecycleStage === 'deleted') {
        throw alreadyExists(
          `Experiment '${name}' already exists in deleted state. You can restore the experiment, or permanently delete the experiment from the .trash folder (under tracking server's root folder) in order to use this name again.`,
        );
      }
      throw alreadyExists(`Experiment '${name}' already exists.`);
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    await this.init();
    const found = this.findExperimentDir(experimentId);
    const exp = found && this.readExperimentAt(experimentId, found.dir);
    if (!exp) throw this.experimentNotFound(experimentId);
    return exp;
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    await this.init();
    const matches = this.allExperiments().filter((e) => e.name === name);
    return matches.find((e) => e.lifecycleStage === 'active') ?? matches[0] ?? null;
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<PagedList<Experiment>> {
    await this.init();
    const viewType: ViewType = options.viewType ?? 'ACTIVE_ONLY';
    const exps = this.allExperiments().filter((e) => matchesViewType(e.lifecycleStage, viewType));
    return searchExperimentsInMemory(exps, {
      filter: options.filter,
      orderBy: options.orderBy,
      maxResults: options.maxResults ?? DEFAULT_MAX_RESULTS,
      pageToken: options.pageToken,
    });
  }

  private async rewriteExperimentMeta(dir: string, id: string, change: Record<string, unknown>): Promise<void> {
    await withMetaLock(dir, async () => {
      const meta = this.reader.readExperimentMeta(dir, id);
      if (!meta) throw this.experimentNotFound(id);
      await writeFileAtomic(join(dir, META_FILE), dumpYaml({ ...meta.raw, ...change }), this.fsync);
    });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.init();
    if (experimentId === DEFAULT_EXPERIMENT_ID) {
      throw new LabbookError(
        'INVALID_PARAMETER_VALUE',
        `Cannot delete the default experiment '${DEFAULT_EXPERIMENT_ID}'. This is an internally reserved experiment.`,
      );
    }
    const found = this.findExperimentDir(experimentId);
    if (!found || found.deleted) throw this.experimentNotFound(experimentId);
    const now = Date.now();
    for (const runDir of this.listRunDirs(found.dir)) {
      const meta = this.safeRunMeta(runDir);
      if (meta && meta.info.lifecycleStage === 'active') {
        await this.writeRunMeta(runDir, { lifecycle_stage: 'deleted', deleted_time: now });
      }
    }
    await this.rewriteExperimentMeta(found.dir, experimentId, { lifecycle_stage: 'deleted', last_update_time: now });
    try {
      await fsp.rename(found.dir, containedPath(this.root, TRASH_FOLDER, experimentId));
    } catch (error) {
      throw ioError(`moving experiment ${experimentId} to ${TRASH_FOLDER}`, error);
    }
    this.forgetRunsOf(experimentId);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.init();
    const found = this.findExperimentDir(experimentId);
    if (!found) throw this.experimentNotFound(experimentId);
    if (!found.deleted) return;
    const meta = this.reader.readExperimentMeta(found.dir, experimentId);
    const deletedAt = Number(meta?.raw.last_update_time ?? 0);
    const target = containedPath(this.root, experimentId);
    if (existsSync(target)) {
      throw new LabbookError(
        'INVALID_PARAMETER_VALUE',
        `Cannot restore experiment with ID ${experimentId}. An experiment with same ID already exists.`,
      );
    }
    try {
      await fsp.rename(found.dir, target);
    } catch (error) {
      throw ioError(`restoring experiment ${experimentId}`, error);
    }
    this.forgetRunsOf(experimentId);
    for (const runDir of this.listRunDirs(target)) {
      const runMeta = this.safeRunMeta(runDir);
      // Only the runs deleted together with the experiment come back.
      if (runMeta && runMeta.info.lifecycleStage === 'deleted' && (runMeta.deletedTime ?? 0) >= deletedAt) {
        await this.writeRunMeta(runDir, { lifecycle_stage: 'active', deleted_time: null });
      }
    }
    await this.rewriteExperimentMeta(target, experimentId, { lifecycle_stage: 'active', last_update_time: Date.now() });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.init();
    const found = this.findExperimentDir(experimentId);
    if (!found) throw this.experimentNotFound(experimentId);
    if (found.deleted) throw invalidParameter('Cannot rename a non-active experiment.');
    await withMetaLock(this.root, async () => {
      this.assertNameFree(newName, experimentId);
      await this.rewriteExperimentMeta(found.dir, experimentId, { name: newName, last_update_time: Date.now() });
    });
  }

  private activeExperimentDir(experimentId: string): string {
    const found = this.findExperimentDir(experimentId);
    if (!found) throw this.experimentNotFound(experimentId);
    if (found.deleted) {
      throw invalidParameter(`The experiment ${experimentId} must be in the 'active' state. Current state is deleted.`);
    }
    return found.dir;
  }

  async setExperimentTag(experimentId: string, tag: ExperimentTag): Promise<void> {
    await this.init();
    const dir = this.activeExperimentDir(experimentId);
    await this.writeKeyFile(join(dir, 'tags'), tag.key, tag.value);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.init();
    const dir = this.activeExperimentDir(experimentId);
    const path = containedPath(join(dir, 'tags'), key);
    try {
      await fsp.unlink(path);
    } catch (error) {
      if (isMissing(error)) throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
      throw ioError(`deleting experiment tag ${key}`, error);
    }
  }

  // ---------------------------------------------------------------- runs

  /** Run folders of an experiment folder (sub-folders that are not reserved or temporary). */
  private listRunDirs(expDir: string): string[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(expDir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const e of entries) {
      if (isTempName(e.name)) {
        const path = join(expDir, e.name);
        if (sweepStaleTemp(path, e.name)) this.warn(`${MSG} removed a temp entry left by a killed writer: ${path}`);
        continue;
      }
      if (!e.isDirectory() || RESERVED_EXPERIMENT_FOLDERS.has(e.name) || e.name.startsWith('.')) continue;
      out.push(join(expDir, e.name));
    }
    return out;
  }

  private safeRunMeta(runDir: string): RunMeta | undefined {
    try {
      return this.reader.readRunMeta(runDir);
    } catch (error) {
      this.reader.warnOnce(`${MSG} skipping run folder ${runDir}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private forgetRunsOf(experimentId: string): void {
    for (const [id, loc] of this.runLocations) if (loc.experimentId === experimentId) this.runLocations.delete(id);
  }

  private checkRunId(runId: string): void {
    if (typeof runId !== 'string' || runId === '' || !/^[A-Za-z0-9_-]+$/.test(runId)) {
      throw notFound(`Run '${runId}' not found`);
    }
  }

  /** Where a run lives; scans experiment folders (one stat each) when not cached or moved. */
  private locateRun(runId: string): RunLocation {
    this.checkRunId(runId);
    const cached = this.runLocations.get(runId);
    if (cached && existsSync(join(cached.runDir, META_FILE))) return cached;
    this.runLocations.delete(runId);
    for (const { id, dir } of this.listExperimentDirs()) {
      const runDir = join(dir, runId);
      if (existsSync(join(runDir, META_FILE))) {
        const loc = { experimentId: id, expDir: dir, runDir };
        this.runLocations.set(runId, loc);
        return loc;
      }
    }
    throw notFound(`Run '${runId}' not found`);
  }

  private runMetaOrThrow(runId: string, loc: RunLocation): RunMeta {
    const meta = this.reader.readRunMeta(loc.runDir);
    if (!meta) throw notFound(`Run '${runId}' not found`);
    return meta;
  }

  /**
   * A run's location and meta.yaml. The cached location is checked by reading its meta.yaml (one
   * stat when cached), not by a separate existence check first; only a run not found there is looked
   * for in every experiment.
   */
  private runAt(runId: string): { loc: RunLocation; meta: RunMeta } {
    this.checkRunId(runId);
    const cached = this.runLocations.get(runId);
    const meta = cached && this.reader.readRunMeta(cached.runDir);
    if (cached && meta) return { loc: cached, meta };
    const loc = this.locateRun(runId);
    return { loc, meta: this.runMetaOrThrow(runId, loc) };
  }

  private checkActive(runId: string, meta: RunMeta): void {
    if (meta.info.lifecycleStage !== 'active') {
      throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${meta.info.lifecycleStage}.`);
    }
  }

  private activeRun(runId: string): { loc: RunLocation; meta: RunMeta } {
    const found = this.runAt(runId);
    this.checkActive(runId, found.meta);
    return found;
  }

  /**
   * Changes fields of a run's meta.yaml: re-read under the folder's lock, merged, written atomically
   * (with `extra` files, synced together with it). `check` judges the fresh meta first. Returns the
   * meta written.
   */
  private async writeRunMeta(
    runDir: string,
    change: Record<string, unknown>,
    extra: FileToWrite[] = [],
    check?: (fresh: RunMeta) => void,
  ): Promise<RunMeta> {
    return withMetaLock(runDir, async () => {
      const fresh = this.reader.readRunMeta(runDir);
      if (!fresh) throw notFound(`Run folder ${runDir} has no ${META_FILE}`);
      check?.(fresh);
      const raw = { ...fresh.raw, ...change };
      const text = dumpYaml(raw);
      await writeFilesAtomic([{ path: join(runDir, META_FILE), data: text }, ...extra], this.fsync);
      const meta = runMetaFromRaw(raw);
      this.reader.noteRunMeta(runDir, text, meta);
      return meta;
    });
  }

  async createRun(options: CreateRunOptions): Promise<Run> {
    await this.init();
    const found = this.findExperimentDir(options.experimentId);
    if (!found) throw this.experimentNotFound(options.experimentId);
    if (found.deleted) {
      throw new LabbookError('INVALID_STATE', `Could not create run under non-active experiment with ID ${options.experimentId}.`);
    }
    // Only the artifact location is needed: the experiment's tags are not read.
    let expMeta: ReturnType<RunReader['readExperimentMeta']>;
    try {
      expMeta = this.reader.readExperimentMeta(found.dir, options.experimentId);
    } catch (error) {
      this.reader.warnOnce(`${MSG} skipping experiment folder ${found.dir}: ${(error as Error).message}`);
    }
    if (!expMeta) throw this.experimentNotFound(options.experimentId);
    const tags = [...(options.tags ?? [])];
    const nameTag = tags.find((t) => t.key === 'mlflow.runName');
    if (options.runName !== undefined && options.runName !== '' && nameTag && nameTag.value !== options.runName) {
      throw invalidParameter(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${nameTag.value}').`,
      );
    }
    const runName = options.runName || nameTag?.value || generateRunName();
    if (!nameTag) tags.push({ key: 'mlflow.runName', value: runName });
    const runId = generateRunId();
    const artifactUri = `${expMeta.experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`;
    const raw = {
      artifact_uri: artifactUri,
      deleted_time: null,
      end_time: null,
      entry_point_name: '',
      experiment_id: options.experimentId,
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: runName,
      // MLflow 2.x's RunInfo requires run_uuid (its reader fails on the whole experiment without
      // it); MLflow 3 ignores it.
      run_uuid: runId,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: options.startTime ?? Date.now(),
      status: RUN_STATUS_NUMBER.RUNNING,
      tags: [],
      user_id: options.userId ?? 'unknown',
    };
    const runDir = join(found.dir, runId);
    const text = dumpYaml(raw);
    try {
      await this.publishFolder(runDir, text, RUN_FOLDERS, tags);
    } catch (error) {
      throw ioError(`creating run ${runId}`, error);
    }
    this.runLocations.set(runId, { experimentId: options.experimentId, expDir: found.dir, runDir });
    for (const sub of RUN_FOLDERS) this.knownDirs.add(join(runDir, sub));
    // The run is what was just written, and nobody else knows its id yet: no need to read it back.
    const byKey = new Map<string, string>();
    for (const tag of tags) byKey.set(tag.key, tag.value);
    const meta = runMetaFromRaw(raw);
    this.reader.noteRunMeta(runDir, text, meta);
    return {
      info: { ...meta.info },
      data: { metrics: [], params: [], tags: [...byKey].map(([key, value]) => ({ key, value })) },
      inputs: { datasetInputs: [] },
    };
  }

  async getRun(runId: string): Promise<Run> {
    await this.init();
    const loc = this.locateRun(runId);
    const run = this.reader.readRun(loc.runDir, loc.expDir);
    if (!run) throw notFound(`Run '${runId}' not found`);
    return run;
  }

  async updateRunInfo(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    await this.init();
    let loc = this.cachedRunLocation(runId);
    const change: Record<string, unknown> = {};
    if (update.status !== undefined) change.status = RUN_STATUS_NUMBER[update.status];
    if (update.endTime !== undefined) change.end_time = update.endTime;
    const newName = update.runName !== undefined && update.runName !== '' ? update.runName : undefined;
    if (newName !== undefined) change.run_name = newName;
    const write = (runDir: string) =>
      this.writeRunMeta(
        runDir,
        change,
        // The tag is synced together with meta.yaml: one wait for both.
        newName === undefined ? [] : [{ path: join(runDir, 'tags', 'mlflow.runName'), data: newName }],
        // The active check reads the meta.yaml that the lock re-reads anyway.
        (fresh) => this.checkActive(runId, fresh),
      );
    const written = await write(loc.runDir).catch((error) => {
      if (!isMissing(error)) throw error;
      // The cached folder moved (its experiment was deleted or restored): find it and try again.
      this.runLocations.delete(runId);
      loc = this.locateRun(runId);
      return write(loc.runDir);
    });
    // A copy: the meta is cached.
    if (written.hasRunName) return { ...written.info };
    // No run_name in the file (older MLflow): the tag names the run, as getRun reports it.
    const name = this.reader.readValue(join(loc.runDir, 'tags', 'mlflow.runName'));
    return name === undefined ? written.info : { ...written.info, runName: name };
  }

  /**
   * The cached location of a run without touching the disk (a write under the run's lock finds out
   * soon enough if it moved), else the one found by looking.
   */
  private cachedRunLocation(runId: string): RunLocation {
    this.checkRunId(runId);
    return this.runLocations.get(runId) ?? this.locateRun(runId);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.init();
    const { loc } = this.runAt(runId);
    await this.writeRunMeta(loc.runDir, { lifecycle_stage: 'deleted', deleted_time: Date.now() });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.init();
    const { loc } = this.runAt(runId);
    await this.writeRunMeta(loc.runDir, { lifecycle_stage: 'active', deleted_time: null });
  }

  /** Creates the parent folders of a key file once per process (keys with `/` are nested folders). */
  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await fsp.mkdir(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  /** Replaces a tag file atomically. */
  private async writeKeyFile(folder: string, key: string, value: string): Promise<void> {
    const path = containedPath(folder, key);
    await this.ensureDir(resolve(path, '..'));
    await writeFileAtomic(path, value, this.fsync);
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    await this.init();
    const { loc, meta } = this.activeRun(runId);
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    // Params and tags go to temp files that are synced together, one wait for the disk however many
    // there are; each is then published in the batch's order (params first, then metrics, then tags,
    // as MLflow does), so a param conflict still stops the batch before its metrics and tags.
    let staged: StagedFiles | undefined;
    if (params.length + tags.length > 0) {
      const files: FileToWrite[] = [];
      for (const p of params) files.push({ path: containedPath(join(loc.runDir, 'params'), p.key), data: p.value });
      for (const t of tags) files.push({ path: containedPath(join(loc.runDir, 'tags'), t.key), data: t.value });
      for (const f of files) await this.ensureDir(resolve(f.path, '..'));
      try {
        staged = await StagedFiles.stage(files, this.fsync);
      } catch (error) {
        throw ioError(`logging to run ${runId}`, error);
      }
    }
    try {
      for (let i = 0; i < params.length; i++) await this.publishParam(runId, staged!, i, params[i]!, loc);
      if (batch.metrics && batch.metrics.length > 0) await this.appendMetrics(loc, batch.metrics);
      for (let i = 0; i < tags.length; i++) {
        const tag = tags[i]!;
        await staged!.replace(params.length + i);
        if (tag.key === 'mlflow.runName' && tag.value !== meta.info.runName) await this.writeRunMeta(loc.runDir, { run_name: tag.value });
      }
    } finally {
      await staged?.discard();
    }
  }

  /**
   * Creates a param from its staged temp with link(2): of two writers racing, exactly one wins and the
   * other compares values, so a param can never be overwritten or seen half-written.
   */
  private async publishParam(
    runId: string,
    staged: StagedFiles,
    i: number,
    param: { key: string; value: string },
    loc: RunLocation,
  ): Promise<void> {
    if (await staged.create(i)) return;
    const { key, value } = param;
    const existing = await fsp.readFile(containedPath(join(loc.runDir, 'params'), key), 'utf8').catch((error) => {
      throw ioError(`reading param ${key}`, error);
    });
    if (existing !== value) {
      throw invalidParameter(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${existing}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
      );
    }
  }

  private async appendMetrics(loc: RunLocation, metrics: Metric[]): Promise<void> {
    const byKey = new Map<string, string>();
    for (const m of metrics) byKey.set(m.key, (byKey.get(m.key) ?? '') + formatMetricLine(m));
    for (const [key, lines] of byKey) {
      const path = containedPath(join(loc.runDir, 'metrics'), key);
      await this.ensureDir(resolve(path, '..'));
      // The first append of this process to a file also checks its tail, through the same descriptor
      // (opened for reading too) rather than a second open.
      const check = !this.checkedMetricFiles.has(path);
      // One write(2) on an O_APPEND descriptor per key and batch: the kernel places it at the end
      // atomically, so lines of concurrent writers never interleave.
      let handle: fsp.FileHandle;
      try {
        handle = await fsp.open(path, check ? 'a+' : 'a');
      } catch (error) {
        throw ioError(`appending to metric ${key}`, error);
      }
      try {
        if (check) {
          await this.repairMetricTail(handle, path);
          this.checkedMetricFiles.add(path);
        }
        const buf = Buffer.from(lines, 'utf8');
        const { bytesWritten } = await handle.write(buf, 0, buf.length);
        if (bytesWritten !== buf.length) {
          throw new LabbookError('INTERNAL_ERROR', `${MSG} short write appending to metric ${key}`);
        }
      } catch (error) {
        throw ioError(`appending to metric ${key}`, error);
      } finally {
        await handle.close();
      }
    }
  }

  /**
   * A metric file whose last byte is not a newline holds a line cut short by a killed writer. Appending
   * to it would glue the next point onto that fragment, so the fragment is cut off (with a warning)
   * before this process appends for the first time.
   */
  private async repairMetricTail(handle: fsp.FileHandle, path: string): Promise<void> {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 10) return;
    // Read back far enough to find the previous newline.
    const window = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(window);
    await handle.read(buf, 0, window, size - window);
    const nl = buf.lastIndexOf(10);
    const keep = nl < 0 ? (window === size ? 0 : size) : size - window + nl + 1;
    if (keep === size) return;
    const now = await handle.stat();
    if (now.size !== size) return;
    await handle.truncate(keep);
    this.warn(`${MSG} removed an incomplete last line (${size - keep} bytes, a write cut short) from ${path}`);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.init();
    const { loc } = this.activeRun(runId);
    const path = containedPath(join(loc.runDir, 'tags'), key);
    try {
      await fsp.unlink(path);
    } catch (error) {
      if (isMissing(error)) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
      throw ioError(`deleting tag ${key}`, error);
    }
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.init();
    const { loc } = this.activeRun(runId);
    for (const input of datasets) {
      const ds = input.dataset;
      const datasetId = md5(ds.name + ds.digest);
      const dsDir = containedPath(loc.expDir, 'datasets', datasetId);
      if (!existsSync(join(dsDir, META_FILE))) {
        await this.ensureDir(dsDir);
        await writeFileAtomic(
          join(dsDir, META_FILE),
          dumpYaml({
            digest: ds.digest,
            name: ds.name,
            profile: ds.profile ?? null,
            schema: ds.schema ?? null,
            source: ds.source,
            source_type: ds.sourceType,
          }),
          this.fsync,
        );
      }
      const inputId = md5(datasetId + runId);
      const inputDir = containedPath(loc.runDir, 'inputs', inputId);
      if (existsSync(join(inputDir, META_FILE))) continue;
      await this.ensureDir(inputDir);
      const tags: Record<string, string> = {};
      for (const t of input.tags) tags[t.key] = t.value;
      await writeFileAtomic(
        join(inputDir, META_FILE),
        dumpYaml({ destination_id: runId, destination_type: 'RUN', source_id: datasetId, source_type: 'DATASET', tags }),
        this.fsync,
      );
    }
  }

  async getMetricHistory(runId: string, key: string, options: MetricHistoryOptions = {}): Promise<PagedList<Metric>> {
    await this.init();
    const { loc } = this.runAt(runId);
    const path = containedPath(join(loc.runDir, 'metrics'), key);
    const max = options.maxResults ?? 0;
    // A whole history is parsed straight into objects, plain lines on the charts' fast path (building
    // them from cached columns measured slower in a process with a large heap). Pages come from the parsed-columns cache, so a history
    // read page by page is parsed once, not once per page; files with dataset fields, which the
    // columns do not keep, are parsed whole for each page.
    if (!max) return { items: this.reader.readMetricHistory(path, key) };
    const offset = decodePageToken(options.pageToken);
    const page = this.reader.readMetricPoints(path, key, offset, offset + max);
    if (page)
      return offset + max < page.total ? { items: page.items, nextPageToken: encodePageToken(offset + max) } : { items: page.items };
    const all = this.reader.readMetricHistory(path, key);
    const items = all.slice(offset, offset + max);
    return offset + max < all.length ? { items, nextPageToken: encodePageToken(offset + max) } : { items };
  }

  /** The whole history as typed-array columns, parsed without one object per point. */
  async getMetricHistoryColumns(runId: string, key: string): Promise<MetricHistoryColumns> {
    await this.init();
    const { loc } = this.runAt(runId);
    return this.reader.readMetricColumns(containedPath(join(loc.runDir, 'metrics'), key));
  }

  async searchRuns(options: SearchRunsOptions): Promise<PagedList<Run>> {
    await this.init();
    const viewType: ViewType = options.viewType ?? 'ACTIVE_ONLY';
    const plan = planRunSearch(options.filter, options.orderBy);
    for (const needs of [plan.filter, plan.order]) {
      for (const set of [needs.metrics, needs.params, needs.tags]) for (const key of set) keyRelativePath(key);
    }
    // Pass 1: every run with only what the filter reads (stat-validated, so cheap when warm); the runs
    // that match also get what the order reads. Pass 2 below reads the page's runs in full.
    const candidates: Run[] = [];
    // By run id, not object identity: the evaluator may return copies.
    const where = new Map<string, { runDir: string; expDir: string }>();
    for (const experimentId of new Set(options.experimentIds)) {
      let found: ReturnType<FileTrackingStore['findExperimentDir']>;
      try {
        found = this.findExperimentDir(experimentId);
      } catch {
        continue;
      }
      if (!found) continue;
      for (const runDir of this.listRunDirs(found.dir)) {
        let run: Run | undefined;
        if (!plan.known) run = this.fullRunSafe(runDir, found.dir);
        else {
          const meta = this.safeRunMeta(runDir);
          if (!meta || !matchesViewType(meta.info.lifecycleStage, viewType)) continue;
          run = this.partialRun(runDir, found.dir, meta, plan.filter);
          if (plan.matches && !plan.matches(run)) continue;
          this.addFields(run, runDir, found.dir, plan.order);
        }
        if (!run || !matchesViewType(run.info.lifecycleStage, viewType)) continue;
        candidates.push(run);
        where.set(run.info.runId, { runDir, expDir: found.dir });
      }
    }
    // Candidates are already restricted to the view type and experiments.
    const page = searchRunsInMemory(candidates, {
      filter: options.filter,
      orderBy: options.orderBy,
      maxResults: options.maxResults ?? DEFAULT_MAX_RESULTS,
      pageToken: options.pageToken,
    });
    if (!plan.known) return page;
    const items: Run[] = [];
    for (const partial of page.items) {
      const at = where.get(partial.info.runId);
      const run = at && this.fullRunSafe(at.runDir, at.expDir);
      if (run) items.push(run);
    }
    return page.nextPageToken ? { items, nextPageToken: page.nextPageToken } : { items };
  }

  private fullRunSafe(runDir: string, expDir: string): Run | undefined {
    try {
      return this.reader.readRun(runDir, expDir);
    } catch (error) {
      this.reader.warnOnce(`${MSG} skipping run folder ${runDir}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private partialRun(runDir: string, expDir: string, meta: RunMeta, needs: FieldNeeds): Run {
    const run: Run = { info: meta.info, data: { metrics: [], params: [], tags: [] }, inputs: { datasetInputs: [] } };
    this.addFields(run, runDir, expDir, needs);
    if (!meta.hasRunName) {
      const name =
        run.data.tags.find((t) => t.key === 'mlflow.runName')?.value ?? this.reader.readValue(`${runDir}${sep}tags${sep}mlflow.runName`);
      run.info = { ...meta.info, runName: name ?? '' };
    }
    return run;
  }

  /** Loads the named fields into a partially loaded run (keys were checked by keyRelativePath). */
  private addFields(run: Run, runDir: string, expDir: string, needs: FieldNeeds): void {
    for (const key of needs.metrics) {
      const m = this.reader.readLatestMetric(`${runDir}${sep}metrics${sep}${keyRelativePath(key)}`, key);
      if (m) run.data.metrics.push(m);
    }
    for (const key of needs.params) {
      const value = this.reader.readParamValue(`${runDir}${sep}params${sep}${keyRelativePath(key)}`);
      if (value !== undefined) run.data.params.push({ key, value });
    }
    for (const key of needs.tags) {
      const value = this.reader.readValue(`${runDir}${sep}tags${sep}${keyRelativePath(key)}`);
      if (value !== undefined) run.data.tags.push({ key, value });
    }
    if (needs.datasets && run.inputs.datasetInputs.length === 0) run.inputs.datasetInputs = this.reader.readRunInputs(runDir, expDir);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }
}

const relativeKeyCache = new Map<string, string>();

/**
 * The relative file path of a metric/param/tag key, checked to stay inside its folder (core validates
 * keys first; this is the defensive second check, memoised because searches call it per run).
 */
function keyRelativePath(key: string): string {
  let rel = relativeKeyCache.get(key);
  if (rel !== undefined) return rel;
  const parts = key.split('/');
  if (key.includes('\0') || key.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw invalidParameter(`${MSG} key '${key}' does not name a path inside the run folder`);
  }
  rel = parts.join(sep);
  if (relativeKeyCache.size > 10_000) relativeKeyCache.clear();
  relativeKeyCache.set(key, rel);
  return rel;
}

function isRenameConflict(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EEXIST' || code === 'ENOTEMPTY';
}

/** Experiment artifact locations: URIs are kept, local paths become absolute (as MLflow does). */
function resolveArtifactLocation(location: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !/^[a-zA-Z]:[\\/]/.test(location)) return location.replace(/\/+$/, '');
  return isAbsolute(location) ? location : resolve(location);
}
