import type { PagedList } from '../entities/tracking.js';
import type { ModelVersion, ModelVersionTag, RegisteredModel, RegisteredModelTag } from '../entities/registry.js';
import type { ModelVersionsQuery, RegisteredModelsQuery, SearchAnswer } from '../search/query.js';

/** Arguments of the registry searches. */
export interface SearchRegistryOptions {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** Arguments of {@link RegistryStore.createModelVersion}. */
export interface CreateModelVersionOptions {
  name: string;
  source: string;
  runId?: string;
  tags?: ModelVersionTag[];
  runLink?: string;
  description?: string;
  /** The logged model the version is made from (MLflow 3); taken from a `models:/m-…` source when absent. */
  modelId?: string;
}

/**
 * What every registry store does besides searching (the plugin contract {@link RegistryStore} and the
 * guarded {@link GuardedRegistryStore} share these). Core validates names, tag keys and lengths first. Deleted versions are invisible
 * to every method. Every method fails with a `LabbookError`.
 */
export interface RegistryStoreMethods {
  createRegisteredModel(name: string, tags?: RegisteredModelTag[], description?: string): Promise<RegisteredModel>;
  /** Sets the description. */
  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel>;
  /** Renames a model and moves its versions, tags and aliases with it. */
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  /** Hard-deletes a model with its versions, tags and aliases. */
  deleteRegisteredModel(name: string): Promise<void>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  /** Latest version per requested stage (every stage when `stages` is empty). */
  getLatestVersions(name: string, stages?: string[]): Promise<ModelVersion[]>;
  setRegisteredModelTag(name: string, tag: RegisteredModelTag): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;

  /** Creates version max+1 (starting at 1), stage `None`, status READY. */
  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion>;
  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion>;
  /** Moves a version to a stage; with `archiveExistingVersions`, others in that stage become Archived. */
  transitionModelVersionStage(name: string, version: string, stage: string, archiveExistingVersions: boolean): Promise<ModelVersion>;
  /** Soft-deletes a version and drops the aliases that pointed at it. */
  deleteModelVersion(name: string, version: string): Promise<void>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  /** Where the version's files are (its source). */
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;
  setModelVersionTag(name: string, version: string, tag: ModelVersionTag): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;

  /** Points an alias at a version, moving it if it pointed elsewhere. */
  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  close?(): Promise<void>;
}

/**
 * Storage of registered models and their versions, stages, aliases and tags: what a backend plugin
 * implements (contract v2). Searches receive parsed queries (see {@link SearchAnswer}).
 */
export interface RegistryStore extends RegistryStoreMethods {
  searchRegisteredModels(query: RegisteredModelsQuery): Promise<SearchAnswer<RegisteredModel>>;
  searchModelVersions(query: ModelVersionsQuery): Promise<SearchAnswer<ModelVersion>>;
}

/** A registry store of plugin contract v1, whose searches took the request as text. Core adapts it. */
export interface RegistryStoreV1 extends RegistryStoreMethods {
  searchRegisteredModels(options?: SearchRegistryOptions): Promise<PagedList<RegisteredModel>>;
  searchModelVersions(options?: SearchRegistryOptions): Promise<PagedList<ModelVersion>>;
}

/** A registry store behind core's guard, as `resolveRegistryStore` returns it: searches taken as text, parsed once. */
export interface GuardedRegistryStore extends RegistryStoreMethods {
  searchRegisteredModels(options?: SearchRegistryOptions): Promise<PagedList<RegisteredModel>>;
  searchModelVersions(options?: SearchRegistryOptions): Promise<PagedList<ModelVersion>>;
  /** Releases the store's connections. */
  close(): Promise<void>;
}
