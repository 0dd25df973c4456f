import type { ArtifactRepository } from '../interfaces/artifact-repository.js';
import type { ModelFlavor } from '../interfaces/model-flavor.js';
import type { RegistryStore } from '../interfaces/registry-store.js';
import type { RunContextProvider } from '../interfaces/run-context-provider.js';
import type { TrackingStore } from '../interfaces/tracking-store.js';
import type { ProjectBackendFactory } from '../projects/project-backend.js';

/** The plugin contract version this core implements. A plugin declares the version it was built for. */
export const PLUGIN_API_VERSION = 1;

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
/** Builds an artifact repository rooted at a URI of one scheme. */
export type ArtifactRepositoryFactory = (uri: string, options: StoreFactoryOptions) => ArtifactRepository | Promise<ArtifactRepository>;

/**
 * Makes a model flavor. Called once, when the first model of that flavor is saved or loaded, so a
 * flavor's heavy runtime (onnxruntime-node…) is imported only then.
 */
export type ModelFlavorFactory = () => ModelFlavor | Promise<ModelFlavor>;

/** What a plugin provides, by URI scheme. */
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

/** Input of {@link definePlugin}: `apiVersion` defaults to the current one. */
export type PluginDefinition = Omit<LabbookPlugin, 'apiVersion'> & { apiVersion?: number };

/**
 * Declares a plugin. Its module's default export must be the result; its `package.json` announces the
 * schemes under a `labbook` field so core finds it without importing it:
 *
 * ```json
 * "labbook": { "plugin": "./dist/plugin.js", "tracking": ["mysql"], "registry": ["mysql"], "artifacts": [], "projectBackends": [] }
 * ```
 */
export function definePlugin(definition: PluginDefinition): LabbookPlugin {
  return { ...definition, apiVersion: definition.apiVersion ?? PLUGIN_API_VERSION };
}
