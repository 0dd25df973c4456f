import {
  ALL_STAGES,
  alreadyExists,
  type CreateModelVersionOptions,
  type ModelVersion,
  type ModelVersionTag,
  notFound,
  type RegisteredModel,
  type RegisteredModelTag,
  type ModelVersionsQuery,
  type RegisteredModelsQuery,
  type RegistryStore,
  type SearchAnswer,
} from '@labbook/core/plugin';
import { stateFor } from './shared-state.js';

interface StoredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  tags: Map<string, string>;
  aliases: Map<string, string>;
  versions: Map<string, ModelVersion & { deleted?: boolean }>;
  lastVersion: number;
}

/** A RegistryStore kept in memory, shared per URI within one process. */
export class MemoryRegistryStore implements RegistryStore {
  private readonly models: Map<string, StoredModel>;

  constructor(uri: string) {
    this.models = stateFor('registry', uri, () => new Map<string, StoredModel>());
  }

  private model(name: string): StoredModel {
    const m = this.models.get(name);
    if (!m) throw notFound(`Registered Model with name=${name} not found`);
    return m;
  }

  private version(name: string, version: string): ModelVersion {
    const v = this.model(name).versions.get(version);
    if (!v || v.deleted) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return v;
  }

  private versionView(m: StoredModel, v: ModelVersion): ModelVersion {
    const aliases = [...m.aliases].filter(([, ver]) => ver === v.version).map(([a]) => a);
    const { deleted: _deleted, ...rest } = v as ModelVersion & { deleted?: boolean };
    return { ...structuredClone(rest), aliases };
  }

  private latestPerStage(m: StoredModel, stages: readonly string[]): ModelVersion[] {
    const out: ModelVersion[] = [];
    for (const stage of stages) {
      const inStage = [...m.versions.values()].filter((v) => !v.deleted && v.currentStage === stage);
      const latest = inStage.sort((a, b) => Number(b.version) - Number(a.version))[0];
      if (latest) out.push(this.versionView(m, latest));
    }
    return out;
  }

  private view(m: StoredModel): RegisteredModel {
    return {
      name: m.name,
      creationTimestamp: m.creationTimestamp,
      lastUpdatedTimestamp: m.lastUpdatedTimestamp,
      ...(m.description !== undefined ? { description: m.description } : {}),
      latestVersions: this.latestPerStage(m, ALL_STAGES),
      tags: [...m.tags].map(([key, value]) => ({ key, value })),
      aliases: [...m.aliases].map(([alias, version]) => ({ alias, version })),
    };
  }

  async createRegisteredModel(name: string, tags: RegisteredModelTag[] = [], description?: string): Promise<RegisteredModel> {
    if (this.models.has(name)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
    const now = Date.now();
    const m: StoredModel = {
      name,
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
      ...(description !== undefined ? { description } : {}),
      tags: new Map(tags.map((t) => [t.key, t.value])),
      aliases: new Map(),
      versions: new Map(),
      lastVersion: 0,
    };
    this.models.set(name, m);
    return this.view(m);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const m = this.model(name);
    m.description = description;
    m.lastUpdatedTimestamp = Date.now();
    return this.view(m);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const m = this.model(name);
    if (this.models.has(newName)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
    this.models.delete(name);
    m.name = newName;
    for (const v of m.versions.values()) v.name = newName;
    m.lastUpdatedTimestamp = Date.now();
    this.models.set(newName, m);
    return this.view(m);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    this.model(name);
    this.models.delete(name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.view(this.model(name));
  }

  /** Contract v2: every model as a candidate; core filters, orders and pages them. */
  async searchRegisteredModels(_query: RegisteredModelsQuery): Promise<SearchAnswer<RegisteredModel>> {
    return { kind: 'candidates', items: [...this.models.values()].map((m) => this.view(m)) };
  }

  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    const m = this.model(name);
    return this.latestPerStage(m, stages.length > 0 ? stages : ALL_STAGES);
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    this.model(name).tags.set(tag.key, tag.value);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    this.model(name).tags.delete(key);
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    const m = this.model(options.name);
    const now = Date.now();
    const version = String(++m.lastVersion);
    const v: ModelVersion = {
      name: m.name,
      version,
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
      currentStage: 'None',
      source: options.source,
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.runLink ? { runLink: options.runLink } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      status: 'READY',
      tags: (options.tags ?? []).map((t) => ({ ...t })),
      aliases: [],
    };
    m.versions.set(version, v);
    m.lastUpdatedTimestamp = now;
    return this.versionView(m, v);
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const v = this.version(name, version);
    v.description = description;
    v.lastUpdatedTimestamp = Date.now();
    return this.versionView(this.model(name), v);
  }

  async transitionModelVersionStage(name: string, version: string, stage: string, archiveExistingVersions: boolean): Promise<ModelVersion> {
    const m = this.model(name);
    const v = this.version(name, version);
    const now = Date.now();
    if (archiveExistingVersions) {
      for (const other of m.versions.values()) {
        if (other !== v && !other.deleted && other.currentStage === stage) {
          other.currentStage = 'Archived';
          other.lastUpdatedTimestamp = now;
        }
      }
    }
    v.currentStage = stage;
    v.lastUpdatedTimestamp = now;
    return this.versionView(m, v);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    const m = this.model(name);
    const v = this.version(name, version) as ModelVersion & { deleted?: boolean };
    v.deleted = true;
    for (const [alias, target] of m.aliases) if (target === version) m.aliases.delete(alias);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.versionView(this.model(name), this.version(name, version));
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return this.version(name, version).source;
  }

  /** Every live version as a candidate (deleted ones are invisible to every method). */
  async searchModelVersions(_query: ModelVersionsQuery): Promise<SearchAnswer<ModelVersion>> {
    const items: ModelVersion[] = [];
    for (const m of this.models.values()) for (const v of m.versions.values()) if (!v.deleted) items.push(this.versionView(m, v));
    return { kind: 'candidates', items };
  }

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    const v = this.version(name, version);
    v.tags = [...v.tags.filter((t) => t.key !== tag.key), { ...tag }];
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    const v = this.version(name, version);
    v.tags = v.tags.filter((t) => t.key !== key);
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    this.version(name, version);
    this.model(name).aliases.set(alias, version);
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    this.model(name).aliases.delete(alias);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const version = this.model(name).aliases.get(alias);
    if (!version) throw notFound(`Registered model alias ${alias} not found.`);
    return this.getModelVersion(name, version);
  }
}
