import { canonicalStage, STAGES_ALLOWING_ARCHIVE } from '../entities/enums.js';
import type { ModelVersion, ModelVersionTag, RegisteredModel, RegisteredModelTag } from '../entities/registry.js';
import type { PagedList } from '../entities/tracking.js';
import { invalidParameter } from '../errors.js';
import type { CreateModelVersionOptions, RegistryStore, SearchRegistryOptions } from '../interfaces/registry-store.js';
import { validateAlias, validateModelName, validateModelTag, validateModelVersion } from './entities.js';
import { validateKey } from './keys.js';
import { DEFAULTS, LIMITS } from './limits.js';
import { requireValue, validateLength, validateMaxResults, validateRunId } from './values.js';

const BRAND = Symbol.for('labbook:validated-registry-store');
const DESCRIPTION_LIMIT = 5000;
const SOURCE_LIMIT = 500;

function validateDescription(description: unknown, field = 'description'): void {
  if (description === undefined || description === null) return;
  validateLength(description, field, DESCRIPTION_LIMIT, 'Description');
}

function validateSearch(options: SearchRegistryOptions, max: number): void {
  validateMaxResults(options.maxResults, 'max_results', max);
  if (options.orderBy !== undefined && (!Array.isArray(options.orderBy) || options.orderBy.some((o) => typeof o !== 'string'))) {
    throw invalidParameter(`Invalid value for parameter 'order_by': expected a list of strings.`, { field: 'order_by' });
  }
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
export class ValidatedRegistryStore implements RegistryStore {
  readonly inner: RegistryStore;

  constructor(inner: RegistryStore) {
    this.inner = inner;
    Object.defineProperty(this, BRAND, { value: true });
  }

  createRegisteredModel(name: string, tags?: RegisteredModelTag[], description?: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateDescription(description);
    return this.inner.createRegisteredModel(
      name,
      (tags ?? []).map((t, i) => validateModelTag(t, `tags[${i}]`)),
      description,
    );
  }

  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateDescription(description);
    return this.inner.updateRegisteredModel(name, description ?? '');
  }

  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(name);
    validateModelName(newName, 'new_name');
    return this.inner.renameRegisteredModel(name, newName);
  }

  deleteRegisteredModel(name: string): Promise<void> {
    validateModelName(name);
    return this.inner.deleteRegisteredModel(name);
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    validateModelName(name);
    return this.inner.getRegisteredModel(name);
  }

  searchRegisteredModels(options: SearchRegistryOptions = {}): Promise<PagedList<RegisteredModel>> {
    validateSearch(options, LIMITS.searchRegisteredModelsMaxResults);
    return this.inner.searchRegisteredModels({ ...options, maxResults: options.maxResults ?? DEFAULTS.searchRegisteredModelsMaxResults });
  }

  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]> {
    validateModelName(name);
    return this.inner.getLatestVersions(
      name,
      (stages ?? []).map((s, i) => checkedStage(s, `stages[${i}]`)),
    );
  }

  setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void> {
    validateModelName(name);
    return this.inner.setRegisteredModelTag(name, validateModelTag(tag));
  }

  deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    validateModelName(name);
    validateKey(key, 'tag', 'key');
    return this.inner.deleteRegisteredModelTag(name, key);
  }

  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    validateModelName(options.name);
    requireValue(options.source, 'source');
    validateLength(options.source, 'source', SOURCE_LIMIT, 'Model version source');
    if (options.runId !== undefined && options.runId !== '') validateRunId(options.runId);
    if (options.runLink !== undefined) validateLength(options.runLink, 'run_link', SOURCE_LIMIT, 'Run link');
    validateDescription(options.description);
    const tags = (options.tags ?? []).map((t, i) => validateModelTag(t, `tags[${i}]`));
    return this.inner.createModelVersion({ ...options, tags });
  }

  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    validateModelName(name);
    validateModelVersion(version);
    validateDescription(description);
    return this.inner.updateModelVersion(name, version, description ?? '');
  }

  transitionModelVersionStage(name: string, version: string, stage: string, archiveExistingVersions: boolean): Promise<ModelVersion> {
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

  deleteModelVersion(name: string, version: string): Promise<void> {
    validateModelName(name);
    validateModelVersion(version);
    return this.inner.deleteModelVersion(name, version);
  }

  getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name);
    validateModelVersion(version);
    return this.inner.getModelVersion(name, version);
  }

  getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    validateModelName(name);
    validateModelVersion(version);
    return this.inner.getModelVersionDownloadUri(name, version);
  }

  searchModelVersions(options: SearchRegistryOptions = {}): Promise<PagedList<ModelVersion>> {
    validateSearch(options, LIMITS.searchModelVersionsMaxResults);
    return this.inner.searchModelVersions({ ...options, maxResults: options.maxResults ?? DEFAULTS.searchModelVersionsMaxResults });
  }

  setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void> {
    validateModelName(name);
    validateModelVersion(version);
    return this.inner.setModelVersionTag(name, version, validateModelTag(tag));
  }

  deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    validateModelName(name);
    validateModelVersion(version);
    validateKey(key, 'tag', 'key');
    return this.inner.deleteModelVersionTag(name, version, key);
  }

  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    validateModelVersion(version);
    return this.inner.setRegisteredModelAlias(name, alias, version);
  }

  deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    return this.inner.deleteRegisteredModelAlias(name, alias);
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateModelName(name);
    validateAlias(alias);
    return this.inner.getModelVersionByAlias(name, alias);
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/** Wraps a store in {@link ValidatedRegistryStore}, once. */
export function validatedRegistryStore(store: RegistryStore): RegistryStore {
  if ((store as unknown as Record<symbol, unknown>)[BRAND] === true) return store;
  return new ValidatedRegistryStore(store);
}
