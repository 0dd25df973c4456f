import type { ArtifactRepository } from '../interfaces/artifact-repository.js';
import type { RegistryStore } from '../interfaces/registry-store.js';
import type { TrackingStore } from '../interfaces/tracking-store.js';
import { builtInProjectBackendsPlugin } from '../projects/built-in-backends.js';
import type { ProjectBackend } from '../projects/project-backend.js';
import * as rest from '../rest/index.js';
import type { LabbookPlugin, StoreFactoryOptions } from './define-plugin.js';
import { type PluginInfo, PluginRegistry } from './plugin-registry.js';

/** The process-wide plugin registry behind {@link registerPlugin} and the `resolve*` functions. */
export const defaultPluginRegistry = new PluginRegistry();

// The REST stores ship in core (http, https, mlflow-artifacts); installed plugins may override them.
const restPlugin = (rest as Record<string, unknown>).restPlugin as LabbookPlugin | undefined;
if (restPlugin) defaultPluginRegistry.registerBuiltIn(restPlugin);
// The `local` and `docker` project backends ship in core too.
defaultPluginRegistry.registerBuiltIn(builtInProjectBackendsPlugin);

/**
 * Registers a plugin in code (for embedders and tests). It takes precedence over installed packages
 * for the schemes it provides.
 */
export function registerPlugin(plugin: LabbookPlugin): void {
  defaultPluginRegistry.register(plugin);
}

/** Builds the tracking store for a URI using the installed and registered plugins. */
export function resolveTrackingStore(uri: string, options?: StoreFactoryOptions): Promise<TrackingStore> {
  return defaultPluginRegistry.trackingStore(uri, options);
}

/** Builds the registry store for a URI using the installed and registered plugins. */
export function resolveRegistryStore(uri: string, options?: StoreFactoryOptions): Promise<RegistryStore> {
  return defaultPluginRegistry.registryStore(uri, options);
}

/** Builds the artifact repository rooted at a URI using the installed and registered plugins. */
export function resolveArtifactRepository(uri: string, options?: StoreFactoryOptions): Promise<ArtifactRepository> {
  return defaultPluginRegistry.artifactRepository(uri, options);
}

/** Every plugin known to the default registry, with the schemes each provides. */
export function listPlugins(): PluginInfo[] {
  return defaultPluginRegistry.list();
}

/** Builds the project backend named `name` (`local`, `docker`, or one an installed plugin provides). */
export function resolveProjectBackend(name: string, config?: Readonly<Record<string, unknown>>): Promise<ProjectBackend> {
  return defaultPluginRegistry.projectBackend(name, config);
}
