// REST stores for http(s):// tracking URIs and the mlflow-artifacts: repository. The plugin that
// registers them by scheme is `restPlugin`, beside the other built-ins in src/plugins.
export { RestClient, type RestClientOptions, errorFromResponse } from './http-client.js';
export { MlflowArtifactsRepository, type MlflowArtifactsRepositoryOptions } from './mlflow-artifacts-repository.js';
export { RestRegistryStore, type RestRegistryStoreOptions } from './rest-registry-store.js';
export { RestTrackingStore, type RestTrackingStoreOptions } from './rest-tracking-store.js';
export * from './wire.js';
