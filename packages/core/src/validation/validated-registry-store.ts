import { canonicalStage, STAGES_ALLOWING_ARCHIVE } from '../entities/enums.js';
import type { ModelVersion, ModelVersionTag, RegisteredModel, RegisteredModelTag } from '../entities/registry.js';
import type { PagedList } from '../entities/tracking.js';
import { invalidParameter } from '../errors.js';
import type {
  CreateModelVersionOptions,
  GuardedRegistryStore,
  RegistryStore,
  SearchRegistryOptions,
} from '../interfaces/registry-store.js';
import { pageOf } from '../search/answer-query.js';
import { buildModelVersionsQuery, buildRegisteredModelsQuery } from '../search/build-query.js';
import { validateAlias, validateModelName, validateModelTag, validateModelVersion } from './entities.js';
import { validateKey } from './keys.js';
import { LIMITS } from './limits.js';
import { requireValue, validateLength, validateLoggedModelId, validateRunId } from './values.js';
import { parseLoggedModelUri } from '../entities/logged-model.js';

const BRAND = Symbol.for('labbook:validated-registry-store');

function validateDescription(description: unknown, field = 'description'): void {
  if (description === undefined || description === null) return;
  validateLength(description, field, LIMITS.modelDescriptionLength, 'Description');
}

/** Stage names, canonicalised case-insensitively; anything else is an error naming the allowed ones. */
function checkedStage(stage: unknown, field = 'stage'): string {
  requireValue(stage, field);
  const canonical = typeof stage === 'string' ? canonicalStage(stage) : undefined;
  if (!canonical) {
    throw invalidParameter(`Invalid Model Version stage: ${String(stage)}. Value must be one of None, Staging, Production, Archived.`, {
      field,
    });
  }
  return canonical;
}

/**
 * A RegistryStore that checks names, versions, aliases, tags, stages and search limits before the
 * wrapped store sees them.
 */
export class ValidatedRegistryStore implements GuardedRegistryStore {
  readonly inner: RegistryStore;

  constructor(inner: RegistryStore) {
    this.inner = inner;
    Object.defineProperty(this, BRAND, { value: true });
  }

  async createRegisteredModel(name: string, tags?: RegisteredModelTag[], description?: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateDescription(description);
    return this.inner.createRegisteredModel(
      name,
      (tags ?? []).map((t, i) => validateModelTag(t, `tags[${i}]`)),
      description,
    );
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateDescription(description);
    return this.inner.updateRegisteredModel(name, description ?? '');
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateModelName(newName, 'new_name');
    return this.inner.renameRegisteredModel(name, newName);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    validateModelName(name);
    return this.inner.deleteRegisteredModel(name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name);
    return this.inner.getRegisteredModel(name);
  }

  async searchRegisteredModels(options: SearchRegistryOptions = {}): Promise<PagedList<RegisteredModel>> {
    const query = buildRegisteredModelsQuery(options);
    return pageOf(query, await this.inner.searchRegisteredModels(query));
  }

  async getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    validateModelName(name);
    return this.inner.getLatestVersions(
      name,
      (stages ?? []).map((s, i) => checkedStage(s, `stages[${i}]`)),
    );
  }

  async setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    validateModelName(name);
    return this.inner.setRegisteredModelTag(name, validateModelTag(tag));
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateKey(key, 'tag', 'key');
    return this.inner.deleteRegisteredModelTag(name, key);
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    validateModelName(options.name);
    requireValue(options.source, 'source');
    validateLength(options.source, 'source', LIMITS.modelVersionSourceLength, 'Model version source');
    if (options.runId !== undefined && options.runId !== '') validateRunId(options.runId);
    if (options.runLink !== undefined) validateLength(options.runLink, 'run_link', LIMITS.modelVersionSourceLength, 'Run link');
    validateDescription(options.description);
    const tags = (options.tags ?? []).map((t, i) => validateModelTag(t, `tags[${i}]`));
    if (options.modelId !== undefined && options.modelId !== '') validateLoggedModelId(options.modelId);
    const modelId = options.modelId || parseLoggedModelUri(options.source)?.modelId;
    const { modelId: _given, ...rest } = options;
    return this.inner.createModelVersion({ ...rest, tags, ...(modelId ? { modelId } : {}) });
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    validateModelName(name);
    validateModelVersion(version);
    validateDescription(description);
    return this.inner.updateModelVersion(name, version, description ?? '');
  }

  async transitionModelVersionStage(name: string, version: string, stage: string, archiveExistingVersions: boolean): Promise<ModelVersion> {
    validateModelName(name);
    validateModelVersion(version);
    const canonical = checkedStage(stage);
    if (archiveExistingVersions && !STAGES_ALLOWING_ARCHIVE.includes(canonical as never)) {
      throw invalidParameter(
        `Model version transition cannot archive existing model versions because '${canonical}' is not an Active stage. Valid stages are Staging, Production.`,
        { field: 'archive_existing_versions' },
      );
    }
    return this.inner.transitionModelVersionStage(name, version, canonical, Boolean(archiveExistingVersions));
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    validateModelName(name);
    validateModelVersion(version);
    return this.inner.deleteModelVersion(name, version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name);
    validateModelVersion(version);
    return this.inner.getModelVersion(name, version);
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    validateModelName(name);
    validateModelVersion(version);
    return this.inner.getModelVersionDownloadUri(name, version);
  }

  async searchModelVersions(options: SearchRegistryOptions = {}): Promise<PagedList<ModelVersion>> {
    const query = buildModelVersionsQuery(options);
    return pageOf(query, await this.inner.searchModelVersions(query));
  }

  async setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    validateModelName(name);
    validateModelVersion(version);
    return this.inner.setModelVersionTag(name, version, validateModelTag(tag));
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    validateModelName(name);
    validateModelVersion(version);
    validateKey(key, 'tag', 'key');
    return this.inner.deleteModelVersionTag(name, version, key);
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    validateModelVersion(version);
    return this.inner.setRegisteredModelAlias(name, alias, version);
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    return this.inner.deleteRegisteredModelAlias(name, alias);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    validateAlias(alias);
    return this.inner.getModelVersionByAlias(name, alias);
  }

  async close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/** Wraps a store in {@link ValidatedRegistryStore}, once. */
export function validatedRegistryStore(store: RegistryStore | GuardedRegistryStore): GuardedRegistryStore {
  if (isGuardedRegistryStore(store)) return store;
  return new ValidatedRegistryStore(store as RegistryStore);
}

/** True for a store already behind {@link ValidatedRegistryStore}. */
export function isGuardedRegistryStore(store: unknown): store is GuardedRegistryStore {
  return typeof store === 'object' && store !== null && (store as Record<symbol, unknown>)[BRAND] === true;
}
