import { definePlugin } from '@labbook/core/plugin';
import { MemoryArtifactRepository } from './memory-artifact-repository.js';
import { MemoryRegistryStore } from './memory-registry-store.js';
import { MemoryTrackingStore } from './memory-tracking-store.js';

/** `memory://<name>`: stores that live in this process; two stores of one URI share their data. */
export default definePlugin({
  apiVersion: 2,
  name: 'labbook-plugin-memory',
  trackingStores: { memory: (uri) => new MemoryTrackingStore(uri) },
  registryStores: { memory: (uri) => new MemoryRegistryStore(uri) },
  artifactRepositories: { memory: (uri) => new MemoryArtifactRepository(uri) },
});
