/**
 * `@labbook/core`: experiment tracking for TypeScript, compatible with MLflow. This entry is the
 * API applications use; plugin authors import from `@labbook/core/plugin`.
 * @packageDocumentation
 */
export * from './entities/index.js';
export * from './errors.js';
// Types only: callers type the stores they hold (`GuardedTrackingStore`) and the stores they pass in.
export type * from './interfaces/index.js';
export type {
  ExperimentsQuery,
  LoggedModelsQuery,
  ModelVersionsQuery,
  RegisteredModelsQuery,
  RunsQuery,
  SearchAnswer,
  SearchQuery,
} from './search/query.js';
export {
  isGuardedRegistryStore,
  isGuardedTrackingStore,
  ValidatedRegistryStore,
  ValidatedTrackingStore,
  validatedRegistryStore,
  validatedTrackingStore,
} from './validation/index.js';
export * from './metrics/index.js';
export { normalizeArtifactFilePath, normalizeArtifactPath } from './artifacts/artifact-path.js';
export { artifactContentType } from './artifacts/artifact-content-type.js';
export * from './artifacts/safe-artifact-repository.js';
export * from './artifacts/local-transfer.js';
export {
  type AnyLabbookPlugin,
  type LabbookPlugin,
  type LabbookPluginV1,
  type PluginDefinition,
  type StoreFactoryOptions,
} from './plugins/define-plugin.js';
export * from './plugins/scheme.js';
export * from './plugins/manifest.js';
export * from './plugins/discovery.js';
export * from './plugins/plugin-registry.js';
export * from './plugins/default-registry.js';
export * from './plugins/rest-plugin.js';
export { SystemTags } from './runs/system-tags.js';
export * from './rest/index.js';
export * from './uri/tracking-uri.js';
export * from './uri/artifact-uri.js';
export * from './context/index.js';
export * from './client/index.js';
export * from './fluent/index.js';
export * from './models/index.js';
export * from './projects/index.js';
export * from './diagnostics/channels.js';
export * from './system-metrics/index.js';
export * from './media/index.js';
export * from './migrate/index.js';
// Deprecated here, kept for plugins of contract v1: the list is in plugin-compat.ts.
export * from './plugin-compat.js';
