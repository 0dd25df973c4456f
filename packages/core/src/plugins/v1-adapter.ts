import { invalidParameter, LabbookError } from '../errors.js';
import type { RegistryStore, RegistryStoreV1, SearchRegistryOptions } from '../interfaces/registry-store.js';
import type { SearchExperimentsOptions, SearchRunsOptions, TrackingStore, TrackingStoreV1 } from '../interfaces/tracking-store.js';
import type { SearchQuery } from '../search/query.js';
import {
  type AnyLabbookPlugin,
  type LabbookPlugin,
  type LabbookPluginV1,
  PLUGIN_API_VERSION,
  type RegistryStoreFactory,
  type TrackingStoreFactory,
} from './define-plugin.js';

/*
 * Plugins of contract v1 answered searches from the caller's text. Core now parses every search
 * once, but each query keeps that text (`query.source`) so a v1 store still gets exactly what it
 * was written for: the adapter hands it back and wraps the page it returns.
 */

// Fields absent from the request stay absent: a v1 store may tell "not given" from an empty value.
function textRequest(query: SearchQuery<unknown>): SearchRegistryOptions {
  const { filter, orderBy, pageToken, maxResults } = query.source;
  return {
    ...(filter !== undefined ? { filter } : {}),
    ...(orderBy !== undefined ? { orderBy: [...orderBy] } : {}),
    ...(pageToken !== undefined ? { pageToken } : {}),
    maxResults,
  };
}

/**
 * A v1 tracking store as a v2 one: searches receive the query's source text and their page comes
 * back as `{ kind: 'page' }`; every other method passes through, optional ones only when present.
 */
export function adaptTrackingStoreV1(store: TrackingStoreV1): TrackingStore {
  const adapted: TrackingStore = {
    createExperiment: (name, artifactLocation, tags) => store.createExperiment(name, artifactLocation, tags),
    getExperiment: (experimentId) => store.getExperiment(experimentId),
    getExperimentByName: (name) => store.getExperimentByName(name),
    deleteExperiment: (experimentId) => store.deleteExperiment(experimentId),
    restoreExperiment: (experimentId) => store.restoreExperiment(experimentId),
    renameExperiment: (experimentId, newName) => store.renameExperiment(experimentId, newName),
    setExperimentTag: (experimentId, tag) => store.setExperimentTag(experimentId, tag),
    deleteExperimentTag: (experimentId, key) => store.deleteExperimentTag(experimentId, key),
    createRun: (options) => store.createRun(options),
    getRun: (runId) => store.getRun(runId),
    updateRunInfo: (runId, update) => store.updateRunInfo(runId, update),
    deleteRun: (runId) => store.deleteRun(runId),
    restoreRun: (runId) => store.restoreRun(runId),
    logBatch: (runId, batch) => store.logBatch(runId, batch),
    deleteTag: (runId, key) => store.deleteTag(runId, key),
    logInputs: (runId, datasets) => store.logInputs(runId, datasets),
    getMetricHistory: (runId, key, options) => store.getMetricHistory(runId, key, options),
    async searchExperiments(query) {
      const options: SearchExperimentsOptions = { ...textRequest(query), viewType: query.viewType };
      return { kind: 'page', page: await store.searchExperiments(options) };
    },
    async searchRuns(query) {
      const options: SearchRunsOptions = { ...textRequest(query), experimentIds: [...query.experimentIds], viewType: query.viewType };
      return { kind: 'page', page: await store.searchRuns(options) };
    },
  };
  // Present only when the v1 store has them: core reads their absence (no columns fast path, nothing to close).
  if (store.getMetricHistoryColumns) adapted.getMetricHistoryColumns = (runId, key) => store.getMetricHistoryColumns!(runId, key);
  if (store.close) adapted.close = () => store.close!();
  return adapted;
}

