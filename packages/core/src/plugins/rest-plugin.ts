import { MlflowArtifactsRepository } from '../rest/mlflow-artifacts-repository.js';
import { RestRegistryStore } from '../rest/rest-registry-store.js';
import { RestTrackingStore } from '../rest/rest-tracking-store.js';
import { type StoreFactoryOptions, definePlugin } from './define-plugin.js';

const tracking = (uri: string) => new RestTrackingStore(uri);
const registry = (uri: string) => new RestRegistryStore(uri);
// The server's artifact proxy resolves `mlflow-artifacts:` against the tracking server it came from.
const artifacts = (uri: string, options?: StoreFactoryOptions) =>
  new MlflowArtifactsRepository(uri, typeof options?.trackingUri === 'string' ? { trackingUri: options.trackingUri } : {});

/**
 * The built-in plugin for http(s) tracking/registry URIs and the server's artifact proxy
 * (`mlflow-artifacts:`): the REST stores ship in core, and installed or registered plugins win over it.
 */
export const restPlugin = definePlugin({
  apiVersion: 2,
  name: '@labbook/core',
  trackingStores: { http: tracking, https: tracking },
  registryStores: { http: registry, https: registry },
  artifactRepositories: { 'mlflow-artifacts': artifacts, http: artifacts, https: artifacts },
});
