import type { ArtifactRepository } from '../interfaces/artifact-repository.js';
import type { ModelFlavor } from '../interfaces/model-flavor.js';
import type { RegistryStore, RegistryStoreV1 } from '../interfaces/registry-store.js';
import type { RunContextProvider } from '../interfaces/run-context-provider.js';
import type { TrackingStore, TrackingStoreV1 } from '../interfaces/tracking-store.js';
import type { ProjectBackendFactory } from '../projects/project-backend.js';

/**
 * The plugin contract version this core implements. A plugin declares the version it was built for;
 * core loads plugins of every version up to this one (v1 stores through an adapter, see
 * `adaptTrackingStoreV1`) and refuses newer ones.
 *
 * - v1: store searches took the request as text and returned a page.
 * - v2: store searches receive the query core parsed and return a `SearchAnswer` (a page or candidates).
 */
export const PLUGIN_API_VERSION = 2;

/** Options passed to every store factory. */
export interface StoreFactoryOptions {
  /**
   * Default artifact root for new experiments (tracking stores), e.g. `./mlruns` or `s3://bucket/x`.
   * Absent: the store picks its own default.
   */
  artifactRoot?: string;
  /** Backend-specific settings, including an injected SDK client (`client`). */
  [key: string]: unknown;
}

/** Builds a tracking store for a URI of one scheme. */
export type TrackingStoreFactory = (uri: string, options: StoreFactoryOptions) => TrackingStore | Promise<TrackingStore>;
/** Builds a registry store for a URI of one scheme. */
export type RegistryStoreFactory = (uri: string, options: StoreFactoryOptions) => RegistryStore | Promise<RegistryStore>;
/** A tracking store factory of plugin contract v1. */
export type TrackingStoreFactoryV1 = (uri: string, options: StoreFactoryOptions) => TrackingStoreV1 | Promise<TrackingStoreV1>;
/** A registry store factory of plugin contract v1. */
export type RegistryStoreFactoryV1 = (uri: string, options: StoreFactoryOptions) => RegistryStoreV1 | Promise<RegistryStoreV1>;
/** Builds an artifact repository rooted at a URI of one scheme. */
export type ArtifactRepositoryFactory = (uri: string, options: StoreFactoryOptions) => ArtifactRepository | Promise<ArtifactRepository>;

/**
 * Makes a model flavor. Called once, when the first model of that flavor is saved or loaded, so a
 * flavor's heavy runtime (onnxruntime-node…) is imported only then.
 */
export type ModelFlavorFactory = () => ModelFlavor | Promise<ModelFlavor>;

/** What a plugin provides, by URI scheme (contract v2: see {@link PLUGIN_API_VERSION}). */
export interface LabbookPlugin {
  /** The package name, for messages (`@labbook/plugin-mysql`). */
  name: string;
  /** The plugin contract version it was built against ({@link PLUGIN_API_VERSION}). */
  apiVersion: number;
  trackingStores?: Record<string, TrackingStoreFactory>;
  registryStores?: Record<string, RegistryStoreFactory>;
  artifactRepositories?: Record<string, ArtifactRepositoryFactory>;
  runContextProviders?: RunContextProvider[];
  /** Model flavors by flavor name as it appears under `flavors:` in MLmodel (`onnx`). */
  modelFlavors?: Record<string, ModelFlavorFactory>;
  /** Project backends by `--backend` name (announced as `"projectBackends": ["name"]`). */
  projectBackends?: Record<string, ProjectBackendFactory>;
}

/**
 * A plugin of contract v1, as published before v2: the same fields, but its store searches take text.
 * An `apiVersion` of 1, or none at all, marks it; core adapts its stores on load.
 */
export interface LabbookPluginV1 extends Omit<LabbookPlugin, 'apiVersion' | 'trackingStores' | 'registryStores'> {
  apiVersion?: 1;
  trackingStores?: Record<string, TrackingStoreFactoryV1>;
  registryStores?: Record<string, RegistryStoreFactoryV1>;
}

/** Any plugin core can load: {@link registerPlugin} and installed packages accept both contracts. */
export type AnyLabbookPlugin = LabbookPlugin | LabbookPluginV1;

/** Input of {@link definePlugin}: `apiVersion` defaults to the current one. */
export type PluginDefinition = LabbookPlugin & { apiVersion: typeof PLUGIN_API_VERSION };

/**
 * Input of {@link definePlugin} for a plugin of contract v1. `apiVersion` may be absent: plugins
 * published for v1 call the installed core's `definePlugin` without it, so absent means 1.
 */
export type PluginDefinitionV1 = Omit<LabbookPluginV1, 'apiVersion'> & { apiVersion?: 1 };

/**
 * Declares a plugin. Its module's default export must be the result; its `package.json` announces the
 * schemes under a `labbook` field so core finds it without importing it:
 *
 * ```json
 * "labbook": { "plugin": "./dist/plugin.js", "tracking": ["mysql"], "registry": ["mysql"], "artifacts": [], "projectBackends": [] }
 * ```
 */
export function definePlugin(definition: PluginDefinition): LabbookPlugin;
/** Declares a plugin of contract v1 (searches over text); core adapts its stores. */
export function definePlugin(definition: PluginDefinitionV1): LabbookPluginV1;
export function definePlugin(definition: PluginDefinition | PluginDefinitionV1): AnyLabbookPlugin {
  return { ...definition, apiVersion: definition.apiVersion ?? 1 } as AnyLabbookPlugin;
}
