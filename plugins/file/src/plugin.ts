import { definePlugin } from '@labbook/core';
import { PLUGIN_NAME } from './constants.js';
import { FileRegistryStore } from './file-registry-store.js';
import { FileTrackingStore } from './file-tracking-store.js';
import { LocalArtifactRepository } from './local-artifact-repository.js';

/** The file plugin: scheme `file` (and bare paths) for tracking, registry and artifacts. */
export default definePlugin({
  name: PLUGIN_NAME,
  trackingStores: {
    file: (uri, options) =>
      new FileTrackingStore({
        root: uri,
        ...(typeof options.artifactRoot === 'string' ? { artifactRoot: options.artifactRoot } : {}),
      }),
  },
  registryStores: { file: (uri) => new FileRegistryStore({ root: uri }) },
  artifactRepositories: { file: (uri) => new LocalArtifactRepository(uri) },
});
