import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import {
  type CreateModelVersionOptions,
  DELETED_INTERNAL_STAGE,
  LabbookError,
  type ModelVersion,
  type ModelVersionTag,
  type PagedList,
  type RegisteredModel,
  type RegisteredModelTag,
  type RegistryStore,
  type SearchAnswer,
  type ModelVersionsQuery,
  type RegisteredModelsQuery,
  STAGES_ALLOWING_ARCHIVE,
  ALL_STAGES,
  alreadyExists,
  canonicalStage,
  invalidParameter,
  notFound,
  parseLoggedModelUri,
} from '@labbook/core/plugin';
import { tempPathFor, writeFileAtomic } from './atomic-write.js';
import { META_FILE, MODELS_FOLDER, MSG } from './constants.js';
import { ioError, isMissing } from './errors.js';
import { folderEntries } from './folder-entries.js';
import { containedPath } from './uri.js';
import { localPathFromUri } from '@labbook/core/plugin';
import type { FileRegistryStoreOptions } from './options.js';
import { RunReader } from './run-reader.js';
import { dumpYaml, parseYaml } from './yaml-io.js';

interface VersionRecord {
  raw: Record<string, unknown>;
  version: ModelVersion;
}

function str(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

/**
 * Model registry over MLflow's `mlruns/models/` layout: `<name>/meta.yaml`, `tags/`, `aliases/` and
 * `version-<n>/` folders. Deleted versions stay on disk with stage `Deleted_Internal`, as in MLflow.
 */
export class FileRegistryStore implements RegistryStore {
  readonly root: string;
  readonly modelsDir: string;
  private readonly fsync: boolean;
  private readonly reader: RunReader;
  private ready: Promise<void> | undefined;

  constructor(options: FileRegistryStoreOptions = {}) {
    this.root = localPathFromUri(options.root ?? 'mlruns');
    this.modelsDir = join(this.root, MODELS_FOLDER);
    this.fsync = options.fsync ?? true;
    this.reader = new RunReader(options.onWarning ?? ((m) => process.emitWarning(m, { code: 'LABBOOK_FILE_STORE' })));
  }

  private init(): Promise<void> {
    this.ready ??= fsp
      .mkdir(this.modelsDir, { recursive: true })
      .then(() => undefined)
      .catch((error) => {
        this.ready = undefined;
        throw ioError(`opening the registry at ${this.modelsDir}`, error);
      });
    return this.ready;
  }

  private modelDir(name: string): string {
    if (
      typeof name !== 'string' ||
      name === '' ||
      name.includes('/') ||
      name.includes('\\') ||
      name === '.' ||
      name === '..' ||
      name.includes('\0')
    ) {
      throw invalidParameter(`Invalid name: '${name}'. Registered model name cannot contain path separator`, { field: 'name' });
    }
    return containedPath(this.modelsDir, name);
  }

  private async readMeta(dir: string): Promise<Record<string, unknown> | undefined> {
    const path = join(dir, META_FILE);
    try {
      return parseYaml(await fsp.readFile(path, 'utf8'), path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw ioError(`reading ${path}`, error);
    }
  }

  private async writeMeta(dir: string, data: Record<string, unknown>): Promise<void> {
    await writeFileAtomic(join(dir, META_FILE), dumpYaml(data), this.fsync);
  }

  private async existingModel(name: string): Promise<{ dir: string; raw: Record<string, unknown> }> {
    await this.init();
    const dir = this.modelDir(name);
    const raw = await this.readMeta(dir);
    if (!raw) throw notFound(`Registered Model with name=${name} not found`);
    return { dir, raw };
  }

  private aliasesOf(dir: string): Array<{ alias: string; version: string }> {
    return this.reader.readKeyValues(join(dir, 'aliases')).map(({ key, value }) => ({ alias: key, version: value.trim() }));
  }

  private versionDirs(dir: string): Array<{ n: number; dir: string }> {
    const out: Array<{ n: number; dir: string }> = [];
    for (const e of folderEntries(dir)) {
      const m = /^version-(\d+)$/.exec(e.name);
      if (m && e.isDirectory()) out.push({ n: Number(m[1]), dir: join(dir, e.name) });
    }
    return out.sort((a, b) => a.n - b.n);
  }

  private async readVersion(modelDir: string, versionDir: string, aliases = this.aliasesOf(modelDir)): Promise<VersionRecord | undefined> {
    const raw = await this.readMeta(versionDir);
    if (!raw) return undefined;
    const version = String(raw.version);
    const mv: ModelVersion = {
      name: String(raw.name),
      version,
      creationTimestamp: Number(raw.creation_timestamp ?? 0),
      lastUpdatedTimestamp: Number(raw.last_updated_timestamp ?? raw.creation_timestamp ?? 0),
      currentStage: String(raw.current_stage ?? 'None'),
      source: String(raw.source ?? ''),
      status: (str(raw.status) as ModelVersion['status'] | undefined) ?? 'READY',
      tags: this.reader.readKeyValues(join(versionDir, 'tags')),
      aliases: aliases.filter((a) => a.version === version).map((a) => a.alias),
    };
    const optional: Array<[keyof ModelVersion, unknown]> = [
      ['userId', raw.user_id],
      ['description', raw.description],
      ['runId', raw.run_id],
      ['statusMessage', raw.status_message],
      ['runLink', raw.run_link],
      ['modelId', raw.model_id ?? parseLoggedModelUri(String(raw.source ?? ''))?.modelId],
    ];
    for (const [k, v] of optional) if (v !== null && v !== undefined) (mv as unknown as Record<string, unknown>)[k] = String(v);
    return { raw, version: mv };
  }

  private async liveVersions(modelDir: string): Promise<VersionRecord[]> {
    const aliases = this.aliasesOf(modelDir);
    const out: VersionRecord[] = [];
    for (const { dir } of this.versionDirs(modelDir)) {
      const rec = await this.readVersion(modelDir, dir, aliases);
      if (rec && rec.version.currentStage !== DELETED_INTERNAL_STAGE) out.push(rec);
    }
    return out;
  }

  private async existingVersion(name: string, version: string): Promise<{ modelDir: string; dir: string; rec: VersionRecord }> {
    const { dir: modelDir } = await this.existingModel(name);
    if (!/^\d+$/.test(String(version))) {
      throw invalidParameter(`Parameter 'version' must be an integer, got '${version}'.`, { field: 'version' });
    }
    const dir = containedPath(modelDir, `version-${Number(version)}`);
    const rec = await this.readVersion(modelDir, dir);
    if (!rec || rec.version.currentStage === DELETED_INTERNAL_STAGE) {
      throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    }
    return { modelDir, dir, rec };
  }

  private async toModel(dir: string, raw: Record<string, unknown>): Promise<RegisteredModel> {
    const versions = await this.liveVersions(dir);
    const latest = new Map<string, ModelVersion>();
    for (const { version } of versions) {
      const cur = latest.get(version.currentStage);
      if (!cur || Number(cur.version) < Number(version.version)) latest.set(version.currentStage, version);
    }
    const model: RegisteredModel = {
      name: String(raw.name),
      creationTimestamp: Number(raw.creation_timestamp ?? 0),
      lastUpdatedTimestamp: Number(raw.last_updated_timestamp ?? raw.creation_timestamp ?? 0),
      latestVersions: [...latest.values()],
      tags: this.reader.readKeyValues(join(dir, 'tags')),
      aliases: this.aliasesOf(dir),
    };
    if (raw.description !== null && raw.description !== undefined) model.description = String(raw.description);
    return model;
  }

  private async touchModel(
    dir: string,
    raw: Record<string, unknown>,
    now = Date.now(),
    change: Record<string, unknown> = {},
  ): Promise<void> {
    await this.writeMeta(dir, { ...raw, ...change, last_updated_timestamp: now });
  }

  async createRegisteredModel(name: string, tags: RegisteredModelTag[] = [], description?: string): Promise<RegisteredModel> {
    await this.init();
    const dir = this.modelDir(name);
    const now = Date.now();
    const tmp = tempPathFor(dir);
    try {
      await fsp.mkdir(tmp);
      await fsp.writeFile(
        join(tmp, META_FILE),
        dumpYaml({
          aliases: [],
          creation_timestamp: now,
          deployment_job_id: null,
          deployment_job_state: null,
          description: description ?? null,
          last_updated_timestamp: now,
          name,
        }),
      );
      for (const tag of tags) {
        const path = containedPath(join(tmp, 'tags'), tag.key);
        await fsp.mkdir(join(path, '..'), { recursive: true });
        await fsp.writeFile(path, tag.value);
      }
      // rename(2) would replace an empty folder; a model folder always has meta.yaml, so check first.
      if (await this.readMeta(dir)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      await fsp.rename(tmp, dir);
    } catch (error) {
      await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTEMPTY') throw alreadyExists(`Registered Model (name=${name}) already exists.`);
      throw ioError(`creating registered model ${name}`, error);
    }
    return this.getRegisteredModel(name);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const { dir, raw } = await this.existingModel(name);
    await this.touchModel(dir, raw, Date.now(), { description });
    return this.getRegisteredModel(name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const { dir, raw } = await this.existingModel(name);
    const target = this.modelDir(newName);
    if (await this.readMeta(target)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
    const now = Date.now();
    // Names are stored inside the meta files too; rewrite them in place, then move the folder.
    for (const { dir: vdir } of this.versionDirs(dir)) {
      const vraw = await this.readMeta(vdir);
      if (vraw) await this.writeMeta(vdir, { ...vraw, name: newName, last_updated_timestamp: now });
    }
    await this.writeMeta(dir, { ...raw, name: newName, last_updated_timestamp: now });
    try {
      await fsp.rename(dir, target);
    } catch (error) {
      throw ioError(`renaming registered model ${name}`, error);
    }
    return this.getRegisteredModel(newName);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    const { dir } = await this.existingModel(name);
    // Move aside first so other readers never see a half-deleted model.
    const tmp = tempPathFor(dir);
    try {
      await fsp.rename(dir, tmp);
      await fsp.rm(tmp, { recursive: true, force: true });
    } catch (error) {
      throw ioError(`deleting registered model ${name}`, error);
    }
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const { dir, raw } = await this.existingModel(name);
    return this.toModel(dir, raw);
  }

  private async allModels(): Promise<RegisteredModel[]> {
    await this.init();
    const out: RegisteredModel[] = [];
    for (const e of folderEntries(this.modelsDir)) {
      if (!e.isDirectory()) continue;
      const dir = join(this.modelsDir, e.name);
      try {
        const raw = await this.readMeta(dir);
        if (raw) out.push(await this.toModel(dir, raw));
      } catch (error) {
        this.reader.warnOnce(`${MSG} skipping model folder ${dir}: ${(error as Error).message}`);
      }
    }
    return out;
  }

  /** Every model folder: core filters, orders and pages them. */
  async searchRegisteredModels(_query: RegisteredModelsQuery): Promise<SearchAnswer<RegisteredModel>> {
    return { kind: 'candidates', items: await this.allModels() };
  }

  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    const { dir } = await this.existingModel(name);
    const wanted: readonly string[] = stages.length === 0 ? ALL_STAGES : stages.map((s) => canonicalStage(s) ?? s);
    const latest = new Map<string, ModelVersion>();
    for (const { version } of await this.liveVersions(dir)) {
      if (!wanted.includes(version.currentStage)) continue;
      const cur = latest.get(version.currentStage);
      if (!cur || Number(cur.version) < Number(version.version)) latest.set(version.currentStage, version);
    }
    return wanted.flatMap((s) => (latest.has(s) ? [latest.get(s)!] : []));
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    const { dir, raw } = await this.existingModel(name);
    const path = containedPath(join(dir, 'tags'), tag.key);
    await fsp.mkdir(join(path, '..'), { recursive: true });
    await writeFileAtomic(path, tag.value, this.fsync);
    await this.touchModel(dir, raw);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    const { dir, raw } = await this.existingModel(name);
    try {
      await fsp.unlink(containedPath(join(dir, 'tags'), key));
    } catch (error) {
      // MLflow's registry stores ignore a missing tag on delete (only run tags raise).
      if (isMissing(error)) return;
      throw ioError(`deleting tag ${key}`, error);
    }
    await this.touchModel(dir, raw);
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    const { dir, raw } = await this.existingModel(options.name);
    const now = Date.now();
    // mkdir of version-<n> is the claim: two processes racing for the same number, one retries.
    for (let attempt = 0; attempt < 20; attempt++) {
      const dirs = this.versionDirs(dir);
      const n = (dirs.length ? dirs[dirs.length - 1]!.n : 0) + 1;
      const vdir = join(dir, `version-${n}`);
      try {
        await fsp.mkdir(vdir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw ioError(`creating version ${n} of ${options.name}`, error);
      }
      for (const tag of options.tags ?? []) {
        const path = containedPath(join(vdir, 'tags'), tag.key);
        await fsp.mkdir(join(path, '..'), { recursive: true });
        await writeFileAtomic(path, tag.value, false);
      }
      await this.writeMeta(vdir, {
        aliases: [],
        creation_timestamp: now,
        current_stage: 'None',
        description: options.description ?? null,
        last_updated_timestamp: now,
        name: options.name,
        run_id: options.runId ?? null,
        run_link: options.runLink ?? null,
        source: options.source,
        status: 'READY',
        status_message: null,
        storage_location: options.source,
        user_id: null,
        version: n,
        // Only for versions of logged models: MLflow 2.x builds its entity from every key of this
        // file and would fail on one it does not know.
        ...(options.modelId ? { model_id: options.modelId } : {}),
      });
      await this.touchModel(dir, raw, now);
      return (await this.existingVersion(options.name, String(n))).rec.version;
    }
    throw new LabbookError('INTERNAL_ERROR', `${MSG} Model Version creation error (name=${options.name}): too many concurrent creators`);
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const { dir, rec } = await this.existingVersion(name, version);
    await this.writeMeta(dir, { ...rec.raw, description, last_updated_timestamp: Date.now() });
    return this.getModelVersion(name, version);
  }

  async transitionModelVersionStage(name: string, version: string, stage: string, archiveExistingVersions: boolean): Promise<ModelVersion> {
    const canonical = canonicalStage(stage);
    if (!canonical) {
      throw invalidParameter(`Invalid Model Version stage: ${stage}. Value must be one of None, Staging, Production, Archived.`);
    }
    if (archiveExistingVersions && !STAGES_ALLOWING_ARCHIVE.includes(canonical)) {
      throw invalidParameter(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${STAGES_ALLOWING_ARCHIVE.join(', ')}`,
      );
    }
    const { modelDir, dir, rec } = await this.existingVersion(name, version);
    const now = Date.now();
    if (archiveExistingVersions) {
      for (const other of await this.liveVersions(modelDir)) {
        if (other.version.version !== rec.version.version && other.version.currentStage === canonical) {
          await this.writeMeta(containedPath(modelDir, `version-${other.version.version}`), {
            ...other.raw,
            current_stage: 'Archived',
            last_updated_timestamp: now,
          });
        }
      }
    }
    await this.writeMeta(dir, { ...rec.raw, current_stage: canonical, last_updated_timestamp: now });
    const model = await this.existingModel(name);
    await this.touchModel(model.dir, model.raw, now);
    return this.getModelVersion(name, version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    const { modelDir, dir, rec } = await this.existingVersion(name, version);
    const now = Date.now();
    await this.writeMeta(dir, { ...rec.raw, current_stage: DELETED_INTERNAL_STAGE, last_updated_timestamp: now });
    for (const alias of rec.version.aliases) {
      await fsp.rm(containedPath(join(modelDir, 'aliases'), alias), { force: true });
    }
    const model = await this.existingModel(name);
    await this.touchModel(model.dir, model.raw, now);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return (await this.existingVersion(name, version)).rec.version;
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const { rec } = await this.existingVersion(name, version);
    return String(rec.raw.storage_location ?? rec.raw.source ?? '');
  }

  /** Every live version of every model: core filters, orders and pages them. */
  async searchModelVersions(_query: ModelVersionsQuery): Promise<SearchAnswer<ModelVersion>> {
    await this.init();
    const all: ModelVersion[] = [];
    for (const e of folderEntries(this.modelsDir)) {
      if (!e.isDirectory()) continue;
      for (const rec of await this.liveVersions(join(this.modelsDir, e.name))) all.push(rec.version);
    }
    return { kind: 'candidates', items: all };
  }

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    const { dir } = await this.existingVersion(name, version);
    const path = containedPath(join(dir, 'tags'), tag.key);
    await fsp.mkdir(join(path, '..'), { recursive: true });
    await writeFileAtomic(path, tag.value, this.fsync);
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    const { dir } = await this.existingVersion(name, version);
    try {
      await fsp.unlink(containedPath(join(dir, 'tags'), key));
    } catch (error) {
      if (isMissing(error)) return;
      throw ioError(`deleting tag ${key}`, error);
    }
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    const { modelDir } = await this.existingVersion(name, version);
    const path = containedPath(join(modelDir, 'aliases'), alias);
    await fsp.mkdir(join(modelDir, 'aliases'), { recursive: true });
    await writeFileAtomic(path, String(Number(version)), this.fsync);
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    const { dir } = await this.existingModel(name);
    await fsp.rm(containedPath(join(dir, 'aliases'), alias), { force: true });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const { dir } = await this.existingModel(name);
    const value = this.reader.readValue(containedPath(join(dir, 'aliases'), alias));
    if (value === undefined) throw notFound(`Registered model alias ${alias} not found.`);
    return this.getModelVersion(name, value.trim());
  }

  async close(): Promise<void> {}
}