/** A v1 registry store as a v2 one (see {@link adaptTrackingStoreV1}). */
export function adaptRegistryStoreV1(store: RegistryStoreV1): RegistryStore {
  const adapted: RegistryStore = {
    createRegisteredModel: (name, tags, description) => store.createRegisteredModel(name, tags, description),
    updateRegisteredModel: (name, description) => store.updateRegisteredModel(name, description),
    renameRegisteredModel: (name, newName) => store.renameRegisteredModel(name, newName),
    deleteRegisteredModel: (name) => store.deleteRegisteredModel(name),
    getRegisteredModel: (name) => store.getRegisteredModel(name),
    getLatestVersions: (name, stages) => store.getLatestVersions(name, stages),
    setRegisteredModelTag: (name, tag) => store.setRegisteredModelTag(name, tag),
    deleteRegisteredModelTag: (name, key) => store.deleteRegisteredModelTag(name, key),
    createModelVersion: (options) => store.createModelVersion(options),
    updateModelVersion: (name, version, description) => store.updateModelVersion(name, version, description),
    transitionModelVersionStage: (name, version, stage, archive) => store.transitionModelVersionStage(name, version, stage, archive),
    deleteModelVersion: (name, version) => store.deleteModelVersion(name, version),
    getModelVersion: (name, version) => store.getModelVersion(name, version),
    getModelVersionDownloadUri: (name, version) => store.getModelVersionDownloadUri(name, version),
    setModelVersionTag: (name, version, tag) => store.setModelVersionTag(name, version, tag),
    deleteModelVersionTag: (name, version, key) => store.deleteModelVersionTag(name, version, key),
    setRegisteredModelAlias: (name, alias, version) => store.setRegisteredModelAlias(name, alias, version),
    deleteRegisteredModelAlias: (name, alias) => store.deleteRegisteredModelAlias(name, alias),
    getModelVersionByAlias: (name, alias) => store.getModelVersionByAlias(name, alias),
    async searchRegisteredModels(query) {
      return { kind: 'page', page: await store.searchRegisteredModels(textRequest(query)) };
    },
    async searchModelVersions(query) {
      return { kind: 'page', page: await store.searchModelVersions(textRequest(query)) };
    },
  };
  if (store.close) adapted.close = () => store.close!();
  return adapted;
}

function adaptFactories<V1, V2>(
  factories: Record<string, (uri: string, options: Parameters<TrackingStoreFactory>[1]) => V1 | Promise<V1>> | undefined,
  adapt: (store: V1) => V2,
): Record<string, (uri: string, options: Parameters<TrackingStoreFactory>[1]) => Promise<V2>> | undefined {
  if (!factories) return undefined;
  return Object.fromEntries(
    Object.entries(factories).map(([scheme, factory]) => [scheme, async (uri, options) => adapt(await factory(uri, options))]),
  );
}

/**
 * The contract version a plugin was built for: its `apiVersion`, or 1 when it has none (plugins
 * made before the field existed, or by hand).
 *
 * @throws LabbookError INTERNAL_ERROR for a version newer than this core supports (upgrade
 * @labbook/core), INVALID_PARAMETER_VALUE for one that is not a positive integer
 */
export function pluginApiVersion(plugin: AnyLabbookPlugin | { name: string; apiVersion?: unknown }): number {
  const version = plugin.apiVersion ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw invalidParameter(
      `[labbook] plugin ${plugin.name} declares an invalid apiVersion ${JSON.stringify(version)}: expected a positive integer`,
      {
        field: 'apiVersion',
      },
    );
  }
  if (version > PLUGIN_API_VERSION) {
    throw new LabbookError(
      'INTERNAL_ERROR',
      `[labbook] plugin ${plugin.name} was built for plugin API version ${version}, but this @labbook/core supports up to ${PLUGIN_API_VERSION}; upgrade @labbook/core`,
    );
  }
  return version;
}

/**
 * A plugin of any supported contract as a v2 one: a v1 plugin's tracking and registry store
 * factories are wrapped in the v1 adapter; everything else (artifact repositories, flavors, context
 * providers, project backends) did not change between versions and is kept as is.
 *
 * @throws LabbookError as {@link pluginApiVersion}
 */
export function asCurrentPlugin(plugin: AnyLabbookPlugin): LabbookPlugin {
  if (ADAPTED.has(plugin as LabbookPlugin) || pluginApiVersion(plugin) === PLUGIN_API_VERSION) return plugin as LabbookPlugin;
  const v1 = plugin as LabbookPluginV1;
  const trackingStores: Record<string, TrackingStoreFactory> | undefined = adaptFactories(v1.trackingStores, adaptTrackingStoreV1);
  const registryStores: Record<string, RegistryStoreFactory> | undefined = adaptFactories(v1.registryStores, adaptRegistryStoreV1);
  const { trackingStores: _v1Tracking, registryStores: _v1Registry, ...unchanged } = v1;
  const adapted: LabbookPlugin = {
    ...unchanged,
    apiVersion: 1,
    ...(trackingStores ? { trackingStores } : {}),
    ...(registryStores ? { registryStores } : {}),
  };
  ADAPTED.add(adapted);
  return adapted;
}

// The adapted plugin keeps `apiVersion: 1` (for `labbook plugins`), so it is remembered rather than re-adapted.
const ADAPTED = new WeakSet<LabbookPlugin>();
