import type { ArtifactRepository } from '../interfaces/artifact-repository.js';
import type { GuardedRegistryStore } from '../interfaces/registry-store.js';
import type { GuardedTrackingStore } from '../interfaces/tracking-store.js';
import { builtInProjectBackendsPlugin } from '../projects/built-in-backends.js';
import type { ProjectBackend } from '../projects/project-backend.js';
import type { AnyLabbookPlugin, StoreFactoryOptions } from './define-plugin.js';
import { type PluginInfo, PluginRegistry } from './plugin-registry.js';
import { restPlugin } from './rest-plugin.js';

/** The process-wide plugin registry behind {@link registerPlugin} and the `resolve*` functions. */
export const defaultPluginRegistry = new PluginRegistry();

// The REST stores ship in core (http, https, mlflow-artifacts); installed plugins may override them.
defaultPluginRegistry.registerBuiltIn(restPlugin);
// The `local` and `docker` project backends ship in core too.
defaultPluginRegistry.registerBuiltIn(builtInProjectBackendsPlugin);

/**
 * Registers a plugin in code (for embedders and tests). It takes precedence over installed packages
 * for the schemes it provides. Plugins of contract v1 are accepted and adapted.
 *
 * @throws LabbookError for a plugin built for a newer plugin contract than this core supports
 */
export function registerPlugin(plugin: AnyLabbookPlugin): void {
  defaultPluginRegistry.register(plugin);
}

/**
 * Builds the tracking store for a URI using the installed and registered plugins, already behind
 * core's guard (inputs validated, searches parsed once): use it as is, do not wrap it again.
 */
export function resolveTrackingStore(uri: string, options?: StoreFactoryOptions): Promise<GuardedTrackingStore> {
  return defaultPluginRegistry.trackingStore(uri, options);
}

/** Builds the registry store for a URI using the installed and registered plugins, already behind core's guard. */
export function resolveRegistryStore(uri: string, options?: StoreFactoryOptions): Promise<GuardedRegistryStore> {
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
