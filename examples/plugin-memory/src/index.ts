export { MemoryTrackingStore } from './memory-tracking-store.js';
export { MemoryRegistryStore } from './memory-registry-store.js';
export { MemoryArtifactRepository } from './memory-artifact-repository.js';
export { default as plugin } from './plugin.js';
