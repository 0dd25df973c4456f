/**
 * `@labbook/core/plugin`: what a plugin author needs to write a backend, an artifact repository, a
 * model flavor or a run context provider, for plugin contract v2 ({@link PLUGIN_API_VERSION}):
 * the interfaces to implement (and their v1 shapes), `definePlugin`, the errors stores throw, the
 * parsed query types a v2 store answers with the helpers that answer them, and the guard helpers
 * (artifact paths, local paths, page tokens, ids and limits) stores share with core.
 *
 * Applications use `@labbook/core`; it still re-exports the names plugins of contract v1 imported
 * from it, marked deprecated.
 * @packageDocumentation
 */

// The contract: interfaces to implement, v2 and v1, and the plugin declaration.
export type * from './interfaces/index.js';
export {
  type AnyLabbookPlugin,
  type ArtifactRepositoryFactory,
  definePlugin,
  type LabbookPlugin,
  type LabbookPluginV1,
  type ModelFlavorFactory,
  PLUGIN_API_VERSION,
  type PluginDefinition,
  type PluginDefinitionV1,
  type RegistryStoreFactory,
  type RegistryStoreFactoryV1,
  type StoreFactoryOptions,
  type TrackingStoreFactory,
  type TrackingStoreFactoryV1,
} from './plugins/define-plugin.js';
export { adaptRegistryStoreV1, adaptTrackingStoreV1 } from './plugins/v1-adapter.js';
// Factory options read with a typed error naming the option, instead of a cast.
export { given, OptionChecks } from './plugins/option-checks.js';
export type * from './projects/project-backend.js';
export type { FlavorConfig, MLmodel } from './models/mlmodel.js';
// The data a flavor converts between the caller and its runtime.
export * from './models/tensor.js';
export * from './models/frame.js';
export type { ModelSignature } from './models/signature.js';

// What stores store and throw.
export * from './entities/index.js';
export * from './errors.js';

// Queries as a v2 store receives them, and the helpers that answer them.
export type * from './search/ast.js';
export * from './search/query.js';
export { pageCandidates, pageOf, type QueryOf } from './search/answer-query.js';
// Queries built as core builds them, for a store's own tests and for stores that search each other.
export {
  buildExperimentsQuery,
  buildLoggedModelsQuery,
  buildModelVersionsQuery,
  buildQuery,
  buildRegisteredModelsQuery,
  buildRunsQuery,
  type SearchRequest,
} from './search/build-query.js';
export * from './search/entity-rules.js';
export {
  compareBy,
  compareValues,
  compileExperimentFilter,
  compileLoggedModelFilter,
  compileModelVersionFilter,
  compileRegisteredModelFilter,
  compileRunFilter,
  type Predicate,
  runMatchesFilter,
} from './search/evaluate.js';
export * from './search/accessors.js';
export * from './search/page-token.js';
export { likeMatcher } from './search/like.js';
// Contract v1: stores that parse the request text themselves.
export { parseFilter, parseOrderBy } from './search/parser.js';
export { type Token, tokenize } from './search/lexer.js';
export * as searchGrammar from './search/grammar.js';
export * from './search/in-memory.js';

// Guard helpers stores share with core.
export * from './artifacts/artifact-path.js';
export * from './artifacts/artifact-body.js';
export * from './artifacts/artifact-content-type.js';
export * from './artifacts/bounded-pool.js';
export * from './artifacts/stream-helpers.js';
export * from './uri/local-path.js';
export * from './validation/limits.js';
export * from './validation/keys.js';
export * from './validation/values.js';
export * from './validation/entities.js';
export * from './validation/logged-models.js';
export * from './runs/run-id.js';
export * from './runs/run-name.js';
