import { definePlugin } from '@labbook/core/plugin';
import { PLUGIN_NAME } from './constants.js';
import { FileRegistryStore } from './file-registry-store.js';
import { FileTrackingStore } from './file-tracking-store.js';
import { LocalArtifactRepository } from './local-artifact-repository.js';
import { trackingStoreOptionsFromFactory } from './options.js';

/** The file plugin: scheme `file` (and bare paths) for tracking, registry and artifacts. */
export default definePlugin({
  apiVersion: 2,
  name: PLUGIN_NAME,
  trackingStores: {
    file: (uri, options) => new FileTrackingStore(trackingStoreOptionsFromFactory(uri, options)),
  },
  registryStores: { file: (uri) => new FileRegistryStore({ root: uri }) },
  artifactRepositories: { file: (uri) => new LocalArtifactRepository(uri) },
});
