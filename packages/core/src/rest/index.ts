// REST stores for http(s):// tracking URIs and the mlflow-artifacts: repository.
import { type StoreFactoryOptions, definePlugin } from '../plugins/define-plugin.js';
import { MlflowArtifactsRepository } from './mlflow-artifacts-repository.js';
import { RestRegistryStore } from './rest-registry-store.js';
import { RestTrackingStore } from './rest-tracking-store.js';

export { RestClient, type RestClientOptions, errorFromResponse } from './http-client.js';
export { MlflowArtifactsRepository, type MlflowArtifactsRepositoryOptions } from './mlflow-artifacts-repository.js';
export { RestRegistryStore, type RestRegistryStoreOptions } from './rest-registry-store.js';
export { RestTrackingStore, type RestTrackingStoreOptions } from './rest-tracking-store.js';
export * from './wire.js';

const tracking = (uri: string) => new RestTrackingStore(uri);
const registry = (uri: string) => new RestRegistryStore(uri);
const artifacts = (uri: string, options?: StoreFactoryOptions) =>
  new MlflowArtifactsRepository(uri, typeof options?.trackingUri === 'string' ? { trackingUri: options.trackingUri } : {});

/** The built-in plugin for http(s) tracking/registry URIs and the server's artifact proxy. */
export const restPlugin = definePlugin({
  name: '@labbook/core',
  trackingStores: { http: tracking, https: tracking },
  registryStores: { http: registry, https: registry },
  artifactRepositories: { 'mlflow-artifacts': artifacts, http: artifacts, https: artifacts },
});
